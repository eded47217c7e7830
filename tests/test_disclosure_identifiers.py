"""scan_for_identifiers / audit_files: no child-level identifier in any output file."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from pipeline.disclosure import DisclosureError, audit_files, scan_for_identifiers

CLEAN_CSV = (
    "time_period,geographic_level,old_la_code,new_la_code,breakdown,number,percent\n"
    "2024,Local authority,886,E10000016,Total,1320,10.416667\n"
    "2024,Local authority,886,E10000016,Under 1,c,c\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _package(folder: Path) -> Path:
    """A small clean output folder: CSV, schema JSON, Markdown and HTML."""
    _write(folder, "data/stability_measures.csv", CLEAN_CSV)
    schema = {
        "name": "stability-index",
        "resources": [
            {
                "name": "stability_measures",
                "hash": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "schema": {"fields": [{"name": "number", "type": "integer"}]},
            }
        ],
    }
    _write(folder, "datapackage.json", json.dumps(schema))
    _write(folder, "release-note.md", "| Table | Cells |\n|---|---:|\n| stability_measures | 2 |\n")
    _write(folder, "index.html", "<table><tr><th>Area</th><th>Number</th></tr></table>")
    return folder


def test_a_clean_package_passes(tmp_path: Path) -> None:
    folder = _package(tmp_path)
    assert scan_for_identifiers([folder]) == []
    assert audit_files(folder) == 0


def test_a_planted_upn_in_a_csv_is_found_with_its_row_and_column(tmp_path: Path) -> None:
    folder = _package(tmp_path)
    _write(folder, "data/extra.csv", CLEAN_CSV.replace("Under 1", "A123456789012"))
    problems = scan_for_identifiers([folder])
    assert len(problems) == 1
    assert "extra.csv, row 3, column 'breakdown'" in problems[0]
    assert "'A123456789012' looks like a UPN" in problems[0]
    with pytest.raises(DisclosureError, match="child-level identifiers found"):
        audit_files(folder)


@pytest.mark.parametrize("header", ["CHILD", "child", "Upn", " DOB", "sw_id", "PL_POST"])
def test_an_identifier_column_in_a_csv_is_found(tmp_path: Path, header: str) -> None:
    path = _write(tmp_path, "t.csv", f"LA,{header},number\n886,1,12\n")
    problems = scan_for_identifiers([path])
    assert problems == [f"{path}: column {header!r} is a child-level identifier"]


def test_postcodes_in_markdown_and_identifier_headers_in_html_and_json(tmp_path: Path) -> None:
    note = _write(tmp_path, "note.md", "Placed at SW1A 1AA last year.\n")
    page = _write(tmp_path, "page.html", "<table><tr><th>HOME_POST</th></tr></table>")
    schema = _write(
        tmp_path, "datapackage.json", json.dumps({"fields": [{"name": "UPN", "type": "string"}]})
    )
    table = _write(tmp_path, "table.md", "| la | CHILD |\n|---|---|\n| 886 | 12 |\n")
    problems = scan_for_identifiers([note, page, schema, table])
    assert len(problems) == 4
    assert "'SW1A 1AA' looks like a postcode" in problems[0]
    assert "table header 'HOME_POST' is an identifier" in problems[1]
    assert "names the child-level identifier 'UPN'" in problems[2]
    assert "table column 'CHILD' is an identifier" in problems[3]


def test_codes_that_are_not_identifiers_are_not_flagged(tmp_path: Path) -> None:
    # ONS codes, DfE LA codes, years, percentages, hashes and a reason code written as a value
    text = "code,value\nE10000016,2024\nE92000001,10.416667\nCHILD,123456789012\n"
    assert scan_for_identifiers([_write(tmp_path, "ok.csv", text)]) == []


def test_xlsx_text_is_scanned(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>UPN</t></si><si><t>B987654321098</t></si></sst>"
    )
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("xl/sharedStrings.xml", strings)
    problems = scan_for_identifiers([book])
    assert len(problems) == 2
    assert "cell text 'UPN' is an identifier name" in problems[0]
    assert "looks like a UPN" in problems[1]


SCREEN_CASES = [
    "A123456789012",
    "x A123456789012.",
    "AA123456789012",
    "A1234567890123",
    "a123456789012",
    "SW1A 1AA",
    "SW1A1AA",
    "(M1 1AE)",
    "GIR 0AA",
    "E10000016",
    "E92000001",
    "10.416667",
    "CR0 2JA,",
    "QX1 1AA",
    "Kent",
    "",
    "é SW1A 1AA é",
    "line one\nB1 1BB",
]


@pytest.mark.parametrize("text", SCREEN_CASES)
def test_the_vectorised_screen_agrees_with_the_python_patterns(text: str) -> None:
    import pyarrow as pa

    from pipeline.disclosure.identifiers import POSTCODE_PATTERN, UPN_PATTERN, screen_values

    expected = bool(UPN_PATTERN.search(text) or POSTCODE_PATTERN.search(text))
    assert screen_values(pa.array([text])).to_pylist() == [expected]


def test_several_planted_values_are_reported_in_row_then_column_order(tmp_path: Path) -> None:
    text = (
        'la,name,note\n886,"Kent, SW1A 1AA",ok\n887,Medway,"two\nlines A123456789012"\n'
        "888,B987654321098,M1 1AE\n"
    )
    problems = scan_for_identifiers([_write(tmp_path, "many.csv", text)])
    assert [p.split(": ")[0].split(", ", 1)[1] for p in problems] == [
        "row 2, column 'name'",
        "row 3, column 'note'",
        "row 4, column 'name'",
        "row 4, column 'note'",
    ]
    assert "'SW1A 1AA' looks like a postcode" in problems[0]
    assert "'M1 1AE' looks like a postcode" in problems[3]


def test_a_ragged_csv_is_still_scanned_cell_by_cell(tmp_path: Path) -> None:
    text = "la,name\n886\n887,A123456789012,extra\n888,SW1A 1AA\n"
    problems = scan_for_identifiers([_write(tmp_path, "ragged.csv", text)])
    assert len(problems) == 2
    assert "row 3, column 'name'" in problems[0]
    assert "row 4, column 'name'" in problems[1]


def test_a_header_spanning_lines_does_not_shift_the_rows(tmp_path: Path) -> None:
    text = 'la,"long\nname"\n886,Kent\n887,A123456789012\n'
    problems = scan_for_identifiers([_write(tmp_path, "multiline.csv", text)])
    assert len(problems) == 1
    assert "row 3, column 'long\\nname'" in problems[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # CRLF line ends, the header read as the csv module reads it
        (b"area,upn\r\nE1,2\r\n", ["{path}: column 'upn' is a child-level identifier"]),
        # a UPN after bytes that are not UTF-8 (read with replacement characters)
        (
            b"a,b\n\xff\xfeA123456789012,2\n",
            ["{path}, row 2, column 'a': value 'A123456789012' looks like a UPN"],
        ),
        # a lone carriage return ends the header row
        (
            b"a,b\rSW1A 1AA,x\n",
            ["{path}, row 2, column 'a': value 'SW1A 1AA' looks like a postcode"],
        ),
        # a file with one header line and no line end
        (b"sw_id", ["{path}: column 'sw_id' is a child-level identifier"]),
        (b"", []),
        # text that is not ASCII beside a planted postcode
        (
            "na\u00efve,b\n\u00e9,SW1A 1AA\n".encode(),
            ["{path}, row 2, column 'b': value 'SW1A 1AA' looks like a postcode"],
        ),
    ],
)
def test_csv_bytes_are_scanned_as_their_decoded_text(
    tmp_path: Path, data: bytes, expected: list[str]
) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(data)
    assert scan_for_identifiers([path]) == [line.format(path=path) for line in expected]
