// homedisk upload links: files chosen or dropped on the page go up one request each, with a
// progress bar and the reason when one is refused. Without this script the form still posts.
(function () {
  "use strict";
  var form = document.getElementById("drop-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = document.getElementById("drop-files");
  var list = document.getElementById("drop-list");
  var name = document.getElementById("drop-uploader");
  var zone = form.querySelector(".drop-zone");
  var queued = [];

  function row(file) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 1; bar.value = 0;
    var status = document.createElement("span");
    status.className = "drop-status";
    li.appendChild(label); li.appendChild(bar); li.appendChild(status);
    list.appendChild(li);
    return { li: li, bar: bar, status: status };
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (f) { queued.push({ file: f, ui: row(f) }); });
  }

  function send(item) {
    return new Promise(function (resolve) {
      var data = new FormData();
      if (name) { data.append("uploader", name.value); }
      data.append("file", item.file, item.file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) { item.ui.bar.value = e.loaded / e.total; } };
      xhr.onload = function () {
        if (xhr.status === 201) {
          item.ui.bar.value = 1;
          item.ui.status.textContent = form.dataset.sent;
          item.ui.li.classList.add("done");
        } else {
          var detail = form.dataset.failed;
          try { detail = JSON.parse(xhr.responseText).detail || detail; } catch (_) { /* not JSON */ }
          // The per-address limit, in the page's language (the API's detail is English).
          var wait = parseInt(xhr.getResponseHeader("Retry-After"), 10);
          if (xhr.status === 429 && wait > 0) {
            detail = form.dataset.tooMany.replace("{min}", String(Math.ceil(wait / 60)));
          }
          item.ui.status.textContent = detail;
          item.ui.li.classList.add("failed");
        }
        resolve();
      };
      xhr.onerror = function () {
        item.ui.status.textContent = form.dataset.failed;
        item.ui.li.classList.add("failed");
        resolve();
      };
      xhr.send(data);
    });
  }

  input.addEventListener("change", function () { add(input.files); });
  ["dragover", "dragenter"].forEach(function (ev) {
    document.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  document.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  document.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files) { add(e.dataTransfer.files); }
  });
  input.required = false;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (name && !name.reportValidity()) { return; }
    var todo = queued.filter(function (q) { return !q.started; });
    if (!todo.length) { input.click(); return; }
    todo.forEach(function (q) { q.started = true; });
    todo.reduce(function (p, q) { return p.then(function () { return send(q); }); }, Promise.resolve());
  });
})();
