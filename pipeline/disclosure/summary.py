"""How many cells hold each symbol, and why: the ``suppression_summary`` table and release note."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline import symbols
from pipeline.disclosure.symbol_reasons import REASON_LABELS
from pipeline.geography import COUNTRY_CODE, COUNTRY_NAME
from pipeline.published import (
    EES_TIME_GEOGRAPHY_COLUMNS,
    LEVEL_NATIONAL,
    TIME_IDENTIFIER,
    Filter,
    Indicator,
    PublishedTable,
)

TOTAL = "Total"
COUNT_COLUMNS = ["time_period", "table_name", "symbol", "reason", "cells"]

RULES_MARKDOWN = """\
Disclosure control follows the Department for Education's symbol convention:

- counts of 1 to 5 children (or events) are suppressed (`c`);
- within every group of cells that adds up to a published total (the categories of a
  breakdown, the items of a distribution, the local authorities of a region and the regions of
  England) no suppressed count can be worked out from the others: a second cell is suppressed
  where only one would be, and a linear-algebra check of every connected set of groups adds more
  where a combination of totals would still reveal a value;
- a cohort suppressed for one measure is suppressed for every measure that shares it;
- a percentage, interval or rate follows the counts it is built from: published when its
  number and cohort are both published, suppressed (`c`, one symbol for the figure and its
  interval) when either is;
- `x` marks figures not available (for example a local authority that did not supply the
  social worker module) and `z` figures that do not apply.

Percentages are published to six decimal places, so `low` (rounds to 0 but is not 0) is not
needed and is not used; nor is `u` (low reliability): the 95% confidence intervals show how
uncertain a percentage on a small cohort is. Both symbols stay
declared in every table schema.
"""


@dataclass
class SuppressionSummary:
    """Counts of symbol cells by collection year, table, symbol and reason."""

    #: Rows ``time_period, table_name, symbol, reason, cells`` (reason is a plain-English label).
    counts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COUNT_COLUMNS))
    #: Numeric indicator cells examined per table (for the release note's percentages).
    cells_checked: dict[str, int] = field(default_factory=dict)
    #: The primary-suppressed counts: table name -> ``(row, column)`` pairs (for the interval
    #: audit; never published).
    primary: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def to_table(self) -> PublishedTable:
        """The ``suppression_summary`` table: National rows, filters ``table_name`` and ``symbol``.

        Every year has a row per table and symbol, plus ``Total`` rows over tables, over symbols
        and over both, so each filter has its ``Total`` item.
        """
        base = self.counts.groupby(["time_period", "table_name", "symbol"], as_index=False)[
            "cells"
        ].sum()
        over_symbols = base.groupby(["time_period", "table_name"], as_index=False)["cells"].sum()
        over_tables = base.groupby(["time_period", "symbol"], as_index=False)["cells"].sum()
        overall = base.groupby(["time_period"], as_index=False)["cells"].sum()
        frame = pd.concat(
            [
                base,
                over_symbols.assign(symbol=TOTAL),
                over_tables.assign(table_name=TOTAL),
                overall.assign(table_name=TOTAL, symbol=TOTAL),
            ],
            ignore_index=True,
        )
        frame["table_order"] = frame["table_name"] != TOTAL
        frame["symbol_order"] = frame["symbol"] != TOTAL
        frame = frame.sort_values(
            ["time_period", "table_order", "table_name", "symbol_order", "symbol"],
            ignore_index=True,
        )
        # A bare symbol such as "c" in a filter cell would read as a missing value to
        # Table Schema (missingValues), so the filter items name the symbol in words too.
        frame["symbol"] = frame["symbol"].map(symbol_item)
        frame = frame.assign(
            time_identifier=TIME_IDENTIFIER,
            geographic_level=LEVEL_NATIONAL,
            country_code=COUNTRY_CODE,
            country_name=COUNTRY_NAME,
            region_code="",
            region_name="",
            old_la_code="",
            new_la_code="",
            la_name="",
            cells=frame["cells"].astype("int64").astype(str),
        )
        columns = [*EES_TIME_GEOGRAPHY_COLUMNS, "table_name", "symbol", "cells"]
        return PublishedTable(
            name="suppression_summary",
            title="Cells suppressed or not available, by table and symbol",
            description=(
                "How many published cells hold each symbol (c suppressed, x not available, "
                "z not applicable) in each table, so users can see how much disclosure control "
                "changed. It counts table cells, not children."
            ),
            frame=frame[columns].reset_index(drop=True),
            filters=[
                Filter("table_name", "Table", "The published table the cells belong to"),
                Filter("symbol", "Symbol", "The symbol shown in place of a value"),
            ],
            indicators=[
                Indicator(
                    "cells",
                    "Number of cells",
                    kind="text",
                    description="Number of table cells (not children) holding the symbol.",
                    field_type="integer",
                )
            ],
        )

    def to_markdown(self) -> str:
        """The release note's section on disclosure control: rules, then counts by reason."""
        lines = ["## Disclosure control", "", RULES_MARKDOWN]
        if self.counts.empty:
            lines.append("No cell needed a symbol.")
            return "\n".join(lines) + "\n"
        table = (
            self.counts.groupby(["table_name", "symbol", "reason"], as_index=False)["cells"]
            .sum()
            .sort_values(["table_name", "symbol", "reason"], ignore_index=True)
        )
        lines += [
            "Cells holding a symbol, all years (`c` suppressed, `x` not available, "
            "`z` not applicable):",
            "",
            "| Table | Symbol | Reason | Cells | Share of the table's cells |",
            "|---|---|---|---:|---:|",
        ]
        for row in table.itertuples(index=False):
            checked = self.cells_checked.get(row.table_name, 0)
            share = f"{100 * row.cells / checked:.1f}%" if checked else ""
            lines.append(
                f"| {row.table_name} | `{row.symbol}` | {row.reason} | {row.cells:,} | {share} |"
            )
        return "\n".join(lines) + "\n"


def symbol_reason_label(symbol: str, reason: int) -> str:
    """The label of a reason code, with a sensible label for symbols supplied as they are."""
    if symbol == symbols.NOT_AVAILABLE:
        return "not available"
    if symbol == symbols.NOT_APPLICABLE:
        return "not applicable"
    return REASON_LABELS.get(reason, REASON_LABELS[7])


SYMBOL_ITEMS = {
    symbols.CONFIDENTIAL: "c (suppressed to protect confidentiality)",
    symbols.NOT_AVAILABLE: "x (not available)",
    symbols.NOT_APPLICABLE: "z (not applicable)",
    symbols.LOW: "low (rounds to 0 but is not 0)",
    symbols.LOW_RELIABILITY: "u (low reliability)",
}


def symbol_item(symbol: str) -> str:
    """The filter item for a symbol: ``c`` -> ``c (suppressed to protect confidentiality)``."""
    return SYMBOL_ITEMS.get(symbol, symbol)
