"""The website: pages generated from the data package only, rendered by Quarto or pandoc.

* :func:`generate_pages` writes ``.qmd`` pages (Jinja2 templates, Altair charts with SVG
  fallbacks) from a published data package folder;
* :func:`render` renders them into ``_site/`` with Quarto when it is installed, otherwise with
  the built-in pandoc renderer, then builds the offline search index;
* :func:`serve_site` serves the built site on localhost.
"""

from __future__ import annotations

from pipeline.site.generate import generate_pages
from pipeline.site.render import render
from pipeline.site.serve import serve_site

__all__ = ["generate_pages", "render", "serve_site"]
