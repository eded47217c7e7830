"""The page that documents the JSON API (``api/index.qmd``), with curl and pandas examples."""

from __future__ import annotations

from pathlib import Path

from pipeline.site.api import API_FOLDER
from pipeline.site.package import SitePackage
from pipeline.site.page_common import PageFrame, templates, write_page

#: Address used in the examples when the package names no homepage.
EXAMPLE_BASE = "https://example.org/stability-index/"


def api_page(package: SitePackage, site_dir: Path) -> Path:
    """Write ``api/index.qmd``: the addresses, values, versioning and examples of the API."""
    homepage = str(package.descriptor.get("homepage") or EXAMPLE_BASE)
    if not homepage.endswith("/"):
        homepage += "/"
    geography = package.geography
    medway = geography[geography["old_la_code"] == "887"]
    example = (medway if not medway.empty else geography).iloc[0]
    text = (
        templates()
        .get_template("api.qmd.j2")
        .render(
            header=PageFrame(package).header("../"),
            version=package.version,
            example_code=example["new_la_code"],
            example_name=example["la_name"],
            example_measure=package.headline_measures[0],
            base=homepage,
            cite=PageFrame(package).cite_box("Data API (JSON)", f"{API_FOLDER}/"),
        )
    )
    return write_page(Path(site_dir) / API_FOLDER / "index.qmd", text)
