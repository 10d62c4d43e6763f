// tus-js-client (the reference JavaScript client) against homedisk, for tests/api/tus_clients.rs.
// `node upload.mjs ENDPOINT TOKEN FILE STORE start` uploads FILE in 5 MiB chunks and stops
// (aborts) once about 40 % is acknowledged; `... resume` finds that upload again through the
// URL store (findPreviousUploads), resumes it and finishes. Prints one JSON line per phase.
import * as fs from "node:fs";
import * as tus from "tus-js-client";

const [endpoint, token, file, store, phase] = process.argv.slice(2);
const data = fs.readFileSync(file);
let fileId = null;
let resumedFrom = null;

const upload = new tus.Upload(data, {
  endpoint,
  chunkSize: 5 * 1024 * 1024,
  retryDelays: [],
  headers: { Authorization: `Bearer ${token}` },
  metadata: { filename: "big.bin" },
  urlStorage: new tus.FileUrlStorage(store),
  storeFingerprintForResuming: true,
  removeFingerprintOnSuccess: true,
  onAfterResponse(req, res) {
    const id = res.getHeader("Homedisk-File-Id");
    if (id) { fileId = id; }
    if (resumedFrom === null && req.getMethod() === "HEAD") {
      resumedFrom = Number(res.getHeader("Upload-Offset"));
    }
  },
  onProgress(sent, total) {
    if (phase === "start" && sent >= total * 0.4) {
      upload.abort().then(() => {
        console.log(JSON.stringify({ phase, url: upload.url, sent }));
        process.exit(0);
      });
    }
  },
  onError(err) {
    console.error(String(err));
    process.exit(1);
  },
  onSuccess() {
    console.log(JSON.stringify({ phase, url: upload.url, fileId, resumedFrom }));
    process.exit(0);
  },
});

if (phase === "resume") {
  const previous = await upload.findPreviousUploads();
  if (previous.length !== 1) {
    console.error(`expected one previous upload, found ${previous.length}`);
    process.exit(1);
  }
  upload.resumeFromPreviousUpload(previous[0]);
}
upload.start();
