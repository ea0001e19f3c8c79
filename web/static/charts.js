// Charts of the program managers' pages (manager, after-action report,
// comparison), drawn with Debian's Chart.js from the JSON the page carries
// in <script type="application/json" id="chart-NAME"> blocks. Every figure
// is also in a table on the page: without Chart.js, or without this script,
// nothing is lost but the drawing.
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  // The print button works with or without charts.
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  function data(id) {
    var el = document.getElementById("chart-" + id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  if (!window.Chart) {
    // Say what is missing, and show the tables the charts would replace.
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart-missing]"), function (n) { n.hidden = false; });
    Array.prototype.forEach.call(document.querySelectorAll(".chart-box"), function (n) { n.hidden = true; });
    Array.prototype.forEach.call(document.querySelectorAll("details.figures"), function (d) { d.open = true; });
    return;
  }

  // Okabe–Ito: told apart by people with any common color blindness; lines
  // also differ by dash and point shape, so they survive a grey printer.
  var colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  var points = ["circle", "rect", "triangle", "rectRot", "crossRot", "star"];
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = getComputedStyle(document.body).color;

  function datasets(d) {
    return d.lines.map(function (l, i) {
      var c = colors[i % colors.length];
      var ds = { label: l.label, data: l.data, backgroundColor: c, borderColor: c };
      if (d.kind === "line") {
        ds.fill = false;
        ds.tension = 0;
        ds.spanGaps = false;
        ds.borderWidth = 2;
        ds.borderDash = dashes[i % dashes.length];
        ds.pointStyle = points[i % points.length];
        ds.pointRadius = l.data.length > 40 ? 0 : 3;
      }
      return ds;
    });
  }

  function options(d, yTitle) {
    var o = {
      responsive: true, maintainAspectRatio: false, animation: reduced ? false : { duration: 300 },
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (ctx) {
          var v = ctx.parsed.y;
          return ctx.dataset.label + ": " + (v === null || isNaN(v) ? "—" : numberFormat.format(v));
        } } }
      },
      scales: {
        x: { stacked: !!d.stacked, ticks: { autoSkip: true, maxRotation: 0 } },
        y: { stacked: !!d.stacked, ticks: { callback: function (v) { return numberFormat.format(v); } } }
      }
    };
    if (yTitle) o.scales.y.title = { display: true, text: yTitle };
    return o;
  }

  var charts = {};
  function draw(id, d, yTitle) {
    var canvas = document.querySelector('canvas[data-chart="' + id + '"]');
    if (!canvas || !d) return;
    if (charts[id]) {
      charts[id].data.labels = d.labels;
      charts[id].data.datasets = datasets(d);
      if (yTitle !== undefined) charts[id].options.scales.y.title = { display: !!yTitle, text: yTitle };
      charts[id].update();
      return;
    }
    charts[id] = new Chart(canvas, { type: d.kind === "bar" ? "bar" : "line", data: { labels: d.labels, datasets: datasets(d) }, options: options(d, yTitle) });
  }

  ["teams", "countries", "categories"].forEach(function (id) { draw(id, data(id)); });

  // The comparison: one chart, the figure picked in a select.
  var compare = data("compare");
  var picker = document.querySelector("[data-metric]");
  if (compare && picker) {
    var show = function () {
      var m = compare.metrics[picker.value];
      if (!m) return;
      draw("compare", { kind: "line", labels: compare.labels, lines: m.lines }, m.label + " (" + m.unit + ")");
    };
    document.querySelector("[data-metric-picker]").hidden = false;
    picker.addEventListener("change", show);
    show();
  }

  // Charts are drawn for the screen; paper is another size.
  function resizeAll() { Object.keys(charts).forEach(function (id) { charts[id].resize(); }); }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);

  // A running exercise's manager page follows the live board.
  var root = document.querySelector("[data-analysis][data-refresh]");
  if (!root || !window.fetch) return;
  var name = encodeURIComponent(root.dataset.analysis);
  var every = Math.max(10, Number(root.dataset.refresh) || 30) * 1000;

  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", hour12: false });
  }
  function get(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function categories(table) {
    return Array.prototype.map.call(table.querySelectorAll("th[data-category]"), function (th) {
      return { key: th.dataset.category, label: th.textContent };
    });
  }
  function countryNames() {
    var t = root.querySelector("[data-countries]");
    try { return JSON.parse((t && t.dataset.names) || "{}"); } catch (e) { return {}; }
  }

  function fillStandings(st) {
    var teams = root.querySelector("[data-standings] [data-teams]");
    if (teams) {
      var cats = categories(teams);
      teams.tBodies[0].replaceChildren.apply(teams.tBodies[0], st.teams.map(function (t) {
        var tr = el("tr");
        tr.appendChild(el("td", String(t.rank), "num"));
        var th = el("th", t.team.name); th.scope = "row"; tr.appendChild(th);
        tr.appendChild(el("td", t.team.country));
        tr.appendChild(el("td", String(t.total), "num total"));
        cats.forEach(function (c) { var n = t.categories[c.key] || 0; tr.appendChild(el("td", String(n), n < 0 ? "num neg" : "num")); });
        return tr;
      }));
      draw("categories", { kind: "bar", stacked: true, labels: st.teams.map(function (t) { return t.team.name; }),
        lines: cats.map(function (c) { return { label: c.label, data: st.teams.map(function (t) { return t.categories[c.key] || 0; }) }; }) });
    }
    var countries = root.querySelector("[data-standings] [data-countries]");
    if (countries) {
      var ccats = categories(countries), names = countryNames();
      countries.tBodies[0].replaceChildren.apply(countries.tBodies[0], st.countries.map(function (c) {
        var tr = el("tr");
        tr.appendChild(el("td", String(c.rank), "num"));
        var th = el("th", names[c.country] || c.country); th.scope = "row"; tr.appendChild(th);
        tr.appendChild(el("td", String(c.teams), "num"));
        tr.appendChild(el("td", numberFormat.format(c.total), "num total"));
        ccats.forEach(function (k) { tr.appendChild(el("td", numberFormat.format(c.categories[k.key] || 0), "num")); });
        return tr;
      }));
    }
  }

  function fillSeries(s) {
    var labels = s.teams.length ? s.teams[0].points.map(function (p) { return hhmm(p.at); }) : [];
    draw("teams", { kind: "line", labels: labels, lines: s.teams.map(function (t) {
      return { label: t.team.name || t.team.id, data: t.points.map(function (p) { return p.total; }) };
    }) });
    var names = countryNames();
    draw("countries", { kind: "line", labels: labels, lines: s.countries.map(function (c) {
      return { label: names[c.country] || c.country, data: c.points.map(function (p) { return p.total; }) };
    }) });
  }

  var updated = root.querySelector("[data-updated]");
  function refresh() {
    if (document.hidden) return;
    Promise.all([
      get("/api/v1/exercises/" + name + "/standings?view=live").then(fillStandings),
      get("/api/v1/exercises/" + name + "/series").then(fillSeries)
    ]).then(function () {
      if (!updated) return;
      updated.hidden = false;
      updated.querySelector("[data-updated-at]").textContent = new Date().toLocaleTimeString(lang, { hour12: false });
    }).catch(function () { /* the next round will tell */ });
  }
  setInterval(refresh, every);
})();
