"""The in-memory form of a published table, shared by aggregate, disclosure and packaging.

A :class:`PublishedTable` is one tidy table in the Explore Education Statistics (EES) shape:
time and geography columns first (:data:`EES_TIME_GEOGRAPHY_COLUMNS`), then filter columns,
then indicator columns. Before disclosure control, indicator cells hold numbers (or a symbol
such as ``x`` where a value is not available); after it, every indicator cell is a string
ready to write (a formatted number or a symbol).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

EES_TIME_GEOGRAPHY_COLUMNS = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
]

TIME_IDENTIFIER = "Reporting year"
LEVEL_NATIONAL = "National"
LEVEL_REGIONAL = "Regional"
LEVEL_LA = "Local authority"


@dataclass(frozen=True)
class Filter:
    """A filter column: ``name`` (snake_case), a ``label`` and a plain-English ``hint``."""

    name: str
    label: str
    hint: str = ""
    #: True when the filter's items add up to a ``Total`` item (breakdowns, bands, reasons).
    additive: bool = True


@dataclass(frozen=True)
class Indicator:
    """An indicator column.

    ``kind`` says how disclosure control treats it:
    ``count`` (a number of children or events: suppressed when 1 to 5, additive over groups),
    ``percent`` (suppressed with its numerator, or when the cohort is under 10),
    ``rate`` (any other derived number: suppressed with the counts it is derived from),
    ``text`` (never suppressed on its own).
    ``numerator`` / ``denominator`` name the count columns a percent or rate is derived from.
    """

    name: str
    label: str
    unit: str = ""  # EES indicator_unit: "", "%", "pp"
    dp: int | None = None  # EES indicator_dp (display decimal places)
    kind: str = "count"
    description: str = ""
    numerator: str | None = None
    denominator: str | None = None
    field_type: str = "integer"  # Table Schema type of the published column


def percent_indicator(
    name: str,
    label: str,
    description: str,
    dp: int = 1,
    numerator: str = "number",
    denominator: str | None = "cohort",
) -> Indicator:
    """A percentage column (``kind`` percent, unit %, a number in the schema) of
    ``numerator`` out of ``denominator``."""
    return Indicator(
        name,
        label,
        unit="%",
        dp=dp,
        kind="percent",
        description=description,
        numerator=numerator,
        denominator=denominator,
        field_type="number",
    )


@dataclass
class PublishedTable:
    """One published table: its data and everything needed to document and protect it."""

    name: str
    title: str
    description: str
    frame: pd.DataFrame
    filters: list[Filter] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    #: Filter-like columns that are not EES filters (e.g. a neighbour's code); kept as text.
    extra_columns: list[str] = field(default_factory=list)
    #: True when the table carries the EES time and geography columns.
    ees: bool = True

    @property
    def columns(self) -> list[str]:
        """Every column in publication order."""
        head = EES_TIME_GEOGRAPHY_COLUMNS if self.ees else []
        return (
            head
            + [f.name for f in self.filters]
            + self.extra_columns
            + [i.name for i in self.indicators]
        )

    @property
    def primary_key(self) -> list[str]:
        """The columns that identify a row: time, geography and filters."""
        key = ["time_period", "geographic_level", "country_code", "region_code", "old_la_code"]
        head = key if self.ees else []
        return head + [f.name for f in self.filters]
