// homedisk uploads with progress: files or folders chosen, dropped anywhere on the page or
// pasted (Ctrl+V) go through the JSON API (small files as multipart, large ones resumable
// through tus-js-client), authenticated by the session cookie plus the page's CSRF token.
// Each file can be cancelled (a tus upload is then deleted on the server too); failures stay
// listed with their reason, across the reload that shows the new files, until dismissed.
// A folder's tree is recreated with the folder API first: each folder created once, parents
// before children, an existing folder of the same name reused. Uses `window.homedisk`.
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; }, toast: function () {} };
  var t = hd.t;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("file-input");
  var folderInput = document.getElementById("folder-input");
  var panel = document.getElementById("upload-panel");
  var list = document.getElementById("uploads");
  var total = document.getElementById("upload-total");
  var summary = document.getElementById("upload-summary");
  var cancelAll = document.getElementById("upload-cancel-all");
  var dismissAll = document.getElementById("upload-dismiss");
  var base = form.dataset.folder || "";
  var resumableFrom = Number(form.dataset.resumableFrom || 20971520);
  var maxBytes = Number(form.dataset.maxBytes || 0);
  var MAX_PARALLEL = 3;
  var FAILURES = "homedisk:upload-failures";
  var jobs = [];
  var samples = [];
  var expired = false;
  // While a batch is being listed (so that an early failure does not end it).
  var adding = false;

  function fmtBytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return (i ? n.toFixed(1) : String(Math.round(n))) + " " + units[i];
  }
  function fmtTime(s) {
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  // The folder trees uploads go into, by the id of their top ("" is the top level): the folder
  // shown, or a folder row something was dropped on. Forgotten when rows move without a
  // reload (drag to move), so a folder moved away is not filled by its old place.
  var trees = {};
  function treeFor(root) {
    if (!trees[root]) { trees[root] = window.homediskUploadTree.folders(root, csrf, function () { expired = true; }); }
    return trees[root];
  }
  document.addEventListener("homedisk:items", function () { trees = {}; });
  var walk = window.homediskUploadTree.walk;
  // Folders being made for a batch (empty ones have no file to wait for them), and whether
  // any was: the listing is reloaded when they are done, not before.
  var making = [];
  var madeFolders = false;

  // --- The list of uploads. --------------------------------------------------------------------
  function active(j) { return j.status === "pending" || j.status === "ready" || j.status === "running"; }
  function running() { return jobs.some(active); }
  function row(label, kind) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "up-name"; name.textContent = label; name.title = label;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", label);
    var state = document.createElement("span");
    state.className = "up-state"; state.textContent = t("waiting");
    var cancel = document.createElement("button");
    cancel.type = "button"; cancel.className = "icon-btn up-cancel";
    cancel.title = t("cancel_upload"); cancel.setAttribute("aria-label", t("cancel_named", label));
    cancel.textContent = "✕";
    li.append(name, bar, state, cancel);
    if (kind) { li.classList.add(kind); }
    list.appendChild(li);
    return { li: li, bar: bar, state: state, cancel: cancel };
  }
  // Failures that are no upload of their own (a folder that could not be made, an entry of a
  // dropped folder that could not be read): kept across the reload like failed uploads.
  var strays = [];
  function strayFailed(label, reason) {
    strays.push({ name: label, reason: reason });
    showFailed(label, reason);
  }
  function showFailed(label, reason) {
    var r = row(label, "failed");
    r.state.textContent = reason; r.bar.value = 100; r.cancel.remove();
    r.li.setAttribute("data-reason", reason);
  }
  // `into`: the folder row dropped on ({id, name}), or null for the folder shown.
  function add(file, dir, into) {
    var label = (into ? into.name + "/" : "") + (dir ? dir + "/" + file.name : file.name);
    var r = row(label);
    var job = { file: file, dir: dir, label: label, loaded: 0, status: "pending", li: r.li, bar: r.bar, state: r.state, cancelBtn: r.cancel };
    r.cancel.addEventListener("click", function () { cancel(job); });
    jobs.push(job);
    if (maxBytes && file.size > maxBytes) {
      finish(job, "failed", t("too_large", fmtBytes(maxBytes)));
      return;
    }
    treeFor(into ? into.id : base).ensurePath(dir).then(function (id) {
      if (job.status !== "pending") { return; }
      job.folder = id; job.status = "ready"; pump();
    }, function (err) { if (job.status === "pending") { finish(job, "failed", err.message); } });
  }
  function progress() {
    var sum = 0, size = 0, done = 0, failed = 0;
    jobs.forEach(function (j) {
      if (j.status === "cancelled") { return; }
      size += j.file.size; sum += j.status === "done" ? j.file.size : j.loaded;
      if (j.status === "done") { done += 1; }
      if (j.status === "failed") { failed += 1; }
    });
    var counted = jobs.filter(function (j) { return j.status !== "cancelled"; }).length;
    total.value = size ? Math.round((sum / size) * 100) : (running() ? 0 : 100);
    var now = Date.now();
    samples.push([now, sum]);
    while (samples.length > 2 && now - samples[0][0] > 5000) { samples.shift(); }
    var parts = [t("uploaded_n", done) + " / " + counted];
    if (failed) { parts.push(t("failed_n", failed)); }
    parts.push(t("bytes_of", fmtBytes(sum), fmtBytes(size)));
    var first = samples[0], span = (now - first[0]) / 1000;
    if (running() && span > 0.5) {
      var speed = (sum - first[1]) / span;
      parts.push(t("speed", fmtBytes(speed)));
      if (speed > 0) { parts.push(t("eta", fmtTime((size - sum) / speed))); }
    }
    summary.textContent = parts.join(" · ");
    cancelAll.hidden = !running();
    dismissAll.hidden = running();
  }
  function finish(job, status, message) {
    job.status = status;
    job.li.classList.add(status);
    if (job.pause) { job.pause.remove(); }
    job.cancelBtn.remove();
    if (status === "done") { job.bar.value = 100; job.state.textContent = t("done"); }
    if (status === "failed") { job.bar.value = 100; job.state.textContent = message; job.li.setAttribute("data-reason", message); }
    if (status === "cancelled") { job.state.textContent = t("cancelled"); }
    progress();
    pump();
    if (!running() && !adding) { allDone(); }
  }
  // Marked cancelled first, so the aborted request's own events find it no longer running.
  function cancel(job) {
    if (!active(job)) { return; }
    var was = job.status;
    finish(job, "cancelled");
    if (was === "running" && job.xhr) { job.xhr.abort(); }
    // `true`: the server deletes what it holds of this upload, and the resume key goes.
    if (was === "running" && job.tus) { job.tus.abort(true).catch(function () { /* gone already */ }); }
  }

  function pump() {
    var busy = jobs.filter(function (j) { return j.status === "running"; }).length;
    jobs.forEach(function (job) {
      if (busy >= MAX_PARALLEL || job.status !== "ready") { return; }
      busy += 1; job.status = "running"; job.state.textContent = "0%";
      if (window.tus && window.tus.isSupported && job.file.size >= resumableFrom) { resumable(job); } else { simple(job); }
    });
  }
  function step(job, sent) {
    job.loaded = Math.min(sent, job.file.size);
    job.bar.value = job.file.size ? Math.floor((job.loaded / job.file.size) * 100) : 100;
    job.state.textContent = job.bar.value + "% · " + fmtBytes(job.loaded) + " / " + fmtBytes(job.file.size);
    progress();
  }
  function failure(status, body) {
    var message = t("failed");
    try { message = JSON.parse(body).detail || message; } catch (_) { /* not JSON */ }
    if (status === 0) { message = t("connection_lost"); }
    if (status === 401) { expired = true; message = t("session_expired"); }
    return message;
  }
  function simple(job) {
    var body = new FormData();
    body.append("file", job.file, job.file.name);
    var xhr = new XMLHttpRequest();
    job.xhr = xhr;
    xhr.open("POST", "/api/v1/files" + (job.folder ? "?folder=" + encodeURIComponent(job.folder) : ""));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", function (e) { if (e.lengthComputable) { step(job, e.loaded); } });
    xhr.addEventListener("loadend", function () {
      if (job.status !== "running") { return; }
      if (xhr.status === 201) { finish(job, "done"); } else { finish(job, "failed", failure(xhr.status, xhr.responseText)); }
    });
    xhr.send(body);
  }
  // Large files go through tus: a dropped connection or a restarted server resumes from the
  // last byte the server acknowledged, and the user can pause and resume.
  function resumable(job) {
    var upload = new window.tus.Upload(job.file, {
      endpoint: "/api/v1/uploads",
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 60000],
      headers: { "X-CSRF-Token": csrf },
      metadata: { filename: job.file.name, folder: job.folder || "" },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent) { if (job.status === "running") { step(job, sent); } },
      onSuccess: function () { if (job.status === "running") { finish(job, "done"); } },
      onError: function (err) {
        if (job.status !== "running") { return; }
        var res = err && err.originalResponse;
        finish(job, "failed", failure(res ? res.getStatus() : 0, res ? res.getBody() : ""));
      }
    });
    job.tus = upload;
    var pause = document.createElement("button");
    pause.type = "button"; pause.className = "secondary up-pause"; pause.textContent = t("pause");
    pause.addEventListener("click", function () {
      if (job.paused) { job.paused = false; pause.textContent = t("pause"); upload.start(); }
      else { job.paused = true; pause.textContent = t("resume"); upload.abort(); job.state.textContent = t("paused"); }
    });
    job.pause = pause;
    job.li.insertBefore(pause, job.cancelBtn);
    upload.findPreviousUploads().then(function (previous) {
      if (job.status !== "running") { return; }
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); }
      upload.start();
    });
  }

  // When nothing runs any more: failures are kept for the next page, and the listing is
  // reloaded to show the new files (the server renders it).
  function allDone() {
    if (making.length) {
      // Folders still being made: a reload now could cut their requests off.
      var waiting = making;
      making = [];
      Promise.all(waiting).then(function () { if (!running()) { allDone(); } });
      return;
    }
    var failed = jobs.filter(function (j) { return j.status === "failed"; });
    var done = madeFolders || jobs.some(function (j) { return j.status === "done"; });
    if (expired) {
      hd.toast(t("session_expired"), "err");
      var here = window.location.pathname + window.location.search;
      window.setTimeout(function () { window.location.assign("/login?notice=expired&next=" + encodeURIComponent(here)); }, 1500);
      return;
    }
    if (failed.length || strays.length) { hd.toast(t("upload_some_failed"), "err"); }
    keep(failed.map(function (j) { return { name: j.label, reason: j.li.getAttribute("data-reason") || t("failed") }; }).concat(strays));
    strays = [];
    if (done) {
      var url = new URL(window.location.href);
      url.searchParams.set("notice", "uploaded");
      window.setTimeout(function () { window.location.assign(url.toString()); }, 600);
    }
  }
  function keep(failures) {
    try {
      var old = JSON.parse(sessionStorage.getItem(FAILURES) || "[]");
      var known = {};
      old.forEach(function (f) { known[f.name + "\n" + f.reason] = true; });
      failures.forEach(function (f) { if (!known[f.name + "\n" + f.reason]) { old.push(f); } });
      sessionStorage.setItem(FAILURES, JSON.stringify(old));
    } catch (_) { /* no sessionStorage: they stay on this page only */ }
  }
  dismissAll.addEventListener("click", function () {
    try { sessionStorage.removeItem(FAILURES); } catch (_) { /* none */ }
    jobs = jobs.filter(active); strays = [];
    list.textContent = ""; samples = [];
    panel.hidden = true;
  });
  cancelAll.addEventListener("click", function () { jobs.slice().forEach(cancel); });
  window.addEventListener("beforeunload", function (e) {
    if (!running()) { return; }
    e.preventDefault();
    e.returnValue = "";
  });

  // Failures of earlier uploads in this tab, until dismissed.
  try {
    JSON.parse(sessionStorage.getItem(FAILURES) || "[]").forEach(function (f) { panel.hidden = false; showFailed(f.name, f.reason); });
    if (!panel.hidden) { summary.textContent = t("failed_n", list.children.length); dismissAll.hidden = false; cancelAll.hidden = true; }
  } catch (_) { /* no sessionStorage */ }
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

  // `items`: [{file, dir}] (dir: the folder path under the target, "" for the target itself);
  // `dirs`: folders to create even when empty; `unread`: [{name, reason}] a dropped folder
  // could not give; `into`: the folder row dropped on, if any (else the folder shown).
  function start(items, dirs, unread, into) {
    if (!items.length && !(dirs && dirs.length) && !(unread && unread.length)) { return; }
    panel.hidden = false;
    adding = true;
    var tree = treeFor(into ? into.id : base);
    (dirs || []).forEach(function (d) {
      making.push(tree.ensurePath(d).then(function () { madeFolders = true; },
        function (err) { strayFailed((into ? into.name + "/" : "") + d + "/", err.message); }));
    });
    (unread || []).forEach(function (u) { strayFailed((into ? into.name + "/" : "") + u.name, u.reason); });
    items.forEach(function (i) { add(i.file, i.dir, into); });
    adding = false;
    progress();
    pump();
    if (!running()) { allDone(); }
  }
  function fromFileList(files) {
    return Array.prototype.map.call(files, function (f) {
      var rel = f.webkitRelativePath || "";
      return { file: f, dir: rel.indexOf("/") > 0 ? rel.slice(0, rel.lastIndexOf("/")) : "" };
    });
  }

  // Choosing files or a folder starts the upload; the form's own submit stays for browsers
  // without JavaScript.
  input.addEventListener("change", function () { start(fromFileList(input.files)); input.value = ""; });
  if (folderInput) {
    folderInput.addEventListener("change", function () { start(fromFileList(folderInput.files)); folderInput.value = ""; });
  }
  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    start(fromFileList(input.files));
    input.value = "";
  });

  // Drop files or folders anywhere on the page: into the folder shown, or onto a folder's
  // row to put them in that folder (as drag to move does with items already here).
  var overlay = document.getElementById("drop-overlay");
  var depth = 0;
  function hasFiles(e) {
    return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") !== -1;
  }
  var marked = null;
  function folderRow(e) {
    var li = e.target && e.target.closest ? e.target.closest("#items > li.item.is-folder") : null;
    if (marked !== li) {
      if (marked) { marked.classList.remove("drop-target"); }
      if (li) { li.classList.add("drop-target"); }
      marked = li;
    }
    return li ? { id: li.dataset.id, name: li.dataset.name || "" } : null;
  }
  document.addEventListener("dragenter", function (e) {
    if (!hasFiles(e)) { return; }
    e.preventDefault(); depth += 1; if (overlay) { overlay.hidden = false; }
  });
  document.addEventListener("dragleave", function (e) {
    if (!hasFiles(e)) { return; }
    depth -= 1; if (depth <= 0) { depth = 0; if (overlay) { overlay.hidden = true; } folderRow({}); }
  });
  document.addEventListener("dragover", function (e) { if (hasFiles(e)) { e.preventDefault(); folderRow(e); } });
  document.addEventListener("drop", function (e) {
    if (!hasFiles(e)) { return; }
    e.preventDefault(); depth = 0; if (overlay) { overlay.hidden = true; }
    var into = folderRow(e);
    folderRow({});
    // Entries must be taken during the event; reading them can wait.
    var entries = Array.prototype.map.call(e.dataTransfer.items || [], function (i) {
      return i.kind === "file" && i.webkitGetAsEntry ? i.webkitGetAsEntry() : null;
    });
    if (!entries.some(function (en) { return en && en.isDirectory; })) {
      start(fromFileList(e.dataTransfer.files), [], [], into);
      return;
    }
    var out = { items: [], dirs: [], unread: [] };
    Promise.all(entries.filter(Boolean).map(function (en) { return walk(en, "", out); }))
      .then(function () { start(out.items, out.dirs, out.unread, into); });
  });

  // Paste files (a screenshot, files copied in a file manager) anywhere but a text field.
  document.addEventListener("paste", function (e) {
    var files = e.clipboardData ? Array.prototype.slice.call(e.clipboardData.files || []) : [];
    if (!files.length) { return; }
    var target = e.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA)$/.test(target.tagName)) && target.type !== "file") { return; }
    e.preventDefault();
    var stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    start(files.map(function (f, i) {
      // A pasted picture is called "image.png" by every browser: give it a telling name.
      var generic = /^image\.\w+$/.test(f.name);
      var ext = (f.type.split("/")[1] || "bin").replace("jpeg", "jpg").replace(/[^a-z0-9]/g, "");
      var name = generic ? t("pasted_name", stamp + (files.length > 1 ? "-" + (i + 1) : "")) + "." + ext : f.name;
      return { file: name === f.name ? f : new File([f], name, { type: f.type }), dir: "" };
    }));
  });
})();
