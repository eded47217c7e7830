-- Quarto filter: what the built-in renderer's layout (pipeline/site/templates/layout.html.j2)
-- gives every page, added to Quarto's own page: a skip link, the search box that
-- assets/search.js fills (pagefind, one search on both renderers; Quarto's search is off), the
-- body marked as the part pagefind indexes (with the page's title as its first heading, as in
-- the layout, so that search weighs it as a heading, and its description for its results), and the search and site scripts, with links relative to the page.
-- Quarto puts "before-body" content inside <main>, so a small script moves the skip link to
-- the start of the page and the search box into the header, before the deferred scripts run.

local function offset()
  local relative = quarto.doc.input_file:sub(#quarto.project.directory + 2)
  local _, depth = relative:gsub("/", "")
  return string.rep("../", depth)
end

local function has_raw(doc, needle)
  local found = false
  doc:walk({
    RawBlock = function(raw)
      if raw.text:find(needle, 1, true) then
        found = true
      end
    end,
  })
  return found
end

local function escape(text)
  return (text:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

function Pandoc(doc)
  local root = offset()
  quarto.doc.include_text("in-header",
    '<meta name="site-root" content="' .. (root == "" and "./" or root) .. '">\n' ..
    '<link rel="icon" href="data:,">\n' ..
    -- Quarto 1.7's quarto-nav.js calls href.replace() on every <a>, but an <a> inside an SVG
    -- (the hex map's links) has an SVGAnimatedString href: give it replace() so the script
    -- does not stop with an error (assigning the result to the read-only href does nothing).
    '<script>if (window.SVGAnimatedString && !SVGAnimatedString.prototype.replace) {' ..
    ' SVGAnimatedString.prototype.replace = function (a, b) {' ..
    ' return this.baseVal.replace(a, b); }; }</script>\n' ..
    '<link rel="alternate" type="application/atom+xml" title="Stability Index releases" href="' ..
    root .. 'releases.xml">')
  quarto.doc.include_text("before-body",
    '<a class="skip-link" href="#main">Skip to main content</a>\n' ..
    '<div class="site-search" role="search" aria-label="Search the site">\n' ..
    '<noscript><p>Search needs JavaScript; every page is linked from the <a href="' .. root ..
    'index.html#areas">overview</a>.</p></noscript></div>')
  local scripts = '<script src="' .. root .. 'assets/search.js" defer></script>\n'
  if not has_raw(doc, "assets/site.js") then
    scripts = scripts .. '<script src="' .. root .. 'assets/site.js" defer></script>\n'
  end
  quarto.doc.include_text("after-body",
    "<script>(function () {\n" ..
    "  var skip = document.querySelector('.skip-link');\n" ..
    "  var search = document.querySelector('.site-search');\n" ..
    "  var header = document.getElementById('quarto-header');\n" ..
    "  if (skip) { document.body.insertBefore(skip, document.body.firstChild); }\n" ..
    "  if (search && header) { header.appendChild(search); }\n" ..
    "})();</script>\n" .. scripts)

  local title = doc.meta.title and pandoc.utils.stringify(doc.meta.title) or ""
  local body = pandoc.Blocks({
    pandoc.RawBlock("html", '<span hidden data-pagefind-meta="title[data-title]" data-title="' ..
      escape(title) .. '"></span>'),
  })
  if doc.meta.description and not has_raw(doc, 'data-pagefind-meta="description') then
    body:insert(pandoc.RawBlock("html",
      '<span hidden data-pagefind-meta="description[data-description]" data-description="' ..
      escape(pandoc.utils.stringify(doc.meta.description)) .. '"></span>'))
  end
  if title ~= "" then
    body:insert(pandoc.Header(1, title, pandoc.Attr("", { "title" })))
  end
  body:extend(doc.blocks)
  if title ~= "" then
    -- The title is the heading above (Quarto's title block would put it outside the indexed
    -- part); pagetitle keeps it as the page's <title>.
    doc.meta.pagetitle = doc.meta.title
    doc.meta.title = nil
  end
  doc.blocks = pandoc.Blocks({
    pandoc.Div(body, pandoc.Attr("main", {}, { ["data-pagefind-body"] = "", tabindex = "-1" })),
  })
  return doc
end
