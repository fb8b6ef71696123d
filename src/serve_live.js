// casebook serve: live reload and the build-error overlay. Injected by the preview server
// only; `casebook build` never writes it.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var here = decodeURIComponent(location.pathname.replace(/^\//, ""));
  if (here === "" || here.charAt(here.length - 1) === "/") {
    here += "index.html";
  }
  var overlay = null;

  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "casebook-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1.5rem;" +
        "background:rgba(20,20,20,.94);color:#fff;font:14px/1.5 ui-monospace,monospace";
      var title = document.createElement("strong");
      title.textContent = "casebook: the build failed; showing the last good page";
      var details = document.createElement("pre");
      details.style.cssText = "white-space:pre-wrap;color:#ffb4a8";
      overlay.appendChild(title);
      overlay.appendChild(details);
      document.body.appendChild(overlay);
    }
    overlay.lastChild.textContent = text;
  }

  function hide() {
    if (overlay) {
      overlay.parentNode.removeChild(overlay);
      overlay = null;
    }
  }

  // The build state, for tests and user styles: `ok` or `broken` once connected.
  function state(name) {
    document.documentElement.setAttribute("data-casebook-live", name);
  }

  var events = new EventSource("/__casebook/events");
  events.addEventListener("broken", function (e) {
    state("broken");
    show(e.data);
  });
  events.addEventListener("ok", function () {
    state("ok");
    hide();
  });
  events.addEventListener("reload", function (e) {
    var changed = e.data.split("\n");
    for (var i = 0; i < changed.length; i++) {
      var path = changed[i];
      if (path === "*" || path === here || /\.(css|js)$/.test(path)) {
        location.reload();
        return;
      }
    }
  });
})();
