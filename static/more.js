// homedisk file list, large folders: "Show more" loads the next page of the listing in place
// (the same server page, cut by its cursor) and, when the browser has IntersectionObserver,
// does so by itself as the link scrolls into view. Without this script the link is a link.
(function () {
  "use strict";
  var items = document.getElementById("items");
  if (!items || !window.fetch || !window.DOMParser) { return; }
  var loading = null; // the page being fetched: a promise of whether rows came
  var observer = null;

  function link() { return document.getElementById("more-link"); }

  // Loads the next page once (a second call while one is on its way gets the same promise);
  // resolves true when rows were added. The lightbox asks through `window.homediskMore`
  // when "next" reaches the last picture loaded so far.
  function loadMore() {
    var a = link();
    if (!a) { return Promise.resolve(false); }
    if (loading) { return loading; }
    a.setAttribute("aria-busy", "true");
    a.classList.add("loading");
    var done = function () {
      loading = null;
      a.removeAttribute("aria-busy");
      a.classList.remove("loading");
    };
    loading = fetch(a.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var more = doc.getElementById("items");
        var added = 0;
        if (more) {
          Array.prototype.slice.call(more.children).forEach(function (li) {
            // Rows already here (another tab moved things around) are not shown twice.
            if (!items.querySelector("li.item[data-id='" + CSS.escape(li.dataset.id) + "']")) {
              items.appendChild(document.importNode(li, true));
              added += 1;
            }
          });
        }
        var next = doc.getElementById("more-link");
        if (next) {
          a.href = next.getAttribute("href");
        } else {
          a.closest(".more-nav").remove();
        }
        done();
        // The selection, the keyboard, the lightbox and the confirmations pick the rows up.
        document.dispatchEvent(new CustomEvent("homedisk:items"));
        watch();
        return added > 0;
      })
      .catch(function () {
        done();
        // The link still works as a link.
        return false;
      });
    return loading;
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
  window.homediskMore = { load: loadMore, pending: function () { return !!link(); } };
})();
