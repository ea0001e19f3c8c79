// The instructors' workspace: asks before irreversible actions, and keeps
// the control page's clock, operation, grid and timeline fresh by fetching
// the page again. Every page works without it (reload to refresh).
(function () {
  "use strict";

  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  var root = document.querySelector("[data-instruct-live]");
  if (!root || !window.fetch || !window.DOMParser) return;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var clock = null;
  function readClock() {
    var el = document.querySelector("[data-clock]");
    clock = el ? { el: el, base: Number(el.dataset.elapsed), at: Date.now(),
      speed: Number(el.dataset.speed) || 1, running: el.dataset.running === "true" } : null;
  }
  function tick() {
    if (!clock || !clock.running) return;
    var s = Math.floor((clock.base + (Date.now() - clock.at) * clock.speed) / 1000);
    clock.el.textContent = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }
  readClock();
  setInterval(tick, 1000);

  // A section the user is working in is left alone until they are done.
  function busy(section) {
    var a = document.activeElement;
    if (a && a !== document.body && section.contains(a)) return true;
    return Array.prototype.some.call(section.querySelectorAll("input:not([type=hidden])"), function (i) {
      return i.value !== i.defaultValue;
    });
  }

  function refresh() {
    fetch(location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-instruct-live]");
        if (!fresh) return;
        Array.prototype.forEach.call(root.querySelectorAll("[data-live]"), function (old) {
          var next = fresh.querySelector('[data-live="' + old.dataset.live + '"]');
          if (next && !busy(old)) old.replaceWith(document.importNode(next, true));
        });
        root.dataset.instructLive = fresh.dataset.instructLive;
        readClock();
      })
      .catch(function () { /* try again at the next turn */ })
      .then(schedule);
  }
  function schedule() {
    setTimeout(refresh, root.dataset.instructLive === "fast" ? 3000 : 15000);
  }
  schedule();
})();
