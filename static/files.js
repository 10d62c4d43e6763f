// homedisk file pages: list/grid toggle and the selection (checkboxes, ranges, select all,
// keyboard, the batch toolbar). The lightbox and uploads have their own scripts. Uses
// `window.homedisk` from app.js.
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; }, toast: function () {} };
  var t = hd.t;
  // --- List or grid, remembered in this browser. ---------------------------------------------
  var items = document.getElementById("items");
  var toggles = document.querySelectorAll(".view-toggle [data-view]");
  function setView(view, remember) {
    if (view !== "grid") { view = "list"; }
    if (items) {
      items.classList.toggle("view-grid", view === "grid");
      items.classList.toggle("view-list", view === "list");
    }
    toggles.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.view === view)); });
    if (remember) { try { localStorage.setItem(viewKey, view); } catch (_) { /* private mode */ } }
  }
  // A shared gallery opens as a grid and remembers its own choice.
  var viewKey = (items && items.dataset.viewKey) || "homedisk.view";
  var saved = null;
  try { saved = localStorage.getItem(viewKey); } catch (_) { saved = null; }
  setView(saved || (items && items.dataset.view) || "list", false);
  toggles.forEach(function (b) { b.addEventListener("click", function () { setView(b.dataset.view, true); }); });

  // --- Selection: checkboxes, shift-click ranges, select all, keyboard, the toolbar. ----------
  var batch = document.getElementById("batch-form");
  // Queried each time: "show more" (more.js) adds rows and drag to move (folders.js) removes them.
  var boxesNow = function () { return Array.prototype.slice.call(document.querySelectorAll("#items input.select")); };
  if (batch && boxesNow().length) {
    var all = document.getElementById("select-all");
    var count = document.getElementById("selected-count");
    var lastClicked = null;
    document.body.classList.add("js-select");
    batch.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll(".listing [data-js-only]").forEach(function (el) { el.hidden = false; });
    var selected = function () { return boxesNow().filter(function (b) { return b.checked; }); };
    var refresh = function () {
      var boxes = boxesNow();
      var n = selected().length;
      batch.classList.toggle("active", n > 0);
      count.textContent = n ? t("selected_n", n) : "";
      if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
      boxes.forEach(function (b) { b.closest("li").classList.toggle("selected", b.checked); });
    };
    var setAll = function (on) { boxesNow().forEach(function (b) { b.checked = on; }); refresh(); };
    document.getElementById("items").addEventListener("click", function (e) {
      var box = e.target;
      if (!box.matches || !box.matches("input.select")) { return; }
      var boxes = boxesNow();
      var i = boxes.indexOf(box), last = lastClicked ? boxes.indexOf(lastClicked) : -1;
      if (e.shiftKey && last >= 0) {
        var lo = Math.min(last, i), hi = Math.max(last, i);
        for (var k = lo; k <= hi; k++) { boxes[k].checked = box.checked; }
      }
      lastClicked = box;
      refresh();
    });
    document.addEventListener("homedisk:items", refresh);
    if (all) { all.addEventListener("change", function () { setAll(all.checked); }); }
    // Deleting a selection asks first (it goes to the trash, but a surprise is still one).
    batch.addEventListener("submit", function (e) {
      var button = e.submitter;
      if (!selected().length) { e.preventDefault(); hd.toast(t("nothing_selected"), "err"); return; }
      if (!button || button.value !== "trash" || batch.dataset.confirmed === "yes") { return; }
      e.preventDefault();
      hd.ask(t("trash_n_q", selected().length), t("trash_n_text"), t("delete")).then(function (yes) {
        if (!yes) { return; }
        batch.dataset.confirmed = "yes";
        batch.requestSubmit(button);
        // A page restored from the back/forward cache must ask again.
        delete batch.dataset.confirmed;
      });
    });
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (e.isComposing || e.target.isContentEditable) { return; }
      if (tag === "input" && e.target.type !== "checkbox" || tag === "textarea" || tag === "select") { return; }
      if (document.querySelector("dialog[open]")) { return; }
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "a") { e.preventDefault(); setAll(true); }
      else if (e.key === "Escape" && selected().length) { setAll(false); }
      else if (e.key === "Delete" && selected().length) {
        e.preventDefault();
        batch.requestSubmit(document.getElementById("batch-trash"));
      }
    });
    refresh();
  }
})();
