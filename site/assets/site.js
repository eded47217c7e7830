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

  function start() {
    drawCharts();
    fillAddresses();
    copyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
