// homedisk file pages: confirmation before delete, and uploads with progress (through the
// JSON API, authenticated by the session cookie plus the page's CSRF token).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";

  document.querySelectorAll("form.confirm-delete").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var name = form.dataset.name || "this item";
      var question = form.dataset.folder === "true"
        ? 'Delete the folder "' + name + '" and everything in it?'
        : 'Delete "' + name + '"?';
      if (!window.confirm(question)) { event.preventDefault(); return; }
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "yes";
      form.appendChild(confirmed);
    });
  });

  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = form.querySelector('input[type="file"]');
  var status = document.getElementById("upload-status");
  var list = document.getElementById("uploads");
  var total = document.getElementById("upload-total");
  var folder = form.dataset.folder;

  function uploadAll(files) {
    if (!files || !files.length) { return; }
    status.hidden = false;
    var sizes = [], loaded = [], pending = files.length, succeeded = 0;
    var totalBytes = 0;
    Array.prototype.forEach.call(files, function (file, i) {
      sizes[i] = file.size; loaded[i] = 0; totalBytes += file.size;
      var item = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      var state = document.createElement("span");
      state.className = "muted"; state.textContent = "waiting";
      item.append(label, bar, state);
      list.appendChild(item);

      var body = new FormData();
      body.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/files" + (folder ? "?folder=" + encodeURIComponent(folder) : ""));
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        bar.value = Math.round((e.loaded / e.total) * 100);
        state.textContent = bar.value + "%";
        loaded[i] = Math.min(e.loaded, sizes[i]);
        var sum = loaded.reduce(function (a, b) { return a + b; }, 0);
        total.value = totalBytes ? Math.round((sum / totalBytes) * 100) : 100;
      });
      xhr.addEventListener("loadend", function () {
        if (xhr.status === 201) {
          bar.value = 100; state.textContent = "done"; succeeded += 1;
        } else {
          var message = "failed";
          try { message = JSON.parse(xhr.responseText).detail || message; } catch (_) { /* not JSON */ }
          if (xhr.status === 0) { message = "connection lost"; }
          item.classList.add("failed"); state.textContent = message;
        }
        pending -= 1;
        if (pending === 0 && succeeded > 0) {
          var next = new URL(window.location.href);
          next.searchParams.set("notice", "uploaded");
          window.setTimeout(function () { window.location.assign(next.toString()); }, 800);
        }
      });
      xhr.send(body);
    });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    uploadAll(input.files);
    input.value = "";
  });

  var depth = 0;
  document.addEventListener("dragenter", function (e) { e.preventDefault(); depth += 1; document.body.classList.add("dropping"); });
  document.addEventListener("dragleave", function () { depth -= 1; if (depth <= 0) { depth = 0; document.body.classList.remove("dropping"); } });
  document.addEventListener("dragover", function (e) { e.preventDefault(); });
  document.addEventListener("drop", function (e) {
    e.preventDefault(); depth = 0; document.body.classList.remove("dropping");
    if (e.dataTransfer && e.dataTransfer.files.length) { uploadAll(e.dataTransfer.files); }
  });
})();
