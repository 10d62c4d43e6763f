// homedisk file list: the context menu (right-click, long-press on touch, the context-menu key)
// and the keyboard (arrows move the focus through the items, Enter opens, F2 renames, Delete
// deletes with the usual confirmation). The actions are the row's own links and forms, through
// `window.homediskFolders` (folders.js); the selection's shortcuts stay in files.js.
(function () {
  "use strict";
  var f = window.homediskFolders;
  if (!f) { return; }
  var items = f.items;
  var t = f.t;

  // --- The context menu. ---------------------------------------------------------------------
  var menu = document.createElement("div");
  menu.id = "context-menu";
  menu.className = "context-menu";
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  document.body.appendChild(menu);
  var menuRow = null;
  var ACTIONS = [
    ["open", function (li) { f.openRow(li); }],
    ["download", function (li) { li.querySelector(".item-download").click(); }],
    ["rename", function (li) { f.renameRow(li); }],
    ["move_", function (li) { f.moveRow(li); }],
    ["delete", function (li) { f.deleteRow(li); }]
  ];
  ACTIONS.forEach(function (a) {
    var b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "menuitem");
    b.dataset.action = a[0];
    b.textContent = t(a[0]);
    if (a[0] === "delete") { b.className = "danger"; }
    b.addEventListener("click", function () {
      var li = menuRow;
      closeMenu(false);
      if (li) { a[1](li); }
    });
    menu.appendChild(b);
  });
  function buttons() { return Array.prototype.slice.call(menu.querySelectorAll("button")); }
  function openMenu(li, x, y) {
    menuRow = li;
    li.classList.add("menu-open");
    menu.hidden = false;
    // Inside the viewport, whatever corner was clicked.
    var w = menu.offsetWidth, h = menu.offsetHeight;
    menu.style.left = Math.max(4, Math.min(x, window.innerWidth - w - 4)) + "px";
    menu.style.top = Math.max(4, Math.min(y, window.innerHeight - h - 4)) + "px";
    buttons()[0].focus();
  }
  function closeMenu(refocus) {
    if (menu.hidden) { return; }
    menu.hidden = true;
    if (menuRow) {
      menuRow.classList.remove("menu-open");
      if (refocus) { menuRow.querySelector(".item-main").focus(); }
    }
    menuRow = null;
  }
  items.addEventListener("contextmenu", function (e) {
    var li = f.rowOf(e.target);
    if (!li || e.shiftKey) { return; } // Shift+right-click: the browser's own menu
    e.preventDefault();
    if (menuRow === li && !menu.hidden) { return; }
    closeMenu(false);
    var x = e.clientX, y = e.clientY;
    if (!x && !y) { // from the keyboard: at the item
      var r = li.querySelector(".item-main").getBoundingClientRect();
      x = r.left + 16; y = r.bottom;
    }
    openMenu(li, x, y);
  });
  document.addEventListener("pointerdown", function (e) {
    if (!menu.hidden && !menu.contains(e.target)) { closeMenu(false); }
  });
  window.addEventListener("resize", function () { closeMenu(false); });
  window.addEventListener("scroll", function () { closeMenu(false); }, { passive: true });
  menu.addEventListener("keydown", function (e) {
    var list = buttons(), i = list.indexOf(document.activeElement);
    if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); closeMenu(true); }
    else if (e.key === "ArrowDown") { e.preventDefault(); list[(i + 1) % list.length].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
    else if (e.key === "Home") { e.preventDefault(); list[0].focus(); }
    else if (e.key === "End") { e.preventDefault(); list[list.length - 1].focus(); }
    e.stopPropagation();
  });

  // Long-press on touch (browsers that do not turn it into `contextmenu` themselves).
  var press = null;
  items.addEventListener("touchstart", function (e) {
    var li = f.rowOf(e.target);
    if (!li || e.touches.length !== 1) { return; }
    var touch = e.touches[0];
    press = { x: touch.clientX, y: touch.clientY, fired: false };
    press.timer = window.setTimeout(function () {
      press.fired = true;
      if (menu.hidden) { openMenu(li, press.x, press.y); }
    }, 550);
  }, { passive: true });
  items.addEventListener("touchmove", function (e) {
    if (!press) { return; }
    var touch = e.touches[0];
    if (Math.abs(touch.clientX - press.x) > 10 || Math.abs(touch.clientY - press.y) > 10) {
      window.clearTimeout(press.timer); press = null;
    }
  }, { passive: true });
  items.addEventListener("touchend", function (e) {
    if (!press) { return; }
    window.clearTimeout(press.timer);
    // The press opened the menu: the tap that ends it does not also open the item.
    if (press.fired) { e.preventDefault(); }
    press = null;
  });

  // --- The keyboard. -------------------------------------------------------------------------
  function focusRow(li) {
    if (!li) { return; }
    var main = li.querySelector(".item-main");
    main.focus();
    main.scrollIntoView({ block: "nearest" });
  }
  // Items per row of the grid: those on the first item's line.
  function columns(list) {
    if (!items.classList.contains("view-grid") || !list.length) { return 1; }
    var top = list[0].offsetTop, n = 0;
    while (n < list.length && list[n].offsetTop === top) { n += 1; }
    return Math.max(1, n);
  }
  var STEPS = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: "-row", ArrowDown: "+row" };
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    var tag = (el.tagName || "").toLowerCase();
    if (e.isComposing || el.isContentEditable || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (tag === "input" && el.type !== "checkbox" || tag === "textarea" || tag === "select") { return; }
    if (document.querySelector("dialog[open]") || el.closest("details[open]")) { return; }
    var li = f.rowOf(el);
    var list = f.rows();
    if (e.key in STEPS) {
      var grid = items.classList.contains("view-grid");
      if (!grid && (e.key === "ArrowLeft" || e.key === "ArrowRight")) { return; }
      if (!li) {
        if (el === document.body && (e.key === "ArrowDown" || e.key === "ArrowRight")) {
          e.preventDefault(); focusRow(list[0]);
        }
        return;
      }
      var step = STEPS[e.key], cols = columns(list);
      if (step === "-row") { step = -cols; } else if (step === "+row") { step = cols; }
      var next = list[list.indexOf(li) + step];
      e.preventDefault();
      focusRow(next);
    } else if (!li) {
      return;
    } else if (e.key === "F2") {
      e.preventDefault(); f.renameRow(li);
    } else if (e.key === "Delete" && !items.querySelector("input.select:checked")) {
      // With a selection, files.js deletes the selection instead.
      e.preventDefault(); f.deleteRow(li);
    } else if (e.key === "Enter" && tag === "input") {
      e.preventDefault(); f.openRow(li);
    }
  });
})();
