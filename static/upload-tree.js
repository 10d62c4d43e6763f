// homedisk uploads, the folder part (used by upload.js): recreating a folder's tree with the
// folder API, and reading a dropped folder's entries. `folders(base, csrf, onExpired)` gives
// `ensurePath("a/b")`, a promise of the id of that folder under `base`: each folder is created
// once (the promise is kept), parents before children, and an existing folder of the same name
// is reused (listed once per parent, every page of it).
(function () {
  "use strict";
  var hd = window.homedisk || { t: function (k) { return k; } };
  var t = hd.t;

  function folders(base, csrf, onExpired) {
    function api(method, url, body) {
      var headers = { "X-CSRF-Token": csrf };
      if (body) { headers["Content-Type"] = "application/json"; }
      return fetch(url, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            if (r.status === 401) { onExpired(); }
            if (!r.ok) { throw new Error(j.detail || j.title || t("failed")); }
            return j;
          });
        });
    }

    // --- The folder tree: ids of folders under `base`, by relative path ("a/b"). ------------------
    var children = {};
    var paths = {};
    function listFolders(id) {
      if (!children[id]) {
        var found = {};
        var page = function (cursor) {
          var q = "?limit=1000" + (id ? "&folder=" + encodeURIComponent(id) : "") + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
          return api("GET", "/api/v1/files" + q).then(function (j) {
            (j.items || []).forEach(function (i) { if (i.kind === "folder") { found[i.name] = i.id; } });
            return j.next_cursor ? page(j.next_cursor) : found;
          });
        };
        children[id] = page("");
      }
      return children[id];
    }
    function ensureFolder(parent, name) {
      return listFolders(parent).then(function (found) {
        if (found[name]) { return found[name]; }
        return api("POST", "/api/v1/folders", { name: name, folder: parent || undefined })
          .then(function (item) { found[name] = item.id; return item.id; })
          .catch(function (err) {
            // Made meanwhile (another tab), or a name that differs only in case: look again.
            delete children[parent];
            return listFolders(parent).then(function (again) {
              var key = Object.keys(again).filter(function (k) { return k.toLowerCase() === name.toLowerCase(); })[0];
              if (key) { return again[key]; }
              throw new Error(t("folder_failed", name, err.message));
            });
          });
      });
    }
    function ensurePath(path) {
      if (!path) { return Promise.resolve(base); }
      if (!paths[path]) {
        var cut = path.lastIndexOf("/");
        var parent = cut < 0 ? "" : path.slice(0, cut);
        paths[path] = ensurePath(parent).then(function (pid) { return ensureFolder(pid, path.slice(cut + 1)); });
      }
      return paths[path];
    }

    return { ensurePath: ensurePath };
  }

  // A dropped folder: its entries, read recursively (`readEntries` gives a batch at a time,
  // at most 100 in Chromium, until an empty one). What cannot be read (a file removed
  // meanwhile, a folder without permission) goes to `out.unread` with the reason, to be
  // listed as failed rather than left out without a word.
  function walk(entry, dir, out) {
    var path = dir ? dir + "/" + entry.name : entry.name;
    var unread = function (name) {
      return function (err) { out.unread.push({ name: name, reason: t("unreadable") + (err && err.message ? ": " + err.message : "") }); };
    };
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(function (f) { out.items.push({ file: f, dir: dir }); resolve(); },
          function (err) { unread(path)(err); resolve(); });
      });
    }
    out.dirs.push(path);
    var reader = entry.createReader();
    return new Promise(function (resolve) {
      var batch = function () {
        reader.readEntries(function (entries) {
          if (!entries.length) { resolve(); return; }
          Promise.all(entries.map(function (e) { return walk(e, path, out); })).then(batch);
        }, function (err) { unread(path + "/")(err); resolve(); });
      };
      batch();
    });
  }

  window.homediskUploadTree = { folders: folders, walk: walk };
})();
