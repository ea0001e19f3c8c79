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
    // Rounded to the nearest second, as the server's scenarios.Clock.
    var s = Math.round((clock.base + (Date.now() - clock.at) * clock.speed) / 1000);
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

  // The page is made again when the store is written: the exercise's
  // stream says so ("changed", to staff; clock and log events). A
  // deployment's progress is not in the store: while one runs, the page
  // asks every 3 s. Without the stream, every 15 s.
  var timer = null, inflight = false, again = false;
  function refresh() {
    timer = null;
    if (inflight) { again = true; return; }
    inflight = true;
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
      .then(function () {
        inflight = false;
        if (again) { again = false; soon(); } else { schedule(); }
      });
  }
  var stream = null;
  function schedule() {
    if (timer) clearTimeout(timer);
    var fast = root.dataset.instructLive === "fast";
    timer = setTimeout(refresh, fast ? 3000 : stream ? 60000 : 15000);
  }
  // soon refreshes shortly after a change, once for a burst of them.
  var burst = null;
  function soon() {
    if (burst) return;
    burst = setTimeout(function () { burst = null; refresh(); }, 300);
  }
  if (window.EventSource && root.dataset.stream) {
    stream = new EventSource(root.dataset.stream);
    ["changed", "clock", "log"].forEach(function (name) { stream.addEventListener(name, soon); });
  }
  schedule();
})();
