"""LA self-service end to end: the hand-made LA extract through ``build_la_report``.

The extract (tests/fixtures/la_extract/MY903) has no LA column, messy column names, mixed date
formats and lower-case codes; its hand-worked placement moves are in ``expected.yaml``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.disclosure import audit_files
from pipeline.inputs import load
from pipeline.inputs.columns import canonical_column_name
from pipeline.measures import compute_measures
from pipeline.self_service import build_la_report
from pipeline.self_service.figures import HEADLINE_MEASURES, la_tables
from pipeline.self_service.report_page import INTERNAL_BANNER
from pipeline.symbols import SYMBOLS

EXTRACT = Path(__file__).parent / "fixtures" / "la_extract"
INPUTS = EXTRACT / "MY903"
EXPECTED = yaml.safe_load((EXTRACT / "expected.yaml").read_text(encoding="utf-8"))
LABELS = {
    "placement_2plus": "2 or more placement moves",
    "school_midyear": "Mid-year school move",
    "sw_2plus": "2 or more social worker changes",
    "multiple_any": "Multiple changes in one or more areas",
    "no_change": "No change of placement, school or social worker",
    "long_term_stable": "Long-term stability (same carer for 2 years or more)",
}


class TableReader(HTMLParser):
    """Collects every table of a page as ``{caption: [[cell text, ...], ...]}``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.caption: str | None = None
        self.rows: list[list[str]] = []
        self.text: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.caption, self.rows = "", []
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.text is not None:
            self.rows[-1].append(" ".join("".join(self.text).split()))
            self.text = None
        elif tag == "table":
            self.tables[self.caption or ""] = self.rows

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.caption = (self.caption or "") + data
        elif self.text is not None:
            self.text.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(html)
    return {" ".join(k.split()): v for k, v in reader.tables.items()}


def headline_rows(html: str, year: int) -> dict[str, list[str]]:
    """The report's headline table of ``year``: label -> cells."""
    caption = next(c for c in tables_of(html) if c.startswith("Headline") and f"year {year})" in c)
    return {row[0]: row[1:] for row in tables_of(html)[caption][1:]}


@dataclass
class Run:
    code: int
    report: Path
    html: str
    explain: Path | None
    output: str


@pytest.fixture(scope="module")
def package(sample_package: Path) -> Path:
    """The sample published package (Camden 202 is in it, with neighbours and a region)."""
    return sample_package


@pytest.fixture(scope="module")
def internal_run(tmp_path_factory: pytest.TempPathFactory, package: Path) -> Run:
    """Kent's extract without --publish and without --report (default path), with --explain."""
    folder = tmp_path_factory.mktemp("internal")
    here = Path.cwd()
    os.chdir(folder)
    try:
        code = build_la_report(
            INPUTS, la="886", compare=package, report=None, publish=False, explain=Path("ex.csv")
        )
    finally:
        os.chdir(here)
    report = folder / "la-report-886" / "index.html"
    return Run(code, report, report.read_text(encoding="utf-8"), folder / "ex.csv", "")


@pytest.fixture(scope="module")
def publish_run(tmp_path_factory: pytest.TempPathFactory, package: Path) -> Run:
    """The same extract run as Camden (202, in the sample package) with --publish."""
    report = tmp_path_factory.mktemp("publish") / "camden.html"
    code = build_la_report(
        INPUTS, la="202", compare=package, report=report, publish=True, explain=None
    )
    return Run(code, report, report.read_text(encoding="utf-8"), None, "")


@pytest.fixture(scope="module")
def own_figures() -> pd.DataFrame:
    """Kent's unsuppressed stability measures, computed here from the extract."""
    tables, report = load(INPUTS, la="886")
    assert tables is not None
    result = compute_measures(tables)
    return la_tables(result, tables)["stability_measures"].frame


@pytest.fixture(scope="module")
def published_figures() -> pd.DataFrame:
    """The extract's stability measures as Camden (202) after disclosure control of its rows."""
    from pipeline.disclosure import audit, protect
    from pipeline.self_service.figures import only_la_rows

    tables, _ = load(INPUTS, la="202")
    assert tables is not None
    protected, _ = protect(only_la_rows(la_tables(compute_measures(tables), tables), "202"))
    audit(protected)
    return protected["stability_measures"].frame


def test_report_is_written_with_exit_code_zero(internal_run: Run, publish_run: Run) -> None:
    assert internal_run.code == 0 and internal_run.report.is_file()
    assert publish_run.code == 0 and publish_run.report.is_file()


def _la_total_rows(frame: pd.DataFrame, la: str) -> pd.DataFrame:
    rows = frame[
        (frame["geographic_level"] == "Local authority")
        & (frame["old_la_code"].astype(str) == la)
        & (frame["period"] == "During the year")
        & (frame["breakdown"] == "Total")
    ]
    return rows.set_index(["time_period", "measure"])


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize(
    ("run_name", "figures_name", "la"),
    [("internal_run", "own_figures", "886"), ("publish_run", "published_figures", "202")],
)
def test_report_numbers_equal_the_la_figures(
    run_name: str, figures_name: str, la: str, year: int, request: pytest.FixtureRequest
) -> None:
    shown = headline_rows(request.getfixturevalue(run_name).html, year)
    figures = _la_total_rows(request.getfixturevalue(figures_name), la)
    for measure in HEADLINE_MEASURES:
        row = figures.loc[(str(year), measure)]
        number, cohort, percent, interval = shown[LABELS[measure]][:4]
        assert number == _count(row["number"])
        assert cohort == _count(row["cohort"])
        mark = " (provisional)" if row["status"] == "provisional" else ""
        assert percent == _percent(row["percent"]) + mark
        if _percent(row["percent_lower_ci"]).endswith("%"):
            assert interval == (
                f"{_percent(row['percent_lower_ci'])} to {_percent(row['percent_upper_ci'])}"
            )
        else:
            assert interval == row["percent_lower_ci"]


def _count(cell: object) -> str:
    """How the report must show a count cell: the number with separators, or the symbol."""
    return cell if cell in ("c", "x", "z") else f"{int(cell):,}"


def _percent(cell: object) -> str:
    """How the report must show a percent cell: one decimal place, or the symbol."""
    return cell if cell in ("c", "x", "z") else f"{float(cell):.1f}%"


def test_hand_worked_placement_2plus_count_is_in_the_report(internal_run: Run) -> None:
    """Children with 2+ moves in the explain file = the report's 2+ placement moves number."""
    explain = pd.read_csv(internal_run.explain, comment="#", dtype=str)
    counted = explain[explain["counted"] == "Yes"].groupby(["YEAR", "CHILD"]).size()
    for year in (2023, 2024):
        children = int((counted.loc[str(year)] >= 2).sum())
        assert headline_rows(internal_run.html, year)[LABELS["placement_2plus"]][0] == str(children)


def national_inputs(folder: Path) -> Path:
    """England in small: Kent's files with an LA column plus a second LA (887 Medway) made of
    Kent's children whose code ends in an odd digit (so the two LAs differ)."""

    def normalised(path: Path) -> pd.DataFrame:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame.rename(columns=canonical_column_name)
        return frame.apply(lambda column: column.str.strip())

    headers = pd.concat([normalised(p) for p in INPUTS.rglob("header.csv")])
    medway = headers[headers["CHILD"].str[-1].isin(list("13579"))]
    for path in INPUTS.rglob("*.csv"):
        frame = normalised(path)
        if "CHILD" in frame:
            other = frame[frame["CHILD"].isin(set(medway["CHILD"]))]
        else:
            other = frame[frame["UPN"].isin(set(medway["UPN"]))]
        both = pd.concat([frame.assign(LA="886"), other.assign(LA="887")])
        target = folder / path.relative_to(INPUTS)
        target.parent.mkdir(parents=True, exist_ok=True)
        both.to_csv(target, index=False)
    return folder


def test_figures_match_the_national_build_for_the_same_la(
    tmp_path: Path, own_figures: pd.DataFrame
) -> None:
    """Kent's rows of a two-LA national aggregation equal the self-service figures, every
    period and breakdown (the other LA changes the region and England rows, not Kent's)."""
    from pipeline.aggregate.all_tables import compact_children
    from pipeline.aggregate.coverage import apply_coverage, source_years
    from pipeline.aggregate.stability import stability_measures

    tables, report = load(national_inputs(tmp_path / "england"))
    assert tables is not None, report.to_text()
    assert tables.las == ["886", "887"]
    children = compact_children(compute_measures(tables).children)
    national = apply_coverage(stability_measures(children, tables), source_years(tables)).frame
    key = ["time_period", "period", "measure", "breakdown_topic", "breakdown"]
    columns = ["cohort", "number", "percent", "percent_lower_ci", "percent_upper_ci", "status"]

    def la_rows(frame: pd.DataFrame) -> pd.DataFrame:
        rows = frame[
            (frame["geographic_level"] == "Local authority") & (frame["old_la_code"] == "886")
        ]
        return rows[key + columns].astype(str).sort_values(key).reset_index(drop=True)

    ours, theirs = la_rows(own_figures), la_rows(national)
    assert len(ours) > 50  # every measure and period, plus the LA breakdowns
    pd.testing.assert_frame_equal(ours, theirs)
    england = national[(national["geographic_level"] == "National")]
    assert not la_rows(
        england.assign(geographic_level="Local authority", old_la_code="886")
    ).equals(ours), "the second LA must change England's figures, or this test proves nothing"


@pytest.mark.parametrize("child", sorted(k for k in EXPECTED if k.startswith("LAC")))
def test_explain_lists_the_hand_worked_episodes(internal_run: Run, child: str) -> None:
    explain = pd.read_csv(internal_run.explain, comment="#", dtype=str)
    for year, expected in EXPECTED[child].items():
        rows = explain[(explain["CHILD"] == child) & (explain["YEAR"] == str(year))]
        if expected["moves"] < 2:
            assert rows.empty, f"{child} {year}: fewer than 2 moves, not explained"
            continue
        dates = pd.to_datetime(rows["DECOM"], format="%d/%m/%Y").dt.date
        counted = sorted(dates[rows["counted"] == "Yes"])
        not_counted = sorted(dates[rows["counted"] == "No"])
        assert counted == sorted(expected["counted"])
        assert not_counted == sorted(expected["not_counted"])
        assert rows["RNE"].notna().all() and rows["PLACE"].notna().all()


def test_explain_file_says_it_holds_child_identifiers(internal_run: Run) -> None:
    first = internal_run.explain.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# INTERNAL USE ONLY") and "CHILD" in first


def test_temporary_stay_rows_show_rne_place_and_rule(internal_run: Run) -> None:
    explain = pd.read_csv(internal_run.explain, comment="#", dtype=str)
    stay = explain[(explain["CHILD"] == "LAC10002") & (explain["DECOM"] == "10/08/2023")]
    assert stay[["RNE", "PLACE", "counted", "rule"]].values.tolist() == [
        ["P", "T1", "No", "temporary placement"]
    ]


def test_internal_report_carries_the_banner_and_title(internal_run: Run, publish_run: Run) -> None:
    html = internal_run.html
    assert re.search(r"<title>[^<]*INTERNAL, NOT SUPPRESSED</title>", html)
    assert html.count(INTERNAL_BANNER) >= 3  # top, print header and footer
    assert INTERNAL_BANNER not in publish_run.html
    assert "NOT SUPPRESSED" not in publish_run.html


FIXTURE_IDS = re.compile(r"LAC1\d{4}|SWK\d{4}")
UPN_LIKE = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{12}(?![A-Za-z0-9])")


def _fixture_values(column: str) -> set[str]:
    values = set()
    for path in INPUTS.rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame.rename(columns=canonical_column_name)
        if column in frame:
            values |= {v.strip() for v in frame[column] if v.strip()}
    return values


@pytest.mark.parametrize("run_name", ["publish_run", "internal_run"])
def test_no_identifier_reaches_a_report(run_name: str, request: pytest.FixtureRequest) -> None:
    run = request.getfixturevalue(run_name)
    assert audit_files(run.report) == 0
    assert not FIXTURE_IDS.search(run.html)
    assert not UPN_LIKE.search(run.html)
    for column in ("PL_POST", "HOME_POST", "DOB", "SW_ID"):
        leaked = {v for v in _fixture_values(column) if v in run.html}
        assert not leaked, f"{column} values in the report: {sorted(leaked)[:3]}"


def test_publish_suppresses_small_counts(publish_run: Run, internal_run: Run) -> None:
    """One child with 2+ social worker changes in 2024: shown internally, ``c`` when published."""
    label = LABELS["sw_2plus"]
    assert headline_rows(internal_run.html, 2024)[label][0] == "1"
    published = headline_rows(publish_run.html, 2024)[label]
    assert published[0] == "c" and published[2] == "c"


def test_report_cites_the_package_and_compares(publish_run: Run, package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    cited = f"{descriptor['title']}, version 1.0.0 (data package created {descriptor['created']})"
    assert escape(cited, quote=False) in publish_run.html
    published = pd.read_csv(package / "data" / "stability_measures.csv", dtype=str)
    compared = 0
    # two years: in so small a package most of one year's LA figures can be suppressed
    for year in (2023, 2024):
        camden = _la_total_rows(published, "202").xs(str(year))["children_percent"]
        london = published[
            (published["geographic_level"] == "Regional")
            & (published["region_name"] == "London")
            & (published["time_period"] == str(year))
            & (published["period"] == "During the year")
            & (published["breakdown"] == "Total")
        ].set_index("measure")["children_percent"]
        shown = headline_rows(publish_run.html, year)
        for measure, label in LABELS.items():
            if camden[measure] in SYMBOLS or london[measure] in SYMBOLS:
                continue  # a symbol: the figures compared are the published numbers
            assert shown[label][4] == f"{float(camden[measure]):.1f}%", (year, measure)
            assert shown[label][5] == f"{float(london[measure]):.1f}%", (year, measure)
            compared += 1
    assert compared >= 2


def test_published_report_suppresses_small_exclusion_and_warning_counts(
    publish_run: Run, internal_run: Run
) -> None:
    published, internal = tables_of(publish_run.html), tables_of(internal_run.html)
    caption = "Children left out, and why, by collection year"
    assert ["2024", "Short breaks only", "c"] in published[caption]
    assert ["2024", "Aged 18 or over at 31 March", "c"] in published[caption]
    assert ["2023", "Aged 5 or over, not matched to the school census", "31"] in published[caption]
    assert ["2024", "Short breaks only", "1"] in internal[caption]
    warnings = next(c for c in published if c.startswith("Validation warnings"))
    assert published[warnings][1][:2] == ["DUPLICATE_SW_EPISODE", "c"]


def test_published_cohorts_are_the_protected_cohorts(
    publish_run: Run, published_figures: pd.DataFrame
) -> None:
    cohorts = tables_of(publish_run.html)["Children in each cohort, by collection year"]
    figures = _la_total_rows(published_figures, "202")
    measures = ["placement_2plus", "school_midyear", "sw_2plus", "long_term_stable"]
    expected = [
        [year, *(_count(figures.loc[(year, m), "cohort"]) for m in measures)]
        for year in ("2023", "2024")
    ]
    assert cohorts[1:] == expected


def test_report_explains_exclusions_and_missing_census(internal_run: Run) -> None:
    tables = tables_of(internal_run.html)
    left_out = tables["Children left out, and why, by collection year"]
    assert ["2024", "Short breaks only", "1"] in left_out
    assert ["2024", "Aged 18 or over at 31 March", "1"] in left_out
    missing = tables["Tables missing from a year's return"]
    assert [row[:2] for row in missing[1:]] == [
        ["2023", "School census"],
        ["2023", "Social worker module"],
    ]
    read = {row[0]: row[1] for row in tables["Rows read from each input file"][1:]}
    assert read["2024/social_workers.csv"] == "61"
    warnings = {
        row[0]: row[1]
        for row in tables[
            "Validation warnings (the rows were used; see stability-index validate for each row)"
        ][1:]
    }
    assert warnings == {"DUPLICATE_SW_EPISODE": "1"}


def test_report_is_self_contained_and_structured(internal_run: Run, publish_run: Run) -> None:
    for html in (internal_run.html, publish_run.html):
        assert '<html lang="en-GB">' in html
        assert "<script" not in html and "<link" not in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        assert html.count("<table") == html.count("<caption>")
        headers = re.findall(r"<th\b[^>]*>", html)
        assert headers and all('scope="' in th for th in headers)


def test_invalid_input_returns_1_and_writes_nothing(
    tmp_path: Path, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "MY903"
    shutil.copytree(INPUTS, broken)
    episodes = broken / "2024" / "episodes.csv"
    text = episodes.read_text(encoding="utf-8")
    episodes.write_text(text.replace("01/12/2023", "31/02/2023", 1), encoding="utf-8")
    report, explain = tmp_path / "out" / "r.html", tmp_path / "out" / "ex.csv"
    code = build_la_report(
        broken, la="886", compare=package, report=report, publish=False, explain=explain
    )
    assert code == 1
    assert not (tmp_path / "out").exists()
    assert "DATE_FORMAT" in capsys.readouterr().err


def test_explain_with_publish_is_refused(tmp_path: Path) -> None:
    code = build_la_report(
        INPUTS,
        la="886",
        compare=None,
        report=tmp_path / "r.html",
        publish=True,
        explain=tmp_path / "ex.csv",
    )
    assert code == 1 and not list(tmp_path.iterdir())


def test_a_folder_that_is_not_a_package_is_refused(tmp_path: Path) -> None:
    code = build_la_report(
        INPUTS, la="886", compare=tmp_path, report=tmp_path / "r.html", publish=False, explain=None
    )
    assert code == 1 and not (tmp_path / "r.html").exists()


def test_inputs_holding_several_las_need_la(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    england = national_inputs(tmp_path / "england")
    report = tmp_path / "out" / "r.html"
    code = build_la_report(
        england, la=None, compare=None, report=report, publish=False, explain=None
    )
    assert code == 1 and not report.parent.exists()
    assert "886, 887" in capsys.readouterr().err


def test_two_years_of_returns_give_no_long_term_figure(own_figures: pd.DataFrame) -> None:
    """Kent's extract holds the 2023 and 2024 returns: long-term stability needs the two
    returns before the year, so both years show x; two-year figures exist for 2024 only."""
    totals = own_figures[own_figures["breakdown_topic"] == "Total"]
    long_term = totals[totals["measure"] == "long_term_stable"]
    assert sorted(set(long_term["time_period"])) == ["2023", "2024"]
    assert set(long_term["status"]) == {"not available"}
    assert set(long_term["percent"]) == {"x"} and set(long_term["number"]) == {"x"}
    two_year = totals[
        (totals["period"] == "Across two years") & (totals["measure"] == "placement_2plus")
    ]
    assert set(two_year["time_period"]) == {"2024"}
    assert set(two_year["status"]) == {"final"}


@pytest.mark.parametrize("which", ["internal", "publish"])
def test_report_names_missing_history_and_provisional_figures(
    which: str, internal_run: Run, publish_run: Run
) -> None:
    """Both reports (two years of returns) say why long-term stability is x and that 2024's
    school figure is provisional."""
    text = (internal_run if which == "internal" else publish_run).html
    assert "needs the 2021 return, for the placement history back to 31 March 2020" in text
    assert "needs the 2022 return, for the placement history back to 31 March 2021" in text
    assert "Mid-year school move: Provisional: waits for the summer school census of 2024" in text
    assert "(provisional)" in text
