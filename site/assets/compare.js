// Comparison page (compare/): reads the site's versioned JSON API (headline/<measure>.json of
// this version: only the measure shown, fetched when it is first chosen), lets the reader
// choose LAs, a measure and years, and draws a chart and a table.
// The choice lives in the address (?la=886,887&m=placement_2plus&from=2021&to=2024), so a
// link reproduces the view. No network beyond this site; without JavaScript the page keeps
// its static table of the default view.
(function () {
  "use strict";

  var app = document.getElementById("compare-app");
  if (!app || !window.fetch) {
    return;
  }
  var form = document.getElementById("compare-form");
  var status = document.getElementById("compare-status");
  var chart = document.getElementById("compare-chart");
  var tableBox = document.getElementById("compare-table");
  var note = document.getElementById("compare-static-note");
  var SVG = "http://www.w3.org/2000/svg";
  var COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b35900", "#28a197",
                 "#912b88", "#505a5f", "#003078", "#6f3d00", "#0b0c0c"];
  var DASHES = ["", "6 3", "2 3", "8 3 2 3"];
  var SYMBOLS = {
    c: "suppressed to protect confidentiality",
    x: "not available",
    z: "not applicable",
    low: "rounds to 0 but is not 0",
    u: "low reliability"
  };
  var data = null;
  var byOld = {};
  var byNew = {};
  var documents = {};
  var base = app.getAttribute("data-api") + app.getAttribute("data-version") + "/headline/";

  function yearLabel(year) {
    var y = parseInt(year, 10);
    return (y - 1) + "-" + String(y).slice(2);
  }

  function percentText(value) {
    if (typeof value === "number") {
      return Math.round(value) + "%";
    }
    return value === null || value === undefined ? "" : String(value);
  }

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function svgEl(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  // The state from the address: every "la" value (comma separated, old or new codes).
  function readState() {
    var params = new URLSearchParams(window.location.search);
    var codes = [];
    params.getAll("la").forEach(function (value) {
      value.split(",").forEach(function (code) {
        code = code.trim();
        var la = byOld[code] || byNew[code];
        if (la && codes.indexOf(la.old_la_code) < 0) { codes.push(la.old_la_code); }
      });
    });
    if (!codes.length) {
      var first = byOld[app.getAttribute("data-default-la")] || data.las[0];
      codes = [first.old_la_code].concat(first.neighbours.map(function (code) {
        return byNew[code] ? byNew[code].old_la_code : null;
      }).filter(Boolean));
    }
    var measure = params.get("m");
    if (!measureLabel(measure, null)) { measure = app.getAttribute("data-default-measure"); }
    var years = data.years;
    var from = years.indexOf(params.get("from")) >= 0 ? params.get("from") : years[0];
    var to = years.indexOf(params.get("to")) >= 0 ? params.get("to") : years[years.length - 1];
    if (from > to) { var swap = from; from = to; to = swap; }
    return { las: codes, measure: measure, from: from, to: to };
  }

  function address(state) {
    return "?la=" + state.las.join(",") + "&m=" + encodeURIComponent(state.measure) +
      "&from=" + state.from + "&to=" + state.to;
  }

  function fillForm(state) {
    Array.prototype.forEach.call(form.elements.la.options, function (option) {
      option.selected = state.las.indexOf(option.value) >= 0;
    });
    form.elements.m.value = state.measure;
    form.elements.from.value = state.from;
    form.elements.to.value = state.to;
  }

  function formState() {
    var codes = Array.prototype.filter.call(form.elements.la.options, function (option) {
      return option.selected;
    }).map(function (option) { return option.value; });
    var from = form.elements.from.value;
    var to = form.elements.to.value;
    if (from > to) { var swap = from; from = to; to = swap; }
    return { las: codes, measure: form.elements.m.value, from: from, to: to };
  }

  // The rows to show: each chosen LA, then England; values [percent, lower, upper] by year,
  // from the document of the measure shown (``data``).
  function series(state) {
    var first = data.years.indexOf(state.from);
    var last = data.years.indexOf(state.to);
    var years = data.years.slice(first, last + 1);
    var shown = {};
    data.las.forEach(function (la) { shown[la.old_la_code] = la; });
    var rows = state.las.map(function (code) {
      var la = shown[code];
      return { name: la.la_name, values: la.values[state.measure].slice(first, last + 1) };
    });
    rows.push({
      name: "England",
      values: data.england[state.measure].slice(first, last + 1).map(function (v) {
        return [v, null, null];
      })
    });
    return { years: years, rows: rows };
  }

  // The label of a measure offered by the form (``fallback`` when the form has no such one).
  function measureLabel(code, fallback) {
    var found = Array.prototype.filter.call(form.elements.m.options, function (option) {
      return option.value === code;
    });
    return found.length ? found[0].textContent : (fallback === undefined ? code : fallback);
  }

  // The headline document of one measure (fetched once, then kept).
  function load(measure) {
    if (documents[measure]) { return Promise.resolve(documents[measure]); }
    return fetch(base + encodeURIComponent(measure) + ".json")
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
        return response.json();
      })
      .then(function (document_) {
        documents[measure] = document_;
        return document_;
      });
  }

  function failed(error) {
    status.textContent = "The figures could not be loaded (" + error.message +
      "), so the table shows the default view.";
  }

  function drawTable(state, view) {
    var table = el("table", { "class": "data-table" });
    var caption = measureLabel(state.measure) + ": chosen local authorities and England, " +
      yearLabel(view.years[0]) + " to " + yearLabel(view.years[view.years.length - 1]) +
      " (95% confidence interval in brackets)";
    table.appendChild(el("caption", {}, caption));
    var head = el("tr");
    head.appendChild(el("th", { scope: "col" }, "Area"));
    view.years.forEach(function (year) { head.appendChild(el("th", { scope: "col" }, yearLabel(year))); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    view.rows.forEach(function (row) {
      var tr = body.appendChild(el("tr"));
      tr.appendChild(el("th", { scope: "row" }, row.name));
      row.values.forEach(function (v) {
        var text = percentText(v[0]);
        if (typeof v[0] === "number" && typeof v[1] === "number") {
          text += " (" + percentText(v[1]) + " to " + percentText(v[2]) + ")";
        }
        var td = tr.appendChild(el("td", {}, text));
        if (SYMBOLS[v[0]]) { td.setAttribute("title", SYMBOLS[v[0]]); }
      });
    });
    var wrap = el("div", { "class": "table-wrap", tabindex: "0", role: "region", "aria-label": caption });
    wrap.appendChild(table);
    tableBox.replaceChildren(wrap);
  }

  function drawChart(state, view) {
    var width = 640, height = 320, left = 48, right = 170, top = 16, bottom = 40;
    var numbers = [];
    view.rows.forEach(function (row) {
      row.values.forEach(function (v) { if (typeof v[0] === "number") { numbers.push(v[0]); } });
    });
    var max = Math.max(10, Math.ceil(Math.max.apply(null, numbers.concat([0])) / 10) * 10);
    var x = function (i) {
      var n = view.years.length;
      return left + (n === 1 ? 0.5 : i / (n - 1)) * (width - left - right);
    };
    var y = function (v) { return top + (1 - v / max) * (height - top - bottom); };
    var label = "Line chart of " + measureLabel(state.measure) + " by year for " +
      view.rows.map(function (r) { return r.name; }).join(", ") + ". The table below gives the figures.";
    var svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": label });
    for (var tick = 0; tick <= max; tick += max / 5) {
      svg.appendChild(svgEl("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), stroke: "#d9dadb" }));
      var t = svgEl("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end" });
      t.textContent = Math.round(tick) + "%";
      svg.appendChild(t);
    }
    view.years.forEach(function (year, i) {
      var t = svgEl("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle" });
      t.textContent = yearLabel(year);
      svg.appendChild(t);
    });
    view.rows.forEach(function (row, index) {
      var colour = row.name === "England" ? "#0b0c0c" : COLOURS[index % COLOURS.length];
      var dash = row.name === "England" ? "4 4" : DASHES[index % DASHES.length];
      var points = [];
      row.values.forEach(function (v, i) {
        if (typeof v[0] === "number") { points.push([x(i), y(v[0])]); }
      });
      if (!points.length) { return; }
      svg.appendChild(svgEl("polyline", {
        points: points.map(function (p) { return p.join(","); }).join(" "),
        fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": dash
      }));
      points.forEach(function (p) {
        svg.appendChild(svgEl("circle", { cx: p[0], cy: p[1], r: 3, fill: colour }));
      });
      var end = points[points.length - 1];
      var name = svgEl("text", { x: end[0] + 8, y: end[1] + 4, fill: colour });
      name.textContent = row.name;
      svg.appendChild(name);
    });
    chart.replaceChildren(svg);
  }

  function render(state) {
    if (!state.las.length) {
      status.textContent = "Choose at least one local authority.";
      return;
    }
    var view = series(state);
    drawChart(state, view);
    drawTable(state, view);
    status.textContent = "Showing " + measureLabel(state.measure) + " for " +
      state.las.length + " local authorit" + (state.las.length === 1 ? "y" : "ies") +
      " and England, " + yearLabel(state.from) + " to " + yearLabel(state.to) + ".";
  }

  function show(state, push) {
    if (!documents[state.measure]) { status.textContent = "Loading the figures."; }
    return load(state.measure).then(function (document_) {
      data = document_;
      fillForm(state);
      var url = address(state);
      if (push) {
        window.history.pushState(null, "", url);
      } else {
        window.history.replaceState(null, "", url);
      }
      render(state);
    }).catch(failed);
  }

  // Every measure's document lists the same LAs, codes and neighbours: the first one read
  // gives them.
  function start(document_) {
    data = document_;
    data.las.forEach(function (la) { byOld[la.old_la_code] = la; byNew[la.new_la_code] = la; });
    form.hidden = false;
    if (note) { note.hidden = true; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      show(formState(), true);
    });
    document.getElementById("compare-neighbours").addEventListener("click", function () {
      var state = formState();
      var first = byOld[state.las[0] || app.getAttribute("data-default-la")];
      first.neighbours.forEach(function (code) {
        var la = byNew[code];
        if (la && state.las.indexOf(la.old_la_code) < 0) { state.las.push(la.old_la_code); }
      });
      show(state, true);
    });
    window.addEventListener("popstate", function () { show(readState(), false); });
    show(readState(), false);
  }

  var asked = new URLSearchParams(window.location.search).get("m");
  load(measureLabel(asked, null) ? asked : app.getAttribute("data-default-measure"))
    .then(start)
    .catch(failed);
})();
