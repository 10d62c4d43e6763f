// homedisk file list, organising: rename in a dialog (the name clash shown in it), "New folder"
// errors next to its field, drag to move onto a folder or a breadcrumb, a context menu
// (right-click, long-press), keyboard (arrows, Enter, F2, Delete) and "show more" for large
// folders. Without this script every action is a plain link or form (`/files/{id}/organize`,
// the next page's link). Forms sent from here ask for JSON (`Accept: application/json`).
(function () {
  "use strict";
  var hd = window.homedisk || { toast: function () {}, t: function (k) { return k; } };
  var items = document.getElementById("items");
  var strings = {};
  try { strings = JSON.parse((items && items.dataset.i18n) || "{}"); } catch (_) { strings = {}; }
  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    return (strings[key] || key).replace(/\{\}/g, function () { return args.length ? String(args.shift()) : "{}"; });
  }

  // --- Forms sent for JSON: the answer is {location} or 422 {errors: {field: text}}. --------
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; },
        function () { return { status: r.status, data: null }; });
    });
  }
  function showError(el, text) {
    el.textContent = text || "";
    el.hidden = !text;
  }
  // Sends `form`; on refused fields shows the first in `errorEl` and keeps everything open.
  function sendForm(form, errorEl, input) {
    var body = new URLSearchParams(new FormData(form));
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    return post(form.getAttribute("action"), body).then(function (answer) {
      if (button) { button.disabled = false; }
      if (answer.data && answer.data.location) { window.location.assign(answer.data.location); return; }
      var errors = (answer.data && answer.data.errors) || {};
      var first = errors.name || errors.folder || Object.keys(errors).map(function (k) { return errors[k]; })[0];
      showError(errorEl, first || t("request_failed"));
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    }, function () {
      if (button) { button.disabled = false; }
      showError(errorEl, t("request_failed"));
    });
  }

  var newFolder = document.getElementById("new-folder-form");
  if (newFolder && window.fetch) {
    newFolder.addEventListener("submit", function (e) {
      e.preventDefault();
      sendForm(newFolder, document.getElementById("folder-name-error"), document.getElementById("folder-name"));
    });
  }

  // --- Rename in a dialog. -------------------------------------------------------------------
  var dialog = document.getElementById("rename-dialog");
  var renameForm = document.getElementById("rename-dialog-form");
  var renameInput = document.getElementById("rename-name");
  var renameError = document.getElementById("rename-error");
  function openRename(id, name) {
    if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) { return false; }
    renameForm.setAttribute("action", "/files/" + encodeURIComponent(id) + "/organize");
    renameInput.value = name;
    renameInput.removeAttribute("aria-invalid");
    showError(renameError, "");
    dialog.showModal();
    renameInput.focus();
    // The name without its extension is selected, as file managers do.
    var dot = name.lastIndexOf(".");
    renameInput.setSelectionRange(0, dot > 0 ? dot : name.length);
    return true;
  }
  if (dialog && renameForm) {
    renameForm.addEventListener("submit", function (e) {
      e.preventDefault();
      sendForm(renameForm, renameError, renameInput);
    });
    document.getElementById("rename-cancel").addEventListener("click", function () { dialog.close(); });
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-rename]") : null;
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    if (openRename(link.dataset.rename, link.dataset.name || "")) {
      e.preventDefault();
      var menu = link.closest("details");
      if (menu) { menu.open = false; }
    }
  });

  if (!items) { return; }
  function rowOf(el) { return el && el.closest ? el.closest("#items > li.item") : null; }
  function rows() { return Array.prototype.slice.call(items.querySelectorAll(":scope > li.item")); }
  function renameRow(li) { openRename(li.dataset.id, li.dataset.name || ""); }
  function moveRow(li) {
    window.location.assign(li.querySelector(".menu-move").getAttribute("href"));
  }
  // The row's delete form, submitted as its button would be: app.js's submit listener asks
  // first (also for rows "show more" added later).
  function deleteRow(li) {
    var form = li.querySelector("form.confirm-delete");
    if (!form) { return; }
    if (form.requestSubmit) { form.requestSubmit(); return; }
    form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  }
  function openRow(li) { li.querySelector(".item-main").click(); }

  // --- Drag to move. -------------------------------------------------------------------------
  var TYPE = "application/x-homedisk-ids";
  var dragged = null; // the ids being dragged from this page
  // Each item's link (and its thumbnail) is what a mouse drags, as links and images drag by
  // themselves; the whole row is not made draggable, which would turn WebDriver's and some
  // touch screens' clicks into drags.
  function selectedIds() {
    return Array.prototype.slice.call(items.querySelectorAll("input.select:checked")).map(function (b) { return b.value; });
  }
  function dropTarget(el) {
    if (!el || !el.closest) { return null; }
    var crumb = el.closest(".crumbs a[data-drop-folder]");
    // The folder shown is where the items already are.
    if (crumb && crumb.dataset.dropFolder !== items.dataset.folder) {
      return { el: crumb, folder: crumb.dataset.dropFolder };
    }
    var li = el.closest("#items > li.item.is-folder");
    return li ? { el: li, folder: li.dataset.id } : null;
  }
  var highlighted = null;
  function highlight(el) {
    if (highlighted === el) { return; }
    if (highlighted) { highlighted.classList.remove("drop-target"); }
    highlighted = el;
    if (el) { el.classList.add("drop-target"); }
  }
  document.addEventListener("dragstart", function (e) {
    var li = rowOf(e.target);
    if (!li || !e.dataTransfer) { return; }
    var ids = selectedIds();
    dragged = ids.indexOf(li.dataset.id) !== -1 ? ids : [li.dataset.id];
    e.dataTransfer.setData(TYPE, JSON.stringify(dragged));
    e.dataTransfer.setData("text/plain", li.dataset.name || "");
    e.dataTransfer.effectAllowed = "move";
    items.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    dragged = null; highlight(null); items.classList.remove("dragging");
  });
  function ours(e) {
    return dragged && e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], TYPE) !== -1;
  }
  // Capture phase, stopped here: the page's upload drop zone never sees a move.
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      if (!ours(e)) { return; }
      e.stopPropagation();
      var target = dropTarget(e.target);
      if (target && dragged.indexOf(target.folder) === -1) {
        e.preventDefault();
        e.dataTransfer.dropEffect = "move";
        highlight(target.el);
      } else {
        highlight(null);
      }
    }, true);
  });
  document.addEventListener("dragleave", function (e) { if (ours(e)) { e.stopPropagation(); } }, true);
  document.addEventListener("drop", function (e) {
    if (!ours(e)) { return; }
    e.stopPropagation();
    e.preventDefault();
    var target = dropTarget(e.target);
    var ids = dragged;
    dragged = null; highlight(null); items.classList.remove("dragging");
    if (target && ids.indexOf(target.folder) === -1) { moveInto(ids, target.folder); }
  }, true);

  function nameOf(id) {
    var li = items.querySelector("li.item[data-id='" + CSS.escape(id) + "']");
    return li ? li.dataset.name : id;
  }
  // Moves `ids` into `folder` ("" is the top level) through the selection's form handler.
  function moveInto(ids, folder) {
    var body = new URLSearchParams();
    body.append("csrf_token", items.dataset.csrf);
    body.append("op", "move");
    ids.forEach(function (id) { body.append("ids", id); });
    body.append("folder", folder);
    body.append("back", items.dataset.return || "/files");
    return post("/files/batch", body).then(function (answer) {
      var data = answer.data;
      if (answer.status !== 200 || !data) { hd.toast(t("request_failed"), "err"); return; }
      var names = {};
      data.done.concat(data.failed.map(function (f) { return f.id; })).forEach(function (id) { names[id] = nameOf(id); });
      data.done.forEach(function (id) {
        var li = items.querySelector("li.item[data-id='" + CSS.escape(id) + "']");
        if (li) { li.remove(); }
      });
      if (data.done.length === 1) { hd.toast(t("moved_one", names[data.done[0]])); }
      if (data.done.length > 1) { hd.toast(t("moved_n", data.done.length)); }
      data.failed.forEach(function (f) { hd.toast(t("move_failed", names[f.id] + ": " + f.message), "err"); });
      document.dispatchEvent(new CustomEvent("homedisk:items"));
    }, function () { hd.toast(t("request_failed"), "err"); });
  }

  window.homediskFolders = { openRename: openRename, renameRow: renameRow, moveRow: moveRow,
    deleteRow: deleteRow, openRow: openRow, rows: rows, rowOf: rowOf, t: t,
    items: items };
})();
