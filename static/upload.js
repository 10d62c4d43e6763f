// homedisk uploads with progress: files chosen or dropped anywhere on the page go through the
// JSON API (small ones as multipart, large ones resumable through tus-js-client), authenticated
// by the session cookie plus the page's CSRF token. Uses `window.homedisk` from app.js.
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; }, toast: function () {} };
  var t = hd.t;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  // --- Uploads. ---------------------------------------------------------------------------------
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = form.querySelector('input[type="file"]');
  var panel = document.getElementById("upload-panel");
  var list = document.getElementById("uploads");
  var total = document.getElementById("upload-total");
  var summary = document.getElementById("upload-summary");
  var folder = form.dataset.folder;
  var resumableFrom = Number(form.dataset.resumableFrom || 20971520);
  var MAX_PARALLEL = 3;
  // Uploads a reload interrupted: tus-js-client keeps them in localStorage; choosing the same
  // files again resumes them from where the server stopped.
  try {
    var unfinished = [];
    for (var k = 0; k < localStorage.length; k++) {
      var key = localStorage.key(k);
      if (key && key.indexOf("tus::") === 0) {
        var saved = JSON.parse(localStorage.getItem(key) || "{}");
        if (saved.metadata && saved.metadata.filename) { unfinished.push(saved.metadata.filename); }
      }
    }
    if (unfinished.length) { hd.toast(t("resume_unfinished", unfinished.join(", ")), "err"); }
  } catch (_) { /* no localStorage */ }

  function loginAgain() {
    var here = window.location.pathname + window.location.search;
    window.location.assign("/login?notice=expired&next=" + encodeURIComponent(here));
  }

  function uploadAll(files) {
    if (!files || !files.length) { return; }
    panel.hidden = false;
    list.textContent = "";
    var jobs = [], totalBytes = 0, finished = 0, succeeded = 0, failed = 0, expired = false;
    Array.prototype.forEach.call(files, function (file) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "up-name"; name.textContent = file.name; name.title = file.name;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var state = document.createElement("span");
      state.className = "up-state"; state.textContent = t("waiting");
      li.append(name, bar, state);
      list.appendChild(li);
      jobs.push({ file: file, li: li, bar: bar, state: state, loaded: 0 });
      totalBytes += file.size;
    });
    function progress() {
      var sum = jobs.reduce(function (a, j) { return a + j.loaded; }, 0);
      total.value = totalBytes ? Math.round((sum / totalBytes) * 100) : (finished === jobs.length ? 100 : 0);
      var parts = [t("uploaded_n", succeeded) + " / " + jobs.length];
      if (failed) { parts.push(t("failed_n", failed)); }
      summary.textContent = parts.join(" · ");
    }
    progress();
    var next = 0;
    function finishJob(job, ok, message) {
      finished += 1;
      job.loaded = job.file.size;
      if (ok) {
        succeeded += 1; job.bar.value = 100;
        job.li.classList.add("done"); job.state.textContent = t("done");
      } else {
        failed += 1;
        job.li.classList.add("failed"); job.state.textContent = message;
      }
      if (job.pause) { job.pause.remove(); }
      progress();
      if (finished === jobs.length) { done(); } else { start(); }
    }
    // Large files go through tus: a dropped connection or a restarted server resumes from the
    // last byte the server acknowledged, and the user can pause and resume.
    function resumable(job) {
      var upload = new window.tus.Upload(job.file, {
        endpoint: "/api/v1/uploads",
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 60000],
        headers: { "X-CSRF-Token": csrf },
        metadata: { filename: job.file.name, folder: folder || "" },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, size) {
          job.loaded = sent;
          job.bar.value = size ? Math.floor((sent / size) * 100) : 100;
          job.state.textContent = job.bar.value + "%";
          progress();
        },
        onSuccess: function () { finishJob(job, true); },
        onError: function (err) {
          var status = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
          var message = t("failed");
          try { message = JSON.parse(err.originalResponse.getBody()).detail || message; } catch (_) { /* not JSON */ }
          if (status === 0) { message = t("connection_lost"); }
          if (status === 401) { expired = true; message = t("session_expired"); }
          finishJob(job, false, message);
        }
      });
      var pause = document.createElement("button");
      pause.type = "button"; pause.className = "secondary up-pause"; pause.textContent = t("pause");
      pause.addEventListener("click", function () {
        if (job.paused) { job.paused = false; pause.textContent = t("pause"); upload.start(); }
        else { job.paused = true; pause.textContent = t("resume"); upload.abort(); job.state.textContent = t("paused"); }
      });
      job.pause = pause;
      job.li.appendChild(pause);
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
        upload.start();
      });
    }
    function start() {
      if (next >= jobs.length) { return; }
      var job = jobs[next++];
      if (window.tus && window.tus.isSupported && job.file.size >= resumableFrom) {
        resumable(job);
        return;
      }
      var body = new FormData();
      body.append("file", job.file, job.file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/files" + (folder ? "?folder=" + encodeURIComponent(folder) : ""));
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      job.state.textContent = "0%";
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        job.bar.value = Math.round((e.loaded / e.total) * 100);
        job.state.textContent = job.bar.value + "%";
        job.loaded = Math.min(e.loaded, job.file.size);
        progress();
      });
      xhr.addEventListener("loadend", function () {
        if (xhr.status === 201) { finishJob(job, true); return; }
        var message = t("failed");
        try { message = JSON.parse(xhr.responseText).detail || message; } catch (_) { /* not JSON */ }
        if (xhr.status === 0) { message = t("connection_lost"); }
        if (xhr.status === 401) { expired = true; message = t("session_expired"); }
        finishJob(job, false, message);
      });
      xhr.send(body);
    }
    function done() {
      if (expired) {
        hd.toast(t("session_expired"), "err");
        window.setTimeout(loginAgain, 1500);
        return;
      }
      if (failed) { hd.toast(t("upload_some_failed"), "err"); }
      if (succeeded > 0) {
        // Show the new files: the listing is rendered by the server.
        var url = new URL(window.location.href);
        url.searchParams.set("notice", "uploaded");
        window.setTimeout(function () { window.location.assign(url.toString()); }, failed ? 2500 : 600);
      }
    }
    for (var i = 0; i < Math.min(MAX_PARALLEL, jobs.length); i++) { start(); }
  }

  // Choosing files starts the upload; the form's own submit stays for browsers without JS.
  input.addEventListener("change", function () {
    if (input.files.length) { uploadAll(input.files); }
    input.value = "";
  });
  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    uploadAll(input.files);
    input.value = "";
  });

  // Drop files anywhere on the page.
  var overlay = document.getElementById("drop-overlay");
  var depth = 0;
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") !== -1;
  }
  document.addEventListener("dragenter", function (e) {
    if (!hasFiles(e)) { return; }
    e.preventDefault(); depth += 1; if (overlay) { overlay.hidden = false; }
  });
  document.addEventListener("dragleave", function (e) {
    if (!hasFiles(e)) { return; }
    depth -= 1; if (depth <= 0) { depth = 0; if (overlay) { overlay.hidden = true; } }
  });
  document.addEventListener("dragover", function (e) { if (hasFiles(e)) { e.preventDefault(); } });
  document.addEventListener("drop", function (e) {
    if (!hasFiles(e)) { return; }
    e.preventDefault(); depth = 0; if (overlay) { overlay.hidden = true; }
    if (e.dataTransfer.files.length) { uploadAll(e.dataTransfer.files); }
  });
})();
