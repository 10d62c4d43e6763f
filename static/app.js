// homedisk, every page: toasts, confirmation dialogs, menus. The pages work without it; this
// makes them nicer. Strings come from the page (`<body data-i18n>`), in the page's language.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var strings = {};
  try { strings = JSON.parse(document.body.dataset.i18n || "{}"); } catch (_) { strings = {}; }

  // `t("key", a, b)`: the string with each `{}` filled in order.
  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    var text = strings[key] || key;
    return text.replace(/\{\}/g, function () { return args.length ? String(args.shift()) : "{}"; });
  }

  var toasts = document.getElementById("toasts");
  function dismiss(el) {
    el.classList.add("leaving");
    window.setTimeout(function () { el.remove(); }, 350);
  }
  // A message in the corner for a few seconds (errors stay longer).
  function toast(message, kind) {
    if (!toasts) { return; }
    var el = document.createElement("p");
    el.className = "toast " + (kind || "ok");
    el.textContent = message;
    toasts.appendChild(el);
    window.setTimeout(function () { dismiss(el); }, kind === "err" ? 8000 : 4000);
  }
  // Toasts rendered by the server (after a redirect) fade the same way.
  if (toasts) {
    toasts.querySelectorAll(".toast").forEach(function (el) {
      window.setTimeout(function () { dismiss(el); }, 4000);
    });
    // The notice has been shown: a reload should not show it again.
    var url = new URL(window.location.href);
    if (url.searchParams.has("notice") && !document.querySelector("form[action='/login']")) {
      url.searchParams.delete("notice");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }

  // A confirmation in a modal dialog; resolves to true for OK. Falls back to `confirm()`.
  var dialog = document.getElementById("confirm");
  function ask(title, text, ok) {
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(title + "\n\n" + text));
    }
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-text").textContent = text;
    document.getElementById("confirm-ok").textContent = ok || t("delete");
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("confirm-ok").focus();
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () { resolve(dialog.returnValue === "ok"); }, { once: true });
    });
  }

  // Delete buttons ask first, then post with `confirmed=yes` (without JavaScript the server
  // shows its own confirmation page). Listened for on the document, so rows "show more" adds
  // later ask too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.confirm-delete")) { return; }
    if (form.dataset.confirmed === "yes") { return; }
    event.preventDefault();
    var name = form.dataset.name || "";
    var folder = form.dataset.folder === "true";
    ask(t(folder ? "delete_folder_q" : "delete_q", name),
        t(folder ? "delete_folder_text" : "delete_file_text"), t("delete")).then(function (yes) {
      if (!yes) { return; }
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "yes";
      form.appendChild(confirmed);
      form.dataset.confirmed = "yes";
      form.submit();
    });
  });
  // Other destructive forms carry their own wording in data attributes.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.confirm-action")) { return; }
    if (form.dataset.confirmed === "yes") { return; }
    event.preventDefault();
    ask(form.dataset.title || "", form.dataset.text || "", form.dataset.ok).then(function (yes) {
      if (!yes) { return; }
      // Forms whose server asks again without JavaScript are told the user already agreed.
      if (form.dataset.confirmField) {
        var agreed = document.createElement("input");
        agreed.type = "hidden"; agreed.name = form.dataset.confirmField; agreed.value = "yes";
        form.appendChild(agreed);
      }
      form.dataset.confirmed = "yes";
      form.submit();
    });
  });

  // Menus (<details>) close on Escape and on a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open], details.new-folder[open]").forEach(function (d) {
      if (d !== except) { d.open = false; }
    });
  }
  document.addEventListener("click", function (e) {
    closeMenus(e.target.closest ? e.target.closest("details") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var open = document.querySelector("details.menu[open], details.new-folder[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
  // The new-folder popover puts the cursor in its field.
  document.querySelectorAll("details.new-folder").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) { var i = d.querySelector("input[name=name]"); if (i) { i.focus(); } }
    });
  });

  // Times the server wrote in UTC, shown in this browser's time zone (the UTC text stays as
  // the tooltip).
  var lang = document.documentElement.lang || undefined;
  function localTimes() {
    document.querySelectorAll("time[datetime]:not([data-local])").forEach(function (el) {
      el.dataset.local = "";
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      try {
        el.title = el.textContent;
        el.textContent = when.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
      } catch (_) { /* an old browser keeps the UTC text */ }
    });
  }
  localTimes();
  document.addEventListener("homedisk:items", localTimes);

  // "Go back" on error pages, when there is somewhere to go back to.
  document.querySelectorAll("button[data-back]").forEach(function (b) {
    if (window.history.length > 1) { b.hidden = false; }
    b.addEventListener("click", function () { window.history.back(); });
  });

  // Copy buttons (share links): shown only where the clipboard can be written; without them the
  // link stays in a read-only field to select.
  if (navigator.clipboard && window.isSecureContext) {
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(b.dataset.copy).then(function () {
          toast(b.dataset.copied || "");
        }, function () { /* denied: the field is still there to select */ });
      });
    });
  }
  document.querySelectorAll("input.share-url").forEach(function (i) {
    i.addEventListener("focus", function () { i.select(); });
  });

  window.homedisk = { t: t, toast: toast, ask: ask };
})();
