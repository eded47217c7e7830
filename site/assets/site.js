// Stability Index site script: draws charts with the bundled vega-embed (no network),
// fills in permanent addresses and makes "copy" buttons work. Without JavaScript the
// static SVG charts and plain citations are shown instead.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.vegaEmbed !== "function") {
      return;
    }
    document.querySelectorAll(".chart-canvas[data-spec]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-spec"));
      if (!source) {
        return;
      }
      var spec = JSON.parse(source.textContent);
      var fallback = canvas.querySelector("img");
      var label = fallback ? fallback.getAttribute("alt") : "Chart";
      var target = document.createElement("div");
      target.className = "chart-live";
      canvas.appendChild(target);
      window
        .vegaEmbed(target, spec, { actions: false, renderer: "svg", tooltip: true })
        .then(function () {
          var svg = target.querySelector("svg");
          if (svg) {
            svg.setAttribute("role", "img");
            svg.setAttribute("aria-label", label);
            // The chart is one image with a label (its data are in the table beside it):
            // drop the roles vega gives inner groups, which are unlabelled when empty.
            svg.querySelectorAll("[role], [aria-label], [aria-roledescription]").forEach(
              function (inner) {
                inner.removeAttribute("role");
                inner.removeAttribute("aria-label");
                inner.removeAttribute("aria-roledescription");
              }
            );
          }
          if (fallback) {
            fallback.hidden = true;
          }
          canvas.classList.add("chart-drawn");
        })
        .catch(function () {
          target.remove();
        });
    });
  }

  function fillAddresses() {
    document.querySelectorAll(".permanent-address[data-path]").forEach(function (span) {
      var base = document.querySelector('meta[name="site-root"]');
      var root = base ? new URL(base.getAttribute("content"), document.baseURI) : null;
      var relative = span.textContent.trim().charAt(0) === "/";
      if (relative && root && window.location.protocol.indexOf("http") === 0) {
        span.textContent = new URL(span.getAttribute("data-path"), root).href;
      }
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy-target"));
        var status = button.parentElement.querySelector(".copy-status");
        if (!source) {
          return;
        }
        var text = source.textContent.trim();
        var done = function () {
          if (status) {
            status.textContent = "Citation copied.";
          }
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () {
            if (status) {
              status.textContent = "Select the citation text to copy it.";
            }
          });
        } else if (status) {
          status.textContent = "Select the citation text to copy it.";
        }
      });
    });
  }

  // Sortable tables (the rankings page): each column heading is a button; the heading
  // carries aria-sort and a status line says how the table is sorted.
  function sortValue(cell, type) {
    var data = cell.querySelector("data");
    var raw = data ? data.getAttribute("value") : cell.textContent.trim();
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return cell.textContent.trim().toLowerCase();
  }

  function sortTable(table, index, type, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortValue(a.cells[index], type);
      var y = sortValue(b.cells[index], type);
      if (x === null || y === null) {
        return x === null ? (y === null ? 0 : 1) : -1;
      }
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  function sortableTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var status = document.createElement("p");
      status.className = "sort-status";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      table.parentElement.parentElement.insertBefore(status, table.parentElement.nextSibling);
      var headings = table.tHead.rows[0].cells;
      Array.prototype.forEach.call(headings, function (heading, index) {
        var button = heading.querySelector("button");
        if (!button) {
          return;
        }
        button.addEventListener("click", function () {
          var ascending = heading.getAttribute("aria-sort") !== "ascending";
          Array.prototype.forEach.call(headings, function (other) {
            other.removeAttribute("aria-sort");
          });
          heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          sortTable(table, index, heading.getAttribute("data-sort-type"), ascending);
          status.textContent =
            "Sorted by " + button.textContent.trim() + ", " +
            (ascending ? "lowest first" : "highest first") + ".";
        });
      });
    });
  }

  function regionFilter() {
    var select = document.getElementById("rankings-region");
    if (!select) {
      return;
    }
    var controls = select.closest("[data-needs-script]");
    controls.hidden = false;
    var status = controls.querySelector(".rankings-status");
    select.addEventListener("change", function () {
      var region = select.value;
      var shown = 0;
      var tables = document.querySelectorAll("table.sortable");
      tables.forEach(function (table) {
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = Boolean(region) && row.getAttribute("data-region") !== region;
          shown += row.hidden ? 0 : 1;
        });
      });
      var each = tables.length ? Math.round(shown / tables.length) : 0;
      status.textContent = region
        ? "Showing the " + each + " local authorities in " + region + "."
        : "Showing every local authority.";
    });
  }

  // Symbols (c, x, z, low, u) explained on tap as well as on hover: a tap (click) on a
  // symbol shows its meaning in a small note beside it; the key before the first table
  // explains every symbol for keyboard and screen reader users.
  function symbolNotes() {
    document.addEventListener("click", function (event) {
      var abbr = event.target.closest ? event.target.closest("abbr.symbol[title]") : null;
      if (!abbr) {
        return;
      }
      var next = abbr.nextElementSibling;
      if (next && next.classList.contains("symbol-note")) {
        next.remove();
        return;
      }
      var note = document.createElement("span");
      note.className = "symbol-note";
      note.textContent = abbr.getAttribute("title");
      abbr.insertAdjacentElement("afterend", note);
    });
  }

  function start() {
    drawCharts();
    fillAddresses();
    copyButtons();
    sortableTables();
    regionFilter();
    symbolNotes();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
