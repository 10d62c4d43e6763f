// homedisk file list, large folders: "Show more" loads the next page of the listing in place
// (the same server page, cut by its cursor) and, when the browser has IntersectionObserver,
// does so by itself as the link scrolls into view. Without this script the link is a link.
(function () {
  "use strict";
  var items = document.getElementById("items");
  if (!items || !window.fetch || !window.DOMParser) { return; }
  var loading = false;
  var observer = null;

  function link() { return document.getElementById("more-link"); }

  function loadMore() {
    var a = link();
    if (!a || loading) { return; }
    loading = true;
    a.setAttribute("aria-busy", "true");
    a.classList.add("loading");
    fetch(a.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var more = doc.getElementById("items");
        if (more) {
          Array.prototype.slice.call(more.children).forEach(function (li) {
            // Rows already here (another tab moved things around) are not shown twice.
            if (!items.querySelector("li.item[data-id='" + CSS.escape(li.dataset.id) + "']")) {
              items.appendChild(document.importNode(li, true));
            }
          });
        }
        var next = doc.getElementById("more-link");
        if (next) {
          a.href = next.getAttribute("href");
        } else {
          a.closest(".more-nav").remove();
        }
        loading = false;
        a.removeAttribute("aria-busy");
        a.classList.remove("loading");
        document.dispatchEvent(new CustomEvent("homedisk:items"));
        watch();
      })
      .catch(function () {
        loading = false;
        a.removeAttribute("aria-busy");
        a.classList.remove("loading");
        // The link still works as a link.
      });
  }

  function watch() {
    var a = link();
    if (!a || !("IntersectionObserver" in window)) { return; }
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (en) { if (en.isIntersecting) { loadMore(); } });
      }, { rootMargin: "600px 0px" });
    }
    observer.disconnect();
    observer.observe(a);
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("#more-link") : null;
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    e.preventDefault();
    loadMore();
  });
  watch();
})();
