// Live alert feed: poll the server-rendered fragment every second and swap it in when it changed.
// A note being typed is never wiped: the swap waits until the field is empty or left.
(function () {
  "use strict";
  var feed = document.getElementById("alert-feed");
  if (!feed) { return; }
  var last = feed.innerHTML;
  function busy() {
    var el = document.activeElement;
    return el && feed.contains(el) && el.value;
  }
  function poll() {
    fetch(feed.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== last && !busy()) { feed.innerHTML = html; last = html; }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
