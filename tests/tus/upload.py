"""tuspy (the Python tus client) against homedisk, for tests/api/tus_clients.rs.

`python upload.py ENDPOINT TOKEN FILE STORE start` uploads FILE in 1 MiB chunks with sha1
checksums and stops once about 40 % is acknowledged; `... resume` finds the upload again
through the URL store, resumes it with checksums and finishes. Prints one JSON line a phase.
"""
import json
import sys

from tusclient import client
from tusclient.storage.filestorage import FileStorage

endpoint, token, path, store, phase = sys.argv[1:6]
tus = client.TusClient(endpoint, headers={"Authorization": "Bearer " + token})
uploader = tus.uploader(
    path,
    chunk_size=1024 * 1024,
    metadata={"filename": "checked.bin"},
    store_url=True,
    url_storage=FileStorage(store),
    upload_checksum=True,
)
if phase == "start":
    while uploader.offset < uploader.get_file_size() * 0.4:
        uploader.upload_chunk()
    print(json.dumps({"phase": phase, "url": uploader.url, "sent": uploader.offset}))
else:
    resumed_from = uploader.offset
    uploader.upload()
    headers = uploader.request.response_headers
    print(json.dumps({"phase": phase, "url": uploader.url, "resumedFrom": resumed_from,
                      "fileId": headers.get("homedisk-file-id")}))
