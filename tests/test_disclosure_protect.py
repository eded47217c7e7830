"""protect(): primary and secondary suppression, cohorts, derived cells and formatting."""

from __future__ import annotations

import pandas as pd
import pytest
from test_disclosure_fixtures import (
    COUNT,
    breakdown_table,
    cell,
    grid_table,
    make_table,
)

from pipeline.disclosure import DisclosureError, audit, protect
from pipeline.published import Filter, Indicator


def test_primary_alone_would_leak_so_the_next_smallest_cell_is_suppressed() -> None:
    table = breakdown_table({"E": {"Total": 40, "A": 3, "B": 9, "C": 7, "D": 0, "F": 21}})
    protected, summary = protect({"breakdowns": table})
    out = protected["breakdowns"]
    # A (3) is primary; C (7) is the smallest non-zero other item, so it goes too
    assert [cell(out, "E", breakdown=b) for b in ["Total", "A", "B", "C", "D", "F"]] == [
        "40", "c", "9", "c", "0", "21",
    ]  # fmt: skip
    assert audit(protected).suppressed_counts == 2
    reasons = dict(zip(summary.counts["reason"], summary.counts["cells"], strict=True))
    assert reasons == {
        "primary: a count of 1 to 5": 1,
        "secondary: the only other suppressed cell of a group adding up to a total": 1,
    }


def test_no_extra_cell_when_the_primary_cells_already_hide_each_other() -> None:
    # the total (3) and A (3) are both primary: A = Total, but neither is known, and the
    # zero in B needs no hiding
    table = breakdown_table({"E": {"Total": 3, "A": 3, "B": 0}})
    out = protect({"t": table})[0]["t"]
    assert [cell(out, "E", breakdown=b) for b in ["Total", "A", "B"]] == ["c", "c", "0"]
    audit({"t": out})


def test_input_tables_are_not_changed() -> None:
    table = breakdown_table({"E": {"Total": 8, "A": 3, "B": 5}})
    before = table.frame.copy()
    protect({"t": table})
    pd.testing.assert_frame_equal(table.frame, before)


def test_la_region_england_hierarchy_is_protected_together_with_breakdowns() -> None:
    table = grid_table(
        {
            ("R1/101", "A"): 3,
            ("R1/101", "B"): 40,
            ("R1/102", "A"): 20,
            ("R1/102", "B"): 35,
            ("R1/103", "A"): 30,
            ("R1/103", "B"): 31,
            ("R2/201", "A"): 50,
            ("R2/201", "B"): 60,
            ("R2/202", "A"): 45,
            ("R2/202", "B"): 44,
        },  # fmt: skip
        ["A", "B"],
    )
    out = protect({"grid": table})[0]["grid"]
    # LA 101's A is primary; its own breakdown group needs B, region R1's A group needs
    # the smallest other LA (102), and LA 102 then needs its B: a closed rectangle
    hidden = {
        (area, b)
        for area in ["E", "R1", "R2", "R1/101", "R1/102", "R1/103", "R2/201", "R2/202"]
        for b in ["Total", "A", "B"]
        if cell(out, area, breakdown=b) == "c"
    }
    assert hidden == {("R1/101", "A"), ("R1/101", "B"), ("R1/102", "A"), ("R1/102", "B")}
    assert audit({"grid": out}).suppressed_counts == 4


def test_not_available_la_is_absent_from_its_region_group() -> None:
    # R2 = LA 201 (4, primary) + LA 203 (10); LA 202 did not supply the data (x), so it is
    # not in R2's group and cannot be used to protect LA 201: LA 203 is suppressed instead
    table = breakdown_table(
        {
            "E": {"Total": 114},
            "R1": {"Total": 100},
            "R2": {"Total": 14},
            "R1/101": {"Total": 60},
            "R1/102": {"Total": 40},
            "R2/201": {"Total": 4},
            "R2/202": {"Total": "x"},
            "R2/203": {"Total": 10},
        }
    )
    out = protect({"t": table})[0]["t"]
    shown = {a: cell(out, a, breakdown="Total") for a in ["E", "R1", "R2", "R2/201", "R2/202"]}
    assert shown == {"E": "114", "R1": "100", "R2": "14", "R2/201": "c", "R2/202": "x"}
    assert cell(out, "R2/203", breakdown="Total") == "c"
    assert audit({"t": out}).suppressed_counts == 2


STABILITY_INDICATORS = [
    Indicator("cohort", "Children in the cohort"),
    Indicator("number", "Children with the flag"),
    Indicator(
        "percent", "Percent", "%", kind="percent", numerator="number", denominator="cohort",
        field_type="number",
    ),
    Indicator(
        "percent_lower_ci", "Lower", "%", kind="percent", numerator="number",
        denominator="cohort", field_type="number",
    ),
]  # fmt: skip
STABILITY_FILTERS = [
    Filter("measure", "Measure", additive=False),
    Filter("breakdown", "Breakdown"),
]


def _stability(rows: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    """National rows: measure -> breakdown -> (cohort, number)."""
    records = [
        (
            "E",
            {"measure": measure, "breakdown": item},
            {
                "cohort": cohort,
                "number": number,
                "percent": 100 * number / cohort if cohort else "z",
                "percent_lower_ci": 90 * number / cohort if cohort else "z",
            },
        )
        for measure, items in rows.items()
        for item, (cohort, number) in items.items()
    ]
    return make_table("stability", records, STABILITY_FILTERS, STABILITY_INDICATORS)


def test_a_cohort_repeated_across_measures_is_suppressed_in_every_row() -> None:
    # m1 and m2 share the cohort except in category A (m2's school cohort has nobody there)
    table = _stability(
        {
            "m1": {"Total": (30, 12), "A": (3, 0), "B": (12, 6), "C": (15, 6)},
            "m2": {"Total": (27, 13), "A": (0, 0), "B": (12, 6), "C": (15, 7)},
        }
    )
    protected, summary = protect({"stability": table})
    out = protected["stability"]

    def cohorts(measure: str) -> list[object]:
        return [
            cell(out, "E", "cohort", measure=measure, breakdown=b) for b in ["Total", "A", "B", "C"]
        ]

    # m1: A is primary and B (smallest) secondary; B's cohort of 12 is the same children in
    # m2, so it is hidden there too, and m2 then needs C (and so m1's C). A reader who knows
    # B and C are shared would still get m1's A as 30 - 27, so m1's total is hidden as well.
    assert cohorts("m1") == ["c", "c", "c", "c"]
    assert cohorts("m2") == ["27", "0", "c", "c"]
    reasons = set(summary.counts["reason"])
    assert "secondary: the same cohort is suppressed in another row" in reasons
    assert "secondary: otherwise recoverable from published totals (linear algebra check)" in (
        reasons
    )
    audit(protected)


def test_percents_and_intervals_follow_their_counts() -> None:
    table = _stability(
        {"m1": {"Total": (48, 20), "A": (8, 6), "B": (40, 14)}, "m2": {"Total": (7, 0)}},
    )
    out = protect({"stability": table})[0]["stability"]
    # A: number 6 and cohort 8 are both published, so the percent (75%) and its interval are
    # too: they say nothing the two counts do not (a cohort under 10 is no longer a reason)
    assert cell(out, "E", "cohort", measure="m1", breakdown="A") == "8"
    assert cell(out, "E", "number", measure="m1", breakdown="A") == "6"
    assert cell(out, "E", "percent", measure="m1", breakdown="A") == "75.000000"
    assert cell(out, "E", "percent_lower_ci", measure="m1", breakdown="A") == "67.500000"
    # "0 of 7 children" (the Isles of Scilly case): 0% is published beside its counts
    assert cell(out, "E", "percent", measure="m2", breakdown="Total") == "0.000000"
    assert cell(out, "E", "percent", measure="m1", breakdown="Total") == "41.666667"
    assert cell(out, "E", "percent_lower_ci", measure="m1", breakdown="Total") == "37.500000"

    small = _stability({"m1": {"Total": (48, 4), "A": (20, 0), "B": (28, 4)}})
    out = protect({"stability": small})[0]["stability"]
    for column in ["number", "percent", "percent_lower_ci"]:
        assert cell(out, "E", column, measure="m1", breakdown="B") == "c"
        assert cell(out, "E", column, measure="m1", breakdown="Total") == "c"


def test_a_not_applicable_percent_follows_its_suppressed_cohort() -> None:
    # A's cohort of 0 arrives suppressed: its z would say "0", so it becomes c as well,
    # while B's z beside a published cohort of 0 stays z (nothing is hidden there)
    table = _stability({"m1": {"Total": (30, 12), "A": (0, 0), "B": (0, 0), "C": (30, 12)}})
    frame = table.frame
    frame["cohort"] = frame["cohort"].astype(object)
    frame.loc[frame["breakdown"] == "A", "cohort"] = "c"
    out = protect({"stability": table})[0]["stability"]
    assert cell(out, "E", "percent", measure="m1", breakdown="A") == "c"
    assert cell(out, "E", "percent_lower_ci", measure="m1", breakdown="A") == "c"
    assert cell(out, "E", "percent", measure="m1", breakdown="B") == "z"
    audit({"stability": out})


def test_interval_columns_without_metadata_follow_their_percent_by_name() -> None:
    indicators = [
        Indicator("number", "Number"),
        Indicator("rate", "Rate", kind="rate", numerator="number", field_type="number"),
        Indicator("rate_upper_ci", "Upper", kind="rate", field_type="number"),
    ]
    records = [
        ("E", {"band": "Total"}, {"number": 20, "rate": 2.0, "rate_upper_ci": 2.5}),
        ("E", {"band": "A"}, {"number": 2, "rate": 0.2, "rate_upper_ci": 0.3}),
        ("E", {"band": "B"}, {"number": 18, "rate": 1.8, "rate_upper_ci": 2.2}),
    ]
    table = make_table("rates", records, [Filter("band", "Band")], indicators)
    out = protect({"rates": table})[0]["rates"]
    assert list(out.frame["rate_upper_ci"]) == ["2.500000", "c", "c"]


def test_numbers_are_formatted_deterministically() -> None:
    indicators = [
        Indicator("number", "Number"),
        Indicator("share", "Share", "%", kind="percent", numerator="number", field_type="number"),
        Indicator("label", "Label", kind="text", field_type="string"),
        Indicator("las", "LAs", kind="rate", field_type="integer"),
    ]
    records = [
        ("E", {}, {"number": 48.0, "share": 10.41666666, "label": "As expected", "las": 3.0}),
        ("R1", {}, {"number": 1e6, "share": -1e-9, "label": "z", "las": 1.0}),
        ("R2", {}, {"number": 0, "share": 1e-7 * 3, "label": "x", "las": "x"}),
    ]
    out = protect({"f": make_table("f", records, [], indicators)})[0]["f"].frame
    assert list(out["number"]) == ["48", "1000000", "0"]
    assert list(out["share"]) == ["10.416667", "0.000000", "0.000000"]
    assert list(out["label"]) == ["As expected", "z", "x"]
    assert list(out["las"]) == ["3", "1", "x"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "row 2, column 'number'"),
        ("~", "neither a number nor one of the symbols"),
        (2.5, "not a whole number"),
        (-3, "not a whole number >= 0"),
    ],
)
def test_bad_cells_are_clear_errors(value: object, message: str) -> None:
    table = breakdown_table({"E": {"Total": 10, "A": value, "B": 4}})
    with pytest.raises(DisclosureError, match=message):
        protect({"t": table})


def test_wrong_metadata_is_a_clear_error() -> None:
    bad = Indicator("percent", "Percent", kind="percent", numerator="children")
    table = make_table("m", [("E", {}, {"number": 10, "percent": 1.0})], [], [COUNT, bad])
    with pytest.raises(DisclosureError, match="numerator 'children' is not a numeric indicator"):
        protect({"m": table})


def test_summary_table_and_release_note() -> None:
    table = breakdown_table({"E": {"Total": 40, "A": 3, "B": 9, "C": 28, "D": "x"}})
    _, summary = protect({"breakdowns": table})
    published = summary.to_table()
    frame = published.frame
    assert published.name == "suppression_summary"
    assert set(frame["geographic_level"]) == {"National"}
    cells = {(r.table_name, r.symbol.split(" ")[0]): r.cells for r in frame.itertuples()}
    assert "c (suppressed to protect confidentiality)" in set(frame["symbol"])
    assert cells == {
        ("Total", "Total"): "3",
        ("Total", "c"): "2",
        ("Total", "x"): "1",
        ("breakdowns", "Total"): "3",
        ("breakdowns", "c"): "2",
        ("breakdowns", "x"): "1",
    }
    note = summary.to_markdown()
    assert "| breakdowns | `c` | primary: a count of 1 to 5 | 1 | 20.0% |" in note
    assert "| breakdowns | `x` | not available | 1 | 20.0% |" in note
