"""The versioned JSON API inside the static site, written from the data packages alone.

``api/v1/index.json`` lists the versions, the LAs and the measures; for each version whose
package folder is at hand, ``api/v1/<version>/la/<new_la_code>.json`` holds every published
figure of one LA (every LA row of every table, with symbols, intervals and comparators) and
``api/v1/<version>/headline.json`` the headline measures of every LA, region and England in a
compact form, and ``api/v1/<version>/headline/<measure>.json`` the same for one measure (the
comparison page reads only the measure it shows). The JSON Schemas are published in
``api/v1/schema/``. Cells are numbers where the package has a number, the symbol where it has
one (``c``, ``x``, ``z``, ``low``, ``u``), text for text indicators and ``null`` for blanks.

A version's documents are never changed once published. When the build keeps versions, each
version's documents are archived beside the data packages the first time they are written, in
``<packages>/stability-index/api/<version>/`` (the files of ``api/v1/<version>/``, beside the
frozen pages in ``pages/``, see :mod:`pipeline.site.frozen`); a later build copies an older
version's archived documents into ``api/v1/<version>/`` byte for byte instead of computing them
again. An older version with no archived documents (an archive made before they were kept) is
written from its own package, as before, and archived then.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from functools import cached_property, partial
from json.encoder import encode_basestring
from pathlib import Path

import pandas as pd

from pipeline.logs import log
from pipeline.packaging.dictionary import internal_column
from pipeline.site.api_schema import SCHEMAS
from pipeline.site.frozen import archive_once
from pipeline.site.la_tables import LaExtract
from pipeline.site.package import (
    ONE_YEAR_TOTALS,
    PackageError,
    SitePackage,
    VersionInfo,
    read_csv_text,
)
from pipeline.symbols import SYMBOLS

API_FOLDER = "api"
API_VERSION = "v1"
API_ROOT = f"{API_FOLDER}/{API_VERSION}"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
LA_KEYS = ["old_la_code", "new_la_code", "la_name", "region_code", "region_name"]
HEADLINE_COLUMNS = ["percent", "lower", "upper"]
#: The folder of a version's one-measure headline documents (``<measure>.json``).
HEADLINE_FOLDER = "headline"
#: The archive of the versions' documents, beside the packages: ``<packages>/stability-index/api/``.
API_ARCHIVE_FOLDER = "api"


def cell(text: str) -> float | int | str | None:
    """A published cell as JSON: a number, a symbol or text as it is, ``None`` when blank."""
    if text == "":
        return None
    if NUMBER.match(text):
        return int(text) if "." not in text else float(text)
    return text


def json_text(value: object) -> str:
    """``value`` as :func:`dump` writes it (compact, UTF-8 kept, no NaN)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dump(path: Path, document: dict, last: tuple[str, str] | None = None) -> None:
    """Write a JSON document compactly (UTF-8, keys in the given order), creating folders.

    ``last`` is an optional ``(key, JSON text)`` member written after the document's own
    members, for a part whose text is built directly (see :func:`la_tables_text`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json_text(document)
    if last is not None:
        key, value = last
        text = f"{text[:-1]}{',' if document else ''}{json_text(key)}:{value}}}"
    path.write_text(text + "\n", encoding="utf-8")


def measures_list(package: SitePackage) -> list[dict]:
    """Every measure of the package's ``measures`` resource: labels, polarity, headline, order."""
    return [
        {
            "measure": row["measure"],
            "label": row["label"],
            "short_label": row["short_label"],
            "polarity": row["polarity"],
            "headline": row["headline"] == "true",
            "order": int(row["display_order"]),
        }
        for row in package.measures.to_dict("records")
    ]


@dataclass
class HeadlineFigures:
    """The one-year, all-children figures of every area, read once from a package."""

    package: SitePackage

    def __post_init__(self) -> None:
        series = self.package.table("time_series")
        self.series = series[series["measure"].isin(self.package.headline_measures)]
        intervals = self.package.table_where("stability_measures", ONE_YEAR_TOTALS)
        self.intervals = intervals[intervals["geographic_level"] == "Local authority"]
        self.years = sorted(self.series["time_period"].unique())
        self.measures = self.package.headline_measures

    def area_percent(self, level: str, code_column: str) -> dict[tuple[str, str, str], str]:
        """``(code, measure, year) -> percent`` of the areas of one level."""
        rows = self.series[self.series["geographic_level"] == level]
        codes = rows[code_column] if code_column else pd.Series("", index=rows.index)
        return dict(
            zip(
                zip(codes, rows["measure"], rows["time_period"], strict=True),
                rows["percent"],
                strict=True,
            )
        )

    @cached_property
    def regions(self) -> dict[tuple[str, str, str], str]:
        """``(region_code, measure, year) -> percent``."""
        return self.area_percent("Regional", "region_code")

    @cached_property
    def england(self) -> dict[tuple[str, str, str], str]:
        """``("", measure, year) -> percent`` of England."""
        return self.area_percent("National", "")

    @cached_property
    def la_intervals(self) -> dict[tuple[str, str, str], tuple[str, str, str, str, str]]:
        """``(new_la_code, measure, year) -> (cohort, number, percent, lower, upper)``."""
        frame = self.intervals
        keys = zip(frame["new_la_code"], frame["measure"], frame["time_period"], strict=True)
        values = zip(
            frame["cohort"], frame["number"], frame["percent"],
            frame["percent_lower_ci"], frame["percent_upper_ci"], strict=True,
        )  # fmt: skip
        return dict(zip(keys, values, strict=True))


def neighbours_of(package: SitePackage) -> dict[str, list[dict]]:
    """``new_la_code -> [{rank, old_la_code, new_la_code, la_name}]`` (nearest first)."""
    if not package.has_table("statistical_neighbours"):
        return {}
    table = package.table("statistical_neighbours")
    table = table[table["geographic_level"] == "Local authority"]
    if not table.empty:
        table = table[table["time_period"] == table["time_period"].max()]
    found: dict[str, list[dict]] = {}
    for row in table.to_dict("records"):
        found.setdefault(row["new_la_code"], []).append(
            {
                "rank": int(row["neighbour_rank"]),
                "old_la_code": row["neighbour_old_la_code"],
                "new_la_code": row["neighbour_new_la_code"],
                "la_name": row["neighbour_la_name"],
            }
        )
    return {code: sorted(rows, key=lambda r: r["rank"]) for code, rows in found.items()}


def comparison_of(package: SitePackage) -> dict[tuple[str, str, str], dict]:
    """``(new_la_code, measure, year) -> la_comparison row`` (the ranks and comparators)."""
    if not package.has_table("la_comparison"):
        return {}
    table = package.table("la_comparison")
    return {
        (row["new_la_code"], row["measure"], row["time_period"]): row
        for row in table.to_dict("records")
    }


def la_headline(
    figures: HeadlineFigures, la: dict, comparison: dict[tuple[str, str, str], dict]
) -> list[dict]:
    """The LA's headline figures by measure and year, with region and England beside them."""
    intervals, regions, england = figures.la_intervals, figures.regions, figures.england
    rows = []
    for measure in figures.measures:
        for year in figures.years:
            key = (la["new_la_code"], measure, year)
            if key not in intervals:
                continue
            cohort, number, percent, lower, upper = intervals[key]
            compared = comparison.get(key, {})
            rows.append(
                {
                    "measure": measure,
                    "year": year,
                    "cohort": cell(cohort),
                    "number": cell(number),
                    "percent": cell(percent),
                    "lower": cell(lower),
                    "upper": cell(upper),
                    "region": cell(regions.get((la["region_code"], measure, year), "")),
                    "england": cell(england.get(("", measure, year), "")),
                    "neighbour_average": cell(compared.get("neighbour_average_percent", "")),
                    "rank_among_las": cell(compared.get("rank_among_las", "")),
                    "quartile_band": compared.get("quartile_band") or None,
                }
            )
    return rows


def table_columns(package: SitePackage, name: str) -> tuple[list[str], list[str]]:
    """The filter and indicator columns of a table, from its ``.meta.csv``, by the pipeline's
    names (those the package reader gives the table; see :func:`internal_column`)."""
    meta = read_csv_text(package.folder / "data" / f"{name}.meta.csv")
    names = [internal_column(name, column) for column in meta["col_name"]]
    kinds = meta["col_type"].tolist()
    filters = [c for c, kind in zip(names, kinds, strict=True) if kind == "Filter"]
    indicators = [c for c, kind in zip(names, kinds, strict=True) if kind == "Indicator"]
    return filters, indicators


def cell_text(value: float | int | str | None) -> str:
    """:func:`json_text` of a :func:`cell` value, without the encoder's per-call cost.

    The JSON encoder writes a string with ``encode_basestring``, a number as its ``repr``
    and ``None`` as ``null``; a cell is never NaN or infinite (:data:`NUMBER`).
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    return repr(value)


def column_texts(key: str, texts: list[str], indicator: bool) -> list[str]:
    """``"key":value`` JSON members of one column: the text as it is for a filter, the
    :func:`cell` value for an indicator; each distinct text is encoded once."""
    prefix = json_text(key) + ":"
    if indicator:
        members = {text: prefix + cell_text(cell(text)) for text in set(texts)}
    else:
        members = {text: prefix + encode_basestring(text) for text in set(texts)}
    return [members[text] for text in texts]


def table_rows_text(part: pd.DataFrame, filters: list[str], indicators: list[str]) -> str:
    """One table's rows as a JSON array of objects, the text :func:`dump` would write.

    Each object holds ``time_period``, the filters as text and the indicators as :func:`cell`
    values, in that order (a column named twice keeps its first place and its last role).
    The text is built column by column, which is much faster than encoding one dictionary
    per row.
    """
    roles = {"time_period": False} | dict.fromkeys(filters, False) | dict.fromkeys(indicators, True)
    members = [column_texts(key, part[key].tolist(), indicator) for key, indicator in roles.items()]
    return "[{" + "},{".join(map(",".join, zip(*members, strict=True))) + "}]"


def la_tables_text(package: SitePackage, extract: LaExtract, columns: dict) -> str:
    """Every LA row of every table in the LA's extract, by table, as JSON text: an object
    ``{table: {"filters": [...], "indicators": [...], "rows": [...]}}`` in table name order.

    ``columns`` caches :func:`table_columns` by table name across LAs.
    """
    parts = []
    for name in sorted(extract.tables):
        if name not in columns:
            columns[name] = table_columns(package, name)
        filters, indicators = columns[name]
        rows = table_rows_text(extract.tables[name], filters, indicators)
        head = json_text({"filters": filters, "indicators": indicators})
        parts.append(f'{json_text(name)}:{head[:-1]},"rows":{rows}}}')
    return "{" + ",".join(parts) + "}"


def common(package: SitePackage) -> dict:
    """The fields every API document starts with."""
    return {"api": API_VERSION, "version": package.version, "synthetic": package.synthetic}


class VersionWriter:
    """Writes one version's LA documents and headline document from its own package.

    :meth:`write` writes them all; a caller can write the LA documents itself (:meth:`write_las`,
    or :meth:`write_la` with an extract it has read) and call :meth:`finish` at the end.
    """

    def __init__(self, package: SitePackage, out: Path) -> None:
        self.package = package
        self.out = out
        self.figures = HeadlineFigures(package)
        self.neighbours = neighbours_of(package)
        self.comparison = comparison_of(package)
        self.columns: dict = {}
        self.las = package.geography.to_dict("records")
        self.by_code = {la["old_la_code"]: la for la in self.las}

    def write_la(self, old_la_code: str, extract: LaExtract) -> None:
        """Write ``<version>/la/<new_la_code>.json`` of one LA from its extract."""
        package, la = self.package, self.by_code[old_la_code]
        document = common(package) | {
            "release": {"title": package.release_title, "date": package.release_date},
            "la": {key: la[key] for key in LA_KEYS} | {"page": la["page"]},
            "neighbours": self.neighbours.get(la["new_la_code"], []),
            "headline": la_headline(self.figures, la, self.comparison),
        }
        tables = la_tables_text(package, extract, self.columns)
        path = self.out / package.version / "la" / f"{la['new_la_code']}.json"
        dump(path, document, ("tables", tables))

    def finish(self) -> int:
        """Write ``<version>/headline.json`` and ``<version>/headline/<measure>.json``; return
        the LA count."""
        folder = self.out / self.package.version
        dump(folder / "headline.json", headline_document(self.figures, self.las, self.neighbours))
        for measure in self.figures.measures:
            document = headline_document(self.figures, self.las, self.neighbours, [measure])
            dump(folder / HEADLINE_FOLDER / f"{measure}.json", document)
        return len(self.las)

    def write_las(self) -> None:
        """Write ``<version>/la/*.json``, every LA's document, each from its extract."""
        for la in self.las:
            code = la["old_la_code"]
            self.write_la(code, LaExtract(self.package.la_extract(code)))

    def write(self) -> int:
        """Write ``<version>/la/*.json``, ``<version>/headline.json`` and
        ``<version>/headline/<measure>.json``; return the LA count."""
        self.write_las()
        return self.finish()


def headline_document(
    figures: HeadlineFigures, las: list[dict], neighbours: dict, measures: list[str] | None = None
) -> dict:
    """The compact headline document: every LA's percent and interval by measure and year.

    ``measures`` limits it to some headline measures (default: all of them, in their order).
    """
    years = figures.years
    measures = measures or figures.measures
    intervals = figures.la_intervals
    rows = []
    for la in las:
        values = {}
        for measure in measures:
            values[measure] = [
                [cell(v) for v in intervals[(la["new_la_code"], measure, year)][2:]]
                if (la["new_la_code"], measure, year) in intervals
                else [None, None, None]
                for year in years
            ]
        rows.append(
            {key: la[key] for key in LA_KEYS}
            | {
                "page": la["page"],
                "neighbours": [n["new_la_code"] for n in neighbours.get(la["new_la_code"], [])],
                "values": values,
            }
        )
    regions: dict[str, dict] = {}
    for (code, measure, year), value in figures.regions.items():
        if measure not in measures:
            continue
        regions.setdefault(code, {}).setdefault(measure, {})[year] = cell(value)
    return common(figures.package) | {
        "years": years,
        "measures": measures,
        "columns": HEADLINE_COLUMNS,
        "las": rows,
        "regions": {
            code: {m: [by_year.get(y) for y in years] for m, by_year in per.items()}
            for code, per in regions.items()
        },
        "england": {
            measure: [cell(figures.england.get(("", measure, year), "")) for year in years]
            for measure in measures
        },
    }


def index_document(package: SitePackage, written: dict[str, bool]) -> dict:
    """``api/v1/index.json``: versions (with their folders when written), LAs and measures."""
    versions = [
        {
            "version": v.version,
            "date": v.date,
            "title": v.title,
            "la_folder": f"{v.version}/la/" if written.get(v.version) else None,
            "headline": f"{v.version}/headline.json" if written.get(v.version) else None,
            "headline_by_measure": (
                f"{v.version}/{HEADLINE_FOLDER}/" if written.get(v.version) else None
            ),
        }
        for v in package.versions()
    ]
    las = [
        {key: la[key] for key in LA_KEYS} | {"page": la["page"]}
        for la in package.geography.to_dict("records")
    ]
    return {"api": API_VERSION, "synthetic": package.synthetic, "latest": package.version} | {
        "versions": versions,
        "las": las,
        "measures": measures_list(package),
        "symbols": dict(SYMBOLS),
    }


def api_folder(site_dir: Path) -> Path:
    """Where the API is written in the site: ``site_dir/api/v1/``."""
    return Path(site_dir) / API_ROOT


def archive_api(out: Path, archive: Path, version: str) -> bool:
    """Copy ``out/<version>/`` (a version's written documents) into ``archive/<version>/``
    unless it is there.

    Returns True when archived now, False when it already was (the archived files are then
    left exactly as they are; written atomically by :func:`~pipeline.site.frozen.archive_once`).
    """
    if not archive_once(archive, version, partial(shutil.copytree, out / version)):
        return False
    log.info("api: version %s archived in %s", version, archive / version)
    return True


def archived_api(archive: Path, version: str, out: Path) -> bool:
    """Copy the archived documents of ``version`` into ``out/<version>/`` (bytes unchanged);
    False when the archive has none."""
    source = archive / version
    if not source.is_dir():
        return False
    shutil.copytree(source, out / version)
    return True


def write_older(version: VersionInfo, out: Path, archive: Path | None) -> bool:
    """Publish an older version's documents in ``out/<version>/``: copied from ``archive``
    when it holds them, else written from the version's own package (and archived when an
    ``archive`` is given). Returns whether the version has documents."""
    if archive is not None and archived_api(archive, version.version, out):
        return True
    assert version.folder is not None
    written = VersionWriter(SitePackage.open(version.folder), out).write() > 0
    if written and archive is not None:
        archive_api(out, archive, version.version)
    return written


def write_api(
    package: SitePackage,
    site_dir: Path,
    current: VersionWriter | None = None,
    archive: Path | None = None,
) -> Path:
    """Write the whole API under ``site_dir/api/v1/`` and return that folder.

    The current version is written from ``package``: by ``current`` when given, whose LA
    documents have been written already (see :class:`VersionWriter`). Every older version whose
    package folder is at hand is copied from ``archive`` (the documents kept when it was first
    written, see :func:`archive_api`) or, when ``archive`` is None or holds none of it, written
    from its own package (a version that cannot be read is listed with no folder, and the
    reason logged).
    """
    out = api_folder(site_dir)
    writer = current or VersionWriter(package, out)
    written = {package.version: (writer.finish() if current else writer.write()) > 0}
    for version in package.versions():
        if version.version in written or version.folder is None:
            continue
        try:
            written[version.version] = write_older(version, out, archive)
        except (PackageError, KeyError) as error:
            log.warning("api: version %s not written (%s)", version.version, error)
            written[version.version] = False
    for name, schema in SCHEMAS.items():
        dump(out / "schema" / name, schema)
    dump(out / "index.json", index_document(package, written))
    return out
