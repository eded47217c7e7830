"""Build small ``InputTables`` by hand for the measures tests (no tests here).

A case describes children of LA ``886`` with readable records. Each episode, social worker
episode and census row is written into the return of every collection year it touches, as real
SSDA903 returns do, so every case also exercises the engine's de-duplication. A record may pin
itself to listed returns with ``returns: [2023]`` (e.g. an episode still open in the 2023 return
but closed in the 2024 one). A child's header row is in every year's return unless the child
lists its returns with ``header_returns: [2023]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from pipeline.inputs.tables import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    SCHOOL_CENSUS_COLUMNS,
    SOCIAL_WORKER_COLUMNS,
    InputTables,
)

LA = "886"

EPISODE_DEFAULTS = {
    "rne": "S",
    "ls": "C2",
    "cin": "N1",
    "place": "U1",
    "place_provider": "PR1",
    "dec": None,
    "rec": None,
    "reason": None,
    "home_post": "ME1 1AA",
    "pl_post": "ME2 2BB",
    "urn": "SC100001",
    "pl_la": LA,
}


def _date(value: Any) -> pd.Timestamp | None:
    """Parse a YAML date, ISO string or None into a Timestamp (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return pd.Timestamp(str(value))


def _touches(year: int, start: pd.Timestamp | None, end: pd.Timestamp | None) -> bool:
    """True when a record from ``start`` to ``end`` (None = open) touches collection year."""
    first, last = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    return (start is None or start <= last) and (end is None or end >= first)


def _returns(record: dict, years: Iterable[int], start, end) -> list[int]:
    """The collection years whose returns carry ``record``."""
    if "returns" in record:
        return list(record["returns"])
    return [year for year in years if _touches(year, start, end)]


def tag_upn(upn: str, tag: int) -> str:
    """Make a pupil UPN unique to one case by writing ``tag`` into digits 2-4 (``UN`` codes
    and other placeholders are left alone)."""
    if len(upn) == 13 and upn[1:].isdigit():
        return f"{upn[0]}{tag:03d}{upn[4:]}"
    return upn


def build_tables(*cases: dict, las: list[str] | None = None) -> InputTables:
    """Build normalised ``InputTables`` from case dictionaries (see the golden YAML files).

    Several cases can share one ``InputTables`` when each has its own LA (``las``) and the
    same collection years; pupil UPNs are then made unique per case.
    """
    las = las or [case.get("la", LA) for case in cases]
    years = sorted({int(y) for case in cases for y in case["years"]})
    header, episodes, workers, census, links = [], [], [], [], []
    sw_supplied = set()
    for tag, (case, la) in enumerate(zip(cases, las, strict=True)):
        _add_case(case, la, tag if len(cases) > 1 else 0, header, episodes, workers, census)
        links += [{"URN": str(a), "PREDECESSOR_URN": str(b)} for a, b in case.get("links", [])]
        sw_supplied |= {(la, int(y)) for y in case.get("sw_supplied", case["years"])}
    return InputTables(
        header=_frame(header, HEADER_COLUMNS, ["DOB"]),
        episodes=_frame(episodes, EPISODE_COLUMNS, ["DECOM", "DEC"]),
        social_workers=_frame(workers, SOCIAL_WORKER_COLUMNS, ["SW_DECOM", "SW_DEC"]),
        school_census=_frame(census, SCHOOL_CENSUS_COLUMNS, ["CENSUS_DATE", "ENTRY_DATE"]),
        school_links=pd.DataFrame(links, columns=["URN", "PREDECESSOR_URN"], dtype="string"),
        years=years,
        sw_supplied=sw_supplied,
    )


def _add_case(case: dict, la: str, tag: int, header, episodes, workers, census) -> None:
    """Append the rows of one case (LA ``la``) to the row lists."""
    years = [int(y) for y in case["years"]]
    for number, (child_id, child) in enumerate(case["children"].items()):
        default_upn = f"A{number + 1:012d}"
        for year in child.get("header_returns", years):
            header.append(
                {
                    "LA": la,
                    "YEAR": year,
                    "CHILD": str(child_id),
                    "SEX": str(child.get("sex", "1")),
                    "DOB": _date(child["dob"]),
                    "ETHNIC": child.get("ethnic", "WBRI"),
                    "UPN": tag_upn(str(child.get("upn", default_upn)), tag),
                    "UASC": str(child.get("uasc", "0")),
                }
            )
        for raw in child.get("episodes", []):
            record = {**EPISODE_DEFAULTS, **raw}
            start, end = _date(record["decom"]), _date(record["dec"])
            for year in _returns(raw, years, start, end):
                pinned_end = end
                if "returns" not in raw and end is not None and end > pd.Timestamp(year, 3, 31):
                    pinned_end = None  # the episode was still open when that return was made
                episodes.append(
                    {
                        "LA": la,
                        "YEAR": year,
                        "CHILD": str(child_id),
                        "DECOM": start,
                        "RNE": record["rne"],
                        "LS": record["ls"],
                        "CIN": record["cin"],
                        "PLACE": record["place"],
                        "PLACE_PROVIDER": record["place_provider"],
                        "DEC": pinned_end,
                        "REC": record["rec"] if pinned_end is not None else None,
                        "REASON_PLACE_CHANGE": record["reason"] if pinned_end is not None else None,
                        "HOME_POST": record["home_post"],
                        "PL_POST": record["pl_post"],
                        "URN": record["urn"],
                        "PL_LA": record["pl_la"],
                    }
                )
        for raw in child.get("social_workers", []):
            start, end = _date(raw["start"]), _date(raw.get("end"))
            for year in _returns(raw, years, start, end):
                row = {
                    "LA": la,
                    "YEAR": year,
                    "CHILD": str(child_id),
                    "SW_ID": str(raw["id"]),
                    "SW_DECOM": start,
                    "SW_DEC": end,
                    "SW_REASON": raw.get("reason"),
                }
                workers += [dict(row) for _ in range(int(raw.get("copies", 1)))]
        upn = header[-1]["UPN"]
        for raw in child.get("census", []):
            when = _date(raw["date"])
            year = when.year + 1 if when.month >= 4 else when.year
            census.append(
                {
                    "LA": la,
                    "YEAR": year,
                    "UPN": tag_upn(str(raw["upn"]), tag) if "upn" in raw else upn,
                    "URN": str(raw["urn"]),
                    "CENSUS_TERM": {1: "SPRING", 5: "SUMMER"}.get(when.month, "AUTUMN"),
                    "CENSUS_DATE": when,
                    "ENTRY_DATE": _date(raw.get("entry")),
                    "NCYEAR": str(raw.get("ncyear", "5")),
                    "SEN_PROVISION": raw.get("sen", "N"),
                    "SEN_PRIMARY_NEED": raw.get("need"),
                    "PHASE": raw.get("phase", "PR"),
                    "IS_PRU": "0",
                }
            )


def _frame(rows: list[dict], columns: list[str], dates: list[str]) -> pd.DataFrame:
    """A normalised frame: ``LA, YEAR`` + columns, strings as ``string``, dates as ns."""
    frame = pd.DataFrame(rows, columns=["LA", "YEAR", *columns])
    for column in frame.columns:
        if column == "YEAR":
            frame[column] = frame[column].astype("int64")
        elif column in dates:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        else:
            frame[column] = frame[column].astype("string")
    return frame
