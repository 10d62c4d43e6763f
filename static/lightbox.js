// homedisk image lightbox: the pictures of a folder, a share or a collection, ← → to move,
// Esc to close. Uses `window.homedisk` from app.js.
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; }, toast: function () {} };
  var t = hd.t;
  // --- Lightbox: the images of this folder, ← → to move, Esc to close. -------------------------
  var box = document.getElementById("lightbox");
  var links = Array.prototype.slice.call(document.querySelectorAll("a[data-lightbox]"));
  var current = -1;
  function show(i) {
    if (!box || !links.length) { return; }
    current = (i + links.length) % links.length;
    var a = links[current];
    var img = document.getElementById("lightbox-img");
    img.removeAttribute("src");
    img.alt = a.dataset.name || "";
    img.src = a.dataset.lightbox;
    document.getElementById("lightbox-name").textContent = a.dataset.name || "";
    document.getElementById("lightbox-count").textContent =
      links.length > 1 ? t("image_n_of", current + 1, links.length) : "";
    document.getElementById("lightbox-page").href = a.getAttribute("href");
    document.getElementById("lightbox-download").href = a.dataset.download || a.getAttribute("href");
    box.querySelectorAll(".lb-prev, .lb-next").forEach(function (b) { b.hidden = links.length < 2; });
    if (!box.open) { box.showModal(); }
  }
  if (box && typeof box.showModal === "function") {
    links.forEach(function (a, i) {
      a.addEventListener("click", function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) { return; }
        e.preventDefault();
        show(i);
      });
    });
    box.addEventListener("click", function (e) {
      var action = e.target.dataset ? e.target.dataset.lb : null;
      if (action === "prev") { show(current - 1); }
      else if (action === "next") { show(current + 1); }
      else if (action === "close" || e.target === box || e.target.tagName === "FIGURE") { box.close(); }
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft") { e.preventDefault(); show(current - 1); }
      else if (e.key === "ArrowRight") { e.preventDefault(); show(current + 1); }
    });
    document.getElementById("lightbox-img").addEventListener("error", function () {
      if (box.open && this.getAttribute("src")) { hd.toast(t("image_failed"), "err"); }
    });
    box.addEventListener("close", function () {
      document.getElementById("lightbox-img").removeAttribute("src");
      if (links[current]) { links[current].focus(); }
    });
  }
})();
