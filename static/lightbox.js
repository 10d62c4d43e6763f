// homedisk image lightbox: the pictures of a folder, a share or a collection. ← → or a swipe
// to move, Esc to close, double-click / double-tap or pinch to zoom (then drag to pan), "i" or
// the button for the photo's details. The page behind does not scroll while it is open. Uses
// `window.homedisk` from app.js.
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; }, toast: function () {} };
  var t = hd.t;
  var box = document.getElementById("lightbox");
  if (!box || typeof box.showModal !== "function") { return; }
  // The pictures in page order, read again whenever rows come or go ("show more" and
  // scrolling add them, drag to move takes them away: both send `homedisk:items`).
  var links = [];
  function collect() {
    var was = links[current];
    links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
    if (was) { current = links.indexOf(was); }
  }
  var img = document.getElementById("lightbox-img");
  var stage = document.getElementById("lightbox-stage");
  var info = document.getElementById("lightbox-info");
  var infoToggle = document.getElementById("lightbox-info-toggle");
  var current = -1;
  collect();
  document.addEventListener("homedisk:items", collect);
  var quietUntil = 0; // a click that ends a drag or swipe is not a click
  var MAX_SCALE = 5, ZOOM_STEP = 2.5, SWIPE_PX = 50;

  // --- Zoom and pan: one transform on the image, reset for every picture. --------------------
  var view = { scale: 1, x: 0, y: 0 };
  function apply() {
    // Set through the CSSOM (allowed by the CSP, unlike style attributes).
    img.style.transform = view.scale === 1 ? "" :
      "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
    img.dataset.scale = String(Math.round(view.scale * 100) / 100);
    box.classList.toggle("zoomed", view.scale > 1);
  }
  function clampPan() {
    // Keep some of the picture on screen: pan at most half its zoomed size each way.
    var w = img.clientWidth * view.scale / 2, h = img.clientHeight * view.scale / 2;
    view.x = Math.max(-w, Math.min(w, view.x));
    view.y = Math.max(-h, Math.min(h, view.y));
  }
  function zoomTo(scale, cx, cy) {
    // Zoom about the point (cx, cy) of the screen, so what is under it stays under it.
    scale = Math.max(1, Math.min(MAX_SCALE, scale));
    var r = stage.getBoundingClientRect();
    var ox = cx - (r.left + r.width / 2), oy = cy - (r.top + r.height / 2);
    var k = scale / view.scale;
    view.x = scale === 1 ? 0 : ox - (ox - view.x) * k;
    view.y = scale === 1 ? 0 : oy - (oy - view.y) * k;
    view.scale = scale;
    clampPan();
    apply();
  }
  function toggleZoom(cx, cy) { zoomTo(view.scale > 1 ? 1 : ZOOM_STEP, cx, cy); }
  function resetZoom() { view = { scale: 1, x: 0, y: 0 }; apply(); }

  // --- Details: the facts the link carries (only the owner's pages carry a location). -------
  function fillInfo(a) {
    var d = a.dataset, any = false;
    ["dims", "taken", "camera", "lens", "place"].forEach(function (k) {
      var has = !!d[k];
      any = any || has;
      info.querySelectorAll('[data-lb-fact="' + k + '"]').forEach(function (el) {
        el.hidden = !has;
        if (has && k !== "place" && el.tagName === "DD") { el.textContent = d[k]; }
      });
    });
    document.getElementById("lightbox-place").textContent = d.place || "";
    document.getElementById("lightbox-map").href = d.map || "#";
    infoToggle.hidden = !any;
    info.hidden = !any || infoToggle.getAttribute("aria-expanded") !== "true";
  }
  function toggleInfo() {
    if (infoToggle.hidden) { return; }
    var open = infoToggle.getAttribute("aria-expanded") !== "true";
    infoToggle.setAttribute("aria-expanded", String(open));
    info.hidden = !open;
  }

  // --- Showing a picture, opening and closing. ----------------------------------------------
  function show(i) {
    if (!links.length) { return; }
    current = (i + links.length) % links.length;
    var a = links[current];
    resetZoom();
    img.removeAttribute("src");
    img.alt = a.dataset.name || "";
    img.src = a.dataset.lightbox;
    document.getElementById("lightbox-name").textContent = a.dataset.name || "";
    document.getElementById("lightbox-count").textContent =
      links.length > 1 ? t("image_n_of", current + 1, links.length) : "";
    document.getElementById("lightbox-page").href = a.getAttribute("href");
    document.getElementById("lightbox-download").href = a.dataset.download || a.getAttribute("href");
    box.querySelectorAll(".lb-prev, .lb-next").forEach(function (b) { b.hidden = links.length < 2; });
    fillInfo(a);
    if (!box.open) {
      // No scrolling of the page behind: locked while open, given back on close.
      document.documentElement.classList.add("lightbox-open");
      box.showModal();
    }
  }
  // Next after the last picture loaded: in a large folder whose next page is not here yet,
  // that page first (more.js), then on; otherwise round to the first.
  var fetching = false;
  function next() {
    var more = window.homediskMore;
    if (current < links.length - 1 || !more || !more.pending()) { show(current + 1); return; }
    if (fetching) { return; }
    fetching = true;
    var last = current;
    more.load().then(function () {
      fetching = false;
      collect();
      if (box.open && current === last) { show(current + 1); }
    });
  }
  // One listener for every picture, those added later included.
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-lightbox]") : null;
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) { return; }
    e.preventDefault();
    collect();
    show(links.indexOf(a));
  });
  box.addEventListener("click", function (e) {
    var action = e.target.dataset ? e.target.dataset.lb : null;
    if (action === "prev") { show(current - 1); }
    else if (action === "next") { next(); }
    else if (e.target === infoToggle) { toggleInfo(); }
    else if (action === "close" || e.target === box || e.target.tagName === "FIGURE" ||
             (e.target === stage && view.scale === 1 && Date.now() > quietUntil)) { box.close(); }
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { e.preventDefault(); show(current - 1); }
    else if (e.key === "ArrowRight") { e.preventDefault(); next(); }
    else if (e.key === "i" || e.key === "I") { toggleInfo(); }
    else if (e.key === "+" || e.key === "=") { zoomTo(view.scale * 1.5, innerWidth / 2, innerHeight / 2); }
    else if (e.key === "-") { zoomTo(view.scale / 1.5, innerWidth / 2, innerHeight / 2); }
  });
  img.addEventListener("error", function () {
    if (box.open && this.getAttribute("src")) { hd.toast(t("image_failed"), "err"); }
  });
  box.addEventListener("close", function () {
    document.documentElement.classList.remove("lightbox-open");
    resetZoom();
    img.removeAttribute("src");
    if (links[current]) { links[current].focus(); }
  });

  // --- Mouse: double-click zooms, drag pans. Touch: swipe, pinch, double-tap. ---------------
  stage.addEventListener("dblclick", function (e) { e.preventDefault(); toggleZoom(e.clientX, e.clientY); });
  img.addEventListener("wheel", function (e) {
    if (!e.ctrlKey && view.scale === 1) { return; }
    e.preventDefault();
    zoomTo(view.scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2), e.clientX, e.clientY);
  }, { passive: false });
  var pointers = {}, gesture = null, lastTap = { at: 0, x: 0, y: 0 };
  function points() { return Object.keys(pointers).map(function (k) { return pointers[k]; }); }
  function spread(p) { return Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y); }
  stage.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    // Captured for touch and for panning; an unzoomed mouse keeps its click/dblclick targets.
    if (e.pointerType !== "mouse" || view.scale > 1) {
      try { stage.setPointerCapture(e.pointerId); } catch (_) { /* a pointer already gone */ }
    }
    var p = points();
    gesture = p.length === 2
      ? { pinch: spread(p), scale: view.scale, cx: (p[0].x + p[1].x) / 2, cy: (p[0].y + p[1].y) / 2 }
      : { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  stage.addEventListener("pointermove", function (e) {
    if (!pointers[e.pointerId] || !gesture) { return; }
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    var p = points();
    if (gesture.pinch && p.length === 2) {
      zoomTo(gesture.scale * spread(p) / gesture.pinch, gesture.cx, gesture.cy);
    } else if (!gesture.pinch) {
      var dx = e.clientX - gesture.x, dy = e.clientY - gesture.y;
      gesture.moved = gesture.moved || Math.abs(dx) > 8 || Math.abs(dy) > 8;
      if (view.scale > 1) { view.x = gesture.vx + dx; view.y = gesture.vy + dy; clampPan(); apply(); }
    }
  });
  function pointerEnd(e) {
    if (!pointers[e.pointerId]) { return; }
    delete pointers[e.pointerId];
    var g = gesture;
    if (points().length > 0) { gesture = null; return; }
    gesture = null;
    if (!g || g.pinch) { return; }
    if (g.moved) { quietUntil = Date.now() + 300; }
    var dx = e.clientX - g.x, dy = e.clientY - g.y;
    if (view.scale === 1 && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 2 * Math.abs(dy)) {
      if (dx < 0) { next(); } else { show(current - 1); }
    } else if (!g.moved && e.pointerType === "touch") {
      // A double tap (mouse has dblclick).
      var now = Date.now();
      if (now - lastTap.at < 350 && Math.hypot(e.clientX - lastTap.x, e.clientY - lastTap.y) < 30) {
        toggleZoom(e.clientX, e.clientY);
        lastTap.at = 0;
      } else {
        lastTap = { at: now, x: e.clientX, y: e.clientY };
      }
    }
  }
  stage.addEventListener("pointerup", pointerEnd);
  stage.addEventListener("pointercancel", function (e) { delete pointers[e.pointerId]; gesture = null; });
})();
