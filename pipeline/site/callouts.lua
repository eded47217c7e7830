-- Quarto-style callouts for the built-in pandoc renderer:
-- ::: {.callout-note title="..."} becomes a div with a visible title and role="note".
function Div(el)
  for _, cls in ipairs(el.classes) do
    local kind = cls:match("^callout%-(%a+)$")
    if kind then
      local title = el.attributes["title"] or (kind:gsub("^%l", string.upper))
      el.attributes["title"] = nil
      el.attributes["role"] = "note"
      local head = pandoc.Div({ pandoc.Plain({ pandoc.Strong(pandoc.Str(title)) }) },
        { class = "callout-title" })
      table.insert(el.content, 1, head)
      el.classes:insert("callout")
      return el
    end
  end
end
