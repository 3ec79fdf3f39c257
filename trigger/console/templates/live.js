// Live updates of the console's pages that ask for them: a <main> with
// data-events names a server-sent events stream (live.go). On "changed"
// the page's content is fetched again and put in place; on "done" the
// stream is closed. Without JavaScript, or without EventSource, the page
// is the same, only static: reload it to see news.
(function () {
  "use strict";
  var main = document.querySelector("main[data-events]");
  if (!main || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var status = document.getElementById("live-status");
  var es = new EventSource(main.getAttribute("data-events"));
  var busy = false;
  function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        // Leave the page alone while the operator is typing in a form.
        var active = document.activeElement;
        if (fresh && !(active && main.contains(active) && active.form)) {
          main.innerHTML = fresh.innerHTML;
          status = document.getElementById("live-status");
        }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  es.addEventListener("changed", refresh);
  es.addEventListener("done", function () {
    es.close();
    refresh();
  });
  es.onerror = function () {
    if (status) {
      status.textContent = "Live updates paused; reconnecting.";
    }
  };
})();
