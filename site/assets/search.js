// Stability Index site search: pagefind's offline index (no network), shown in a light panel
// over the page. Each result is the page title (a link) and the page's description. Keyboard:
// type, then Down arrow or Tab to the results; Escape closes the panel and returns to the box.
// A status line tells screen reader users how many results there are.
(function () {
  "use strict";

  var script = document.currentScript;
  var root = new URL("../", script ? script.src : document.baseURI);
  var pagefind = null;
  var panel = null;
  var status = null;
  var list = null;
  var input = null;
  var latest = 0;

  function mount() {
    var holder = document.querySelector(".site-search");
    if (!holder) {
      // A layout without a search box (e.g. Quarto's): put one at the top of the page.
      holder = document.createElement("div");
      holder.className = "site-search site-search-added";
      var main = document.querySelector("main") || document.body.firstElementChild;
      main.parentElement.insertBefore(holder, main);
    }
    holder.setAttribute("role", "search");
    holder.setAttribute("aria-label", "Search the site");
    holder.innerHTML =
      '<label for="site-search-input" class="search-label">Search the site</label>' +
      '<input type="search" id="site-search-input" autocomplete="off" spellcheck="false" ' +
      'aria-controls="search-results" aria-describedby="search-hint" ' +
      'placeholder="A local authority, region or term">' +
      '<span id="search-hint" class="visually-hidden">Results appear below as you type; ' +
      "press the down arrow to move to them and Escape to close them.</span>";
    input = holder.querySelector("input");
    panel = document.createElement("div");
    panel.id = "search-results";
    panel.className = "search-panel";
    panel.hidden = true;
    panel.innerHTML =
      '<p class="search-status" role="status" aria-live="polite"></p><ol class="search-list"></ol>';
    var header = holder.closest("header");
    (header || holder).insertAdjacentElement("afterend", panel);
    status = panel.querySelector(".search-status");
    list = panel.querySelector(".search-list");
    input.addEventListener("input", function () {
      run(input.value);
    });
    input.addEventListener("keydown", onInputKey);
    panel.addEventListener("keydown", onPanelKey);
    document.addEventListener("click", function (event) {
      if (!panel.hidden && !panel.contains(event.target) && event.target !== input) {
        close(false);
      }
    });
  }

  function load() {
    if (!pagefind) {
      pagefind = import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
        return module
          .options({
            baseUrl: root.pathname,
            excerptLength: 24,
            ranking: { termFrequency: 0.6, pageLength: 0.5 },
          })
          .then(function () {
            return module;
          });
      });
    }
    return pagefind;
  }

  function run(term) {
    var ticket = ++latest;
    term = term.trim();
    if (!term) {
      close(false);
      return;
    }
    load()
      .then(function (module) {
        return module.search(term);
      })
      .then(function (search) {
        return Promise.all(
          search.results.slice(0, 8).map(function (result) {
            return result.data();
          })
        ).then(function (pages) {
          if (ticket === latest) {
            show(term, pages, search.results.length);
          }
        });
      })
      .catch(function () {
        if (ticket === latest) {
          panel.hidden = false;
          status.textContent = "Search is not available on this copy of the site.";
          list.innerHTML = "";
        }
      });
  }

  function show(term, pages, total) {
    list.innerHTML = "";
    pages.forEach(function (page) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = page.url;
      link.textContent = (page.meta && page.meta.title) || page.url;
      var text = document.createElement("p");
      var description = page.meta && page.meta.description;
      if (description) {
        text.textContent = description;
      } else {
        text.innerHTML = page.excerpt;
      }
      item.appendChild(link);
      item.appendChild(text);
      list.appendChild(item);
    });
    var shown = pages.length < total ? " (the first " + pages.length + " are shown)" : "";
    status.textContent = total
      ? total + (total === 1 ? " result" : " results") + ' for "' + term + '"' + shown + "."
      : 'No results for "' + term + '".';
    panel.hidden = false;
  }

  function close(focusInput) {
    panel.hidden = true;
    if (focusInput) {
      input.focus();
    }
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a"));
  }

  function onInputKey(event) {
    if (event.key === "Escape") {
      close(false);
    } else if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    } else if (event.key === "Enter" && links().length) {
      event.preventDefault();
      links()[0].click();
    }
  }

  function onPanelKey(event) {
    var all = links();
    var index = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close(true);
    } else if (event.key === "ArrowDown" && index >= 0 && index < all.length - 1) {
      event.preventDefault();
      all[index + 1].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index === 0 ? input : all[index - 1]).focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
