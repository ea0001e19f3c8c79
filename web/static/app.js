// Cordillera's only script: it tells the server the browser's time zone and
// keeps the scoreboard live. Every page works without it.
(function () {
  "use strict";

  // The server shows times in the zone named by the tz cookie.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + encodeURIComponent(tz)) < 0) {
      document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* UTC it is */ }

  // The exercise clock as the server writes it (scenarios.Clock): to the
  // nearest second, so that a tick and a page the server made agree.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmmss(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
  }
  window.cordilleraClock = hhmmss;

  var live = document.querySelector("[data-stream]");
  if (!live || !window.EventSource) return;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function num(v) {
    if (Math.round(v) === v) return String(v);
    var s = v.toFixed(2);
    return document.documentElement.lang === "es" ? s.replace(".", ",") : s;
  }

  // The clock ticks here between the server's changes of state.
  var clockEl = live.querySelector("[data-clock]");
  var clock = clockEl ? {
    base: Number(clockEl.dataset.elapsed), at: Date.now(),
    speed: Number(clockEl.dataset.speed) || 1, running: clockEl.dataset.running === "true"
  } : null;
  function tick() {
    if (!clock) return;
    var ms = clock.base + (clock.running ? (Date.now() - clock.at) * clock.speed : 0);
    clockEl.textContent = hhmmss(ms);
  }
  setInterval(tick, 1000);

  function categories(table) {
    return Array.prototype.map.call(table.querySelectorAll("th[data-category]"), function (th) { return th.dataset.category; });
  }

  function fillTeams(teams) {
    var table = live.querySelector("[data-teams]");
    if (!table) return;
    var cats = categories(table), body = table.tBodies[0];
    var old = {};
    Array.prototype.forEach.call(body.rows, function (r) { old[r.cells[1].textContent] = r.cells[3].textContent; });
    var rows = teams.map(function (t) {
      var tr = el("tr");
      tr.appendChild(el("td", String(t.rank), "num"));
      var th = el("th", t.team.name); th.scope = "row"; tr.appendChild(th);
      tr.appendChild(el("td", t.team.country));
      tr.appendChild(el("td", String(t.total), "num total"));
      cats.forEach(function (c) { var n = t.categories[c] || 0; tr.appendChild(el("td", String(n), n < 0 ? "num neg" : "num")); });
      if (old[t.team.name] !== undefined && old[t.team.name] !== String(t.total)) tr.classList.add("changed");
      return tr;
    });
    body.replaceChildren.apply(body, rows);
  }

  function fillCountries(countries) {
    var table = live.querySelector("[data-countries]");
    if (!table) return;
    var cats = categories(table), names = {};
    try { names = JSON.parse(table.dataset.names || "{}"); } catch (e) { }
    var rows = countries.map(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", String(c.rank), "num"));
      var th = el("th", names[c.country] || c.country); th.scope = "row"; tr.appendChild(th);
      tr.appendChild(el("td", String(c.teams), "num"));
      tr.appendChild(el("td", num(c.total), "num total"));
      cats.forEach(function (k) { tr.appendChild(el("td", num(c.categories[k] || 0), "num")); });
      return tr;
    });
    var body = table.tBodies[0];
    body.replaceChildren.apply(body, rows);
  }

  var log = live.querySelector("[data-log]");
  function addEvent(ev) {
    if (!log) return;
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    var li = el("li");
    li.appendChild(el("span", ev.elapsed, "clock"));
    li.appendChild(document.createTextNode(" "));
    if (ev.team) { li.appendChild(el("span", ev.team, "tag")); li.appendChild(document.createTextNode(" ")); }
    li.appendChild(document.createTextNode(ev.text));
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 50) log.removeChild(log.lastChild);
  }

  var status = live.querySelector("[data-live-status]");
  function setStatus(on) {
    if (!status) return;
    status.dataset.state = on ? "on" : "off";
    status.textContent = on ? status.dataset.connected : status.dataset.disconnected;
  }

  var source = new EventSource(live.dataset.stream);
  source.onopen = function () { setStatus(true); };
  source.onerror = function () { setStatus(false); };
  source.addEventListener("scores", function (e) {
    var st = JSON.parse(e.data);
    fillTeams(st.teams);
    fillCountries(st.countries);
  });
  source.addEventListener("clock", function (e) {
    var c = JSON.parse(e.data);
    if (!clock) return;
    var since = Date.parse(c.since);
    clock.running = c.state === "running";
    clock.speed = c.speed || 1;
    clock.base = c.elapsed_ms + (clock.running && !isNaN(since) ? Math.max(0, Date.now() - since) * clock.speed : 0);
    clock.at = Date.now();
    tick();
  });
  source.addEventListener("log", function (e) { addEvent(JSON.parse(e.data)); });
})();
