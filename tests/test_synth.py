"""The synthetic England: deterministic, in the input layout, valid SSDA903, and calibrated.

The calibration figures are computed straight from the generated CSV files with a small,
independent calculation (pandas only, not ``pipeline.measures``), so a bug in the measures engine
cannot hide a badly calibrated generator and vice versa.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import SYNTHETIC_YEARS, parse_years
from pipeline.geography import local_authorities
from pipeline.inputs.tables import (
    ADOPTION_WITH_CARER_PLACE,
    EPISODE_COLUMNS,
    LS_CODES,
    PLACE_CODES,
    PLACE_PROVIDER_CODES,
    REASON_PLACE_CHANGE_CODES,
    REC_CODES,
    SCHOOL_CENSUS_COLUMNS,
    SHORT_BREAK_LS,
    SW_REASON_CODES,
    TEMPORARY_PLACE,
)
from pipeline.synth import DEFAULT_YEARS, generate

SMALL_SCALE, SMALL_YEARS = 0.02, [2022, 2023, 2024]
CALIBRATION_SCALE, CALIBRATION_YEARS = 0.15, [2021, 2022, 2023, 2024]
YEAR_FILES = ["header.csv", "episodes.csv", "uasc.csv", "sw_episodes.csv", "school_census.csv"]
#: The 903 tables as LAs export them (DfE SSDA903 guide 2023-24): no UASC or PL_LA columns.
EXPORTED_COLUMNS = {
    "header.csv": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes.csv": [c for c in EPISODE_COLUMNS if c != "PL_LA"],
    "uasc.csv": ["CHILD", "SEX", "DOB", "DUC"],
    "sw_episodes.csv": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
    "school_census.csv": SCHOOL_CENSUS_COLUMNS,
}
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


# --- an independent reading of the files --------------------------------------------------------


def read_year(folder: Path, year: int, name: str) -> pd.DataFrame:
    """One year's table, every column as text, blanks as empty strings."""
    frame = pd.read_csv(folder / str(year) / name, dtype=str, keep_default_na=False)
    frame["YEAR"] = year
    return frame


def to_date(text: pd.Series) -> pd.Series:
    """``dd/mm/yyyy`` text to dates (blank -> NaT)."""
    return pd.to_datetime(text.replace("", None), format="%d/%m/%Y")


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """1 April ``year - 1`` and 31 March ``year``."""
    return pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)


def upn_check_letter(body: str) -> str:
    """The DfE check letter: weights 2..13 on characters 2..13, modulus 23."""
    total = sum(int(ch) * weight for ch, weight in zip(body, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23]


class Files:
    """All years of a generated folder, with the episodes de-duplicated across years."""

    def __init__(self, folder: Path, years: list[int]) -> None:
        self.folder, self.years = folder, years
        self.header = {y: read_year(folder, y, "header.csv") for y in years}
        self.episodes_by_year = {y: read_year(folder, y, "episodes.csv") for y in years}
        lookup = pd.read_csv(folder / "postcode_lookup.csv", dtype=str)
        district_la = dict(zip(lookup["DISTRICT"], lookup["LA"], strict=True))
        for frame in self.episodes_by_year.values():
            frame["PL_LA"] = frame["PL_POST"].str[:-4].map(district_la).fillna("")
        episodes = pd.concat(self.episodes_by_year.values(), ignore_index=True)
        episodes = episodes.sort_values("YEAR").drop_duplicates(["CHILD", "DECOM"], keep="last")
        episodes["start"] = to_date(episodes["DECOM"])
        episodes["end"] = to_date(episodes["DEC"])
        self.episodes = episodes.sort_values(["CHILD", "start"]).reset_index(drop=True)
        census = pd.concat([read_year(folder, y, "school_census.csv") for y in years])
        links = pd.read_csv(folder / "school_links.csv", dtype=str)
        predecessor = dict(zip(links["URN"], links["PREDECESSOR_URN"], strict=True))
        census["school"] = census["URN"].map(predecessor).fillna(census["URN"])
        census["census_date"] = to_date(census["CENSUS_DATE"])
        census["entry"] = to_date(census["ENTRY_DATE"])
        self.census = census.sort_values(["UPN", "census_date"]).reset_index(drop=True)
        self.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    def cohort(self, year: int) -> pd.DataFrame:
        """C(Y): open at 31 March, under 18, not short breaks only; with the child's UPN and LA."""
        _, end = year_bounds(year)
        episodes = self.episodes_by_year[year]
        open_now = episodes.loc[episodes["DEC"] == "", "CHILD"]
        not_breaks_only = episodes.loc[~episodes["LS"].isin(SHORT_BREAK_LS), "CHILD"]
        header = self.header[year]
        dob = to_date(header["DOB"])
        under_18 = dob + pd.DateOffset(years=18) > end
        chosen = header[header["CHILD"].isin(open_now) & header["CHILD"].isin(not_breaks_only)]
        chosen = chosen[under_18[chosen.index]]
        return chosen[["CHILD", "LA", "UPN", "DOB"]].reset_index(drop=True)

    def placement_moves(self, first_year: int, last_year: int) -> pd.Series:
        """Placement moves per child in years ``first_year..last_year`` (METHODS.md section 3)."""
        start, _ = year_bounds(first_year)
        _, end = year_bounds(last_year)
        episodes = self.episodes[
            (self.episodes["start"] <= end)
            & (self.episodes["end"].isna() | (self.episodes["end"] >= start))
        ].copy()
        episodes = episodes[~episodes["LS"].isin(SHORT_BREAK_LS)]
        previous = episodes.groupby("CHILD").shift(1)
        before_previous = episodes.groupby("CHILD").shift(2)
        temporary = episodes["PLACE"].isin(TEMPORARY_PLACE)
        returning = (
            previous["PLACE"].isin(TEMPORARY_PLACE)
            & (before_previous["PLACE"] == episodes["PLACE"])
            & (before_previous["PL_POST"] == episodes["PL_POST"])
            & (before_previous["URN"] == episodes["URN"])
        )
        carer_change = episodes["RNE"].isin(["P", "B"]) & ~temporary & ~returning
        carer_change &= ~episodes["PLACE"].isin(ADOPTION_WITH_CARER_PLACE)
        re_entry = (episodes["RNE"] == "S") & (episodes.groupby("CHILD").cumcount() > 0)
        inside = episodes["start"].between(start, end)
        moves = (carer_change | re_entry) & inside
        return moves.groupby(episodes["CHILD"]).sum()

    def long_term_stable(self, year: int) -> pd.Series:
        """Long-term stability (METHODS.md section 3): per child under 16 in C(Y) looked after
        since 30 months before 31 March, True when with the same carer for the last 2 years."""
        end = pd.Timestamp(year, 3, 31)
        cohort = self.cohort(year)
        cohort = cohort[(to_date(cohort["DOB"]) + pd.DateOffset(years=16) > end).to_numpy()]
        episodes = self.episodes[~self.episodes["LS"].isin(SHORT_BREAK_LS)]
        episodes = episodes[episodes["start"] <= end]
        previous = episodes.groupby("CHILD").shift(1)
        before_previous = episodes.groupby("CHILD").shift(2)
        returning = (
            previous["PLACE"].isin(TEMPORARY_PLACE)
            & (before_previous["PLACE"] == episodes["PLACE"])
            & (before_previous["PL_POST"] == episodes["PL_POST"])
            & (before_previous["URN"] == episodes["URN"])
        )
        new_carer = (
            episodes["RNE"].isin(["P", "B"])
            & ~episodes["PLACE"].isin(TEMPORARY_PLACE)
            & ~returning
            & ~episodes["PLACE"].isin(ADOPTION_WITH_CARER_PLACE)
        ) | (episodes["RNE"] == "S")
        starts = (
            pd.DataFrame(
                {
                    "carer": episodes["start"].where(new_carer),
                    "period": episodes["start"].where(episodes["RNE"] == "S"),
                }
            )
            .groupby(episodes["CHILD"])
            .max()
        )
        # Nothing in the files: the carer (and the period) began before the first return.
        starts = starts.reindex(cohort["CHILD"]).fillna(pd.Timestamp(1900, 1, 1))
        in_cohort = starts["period"] <= end - pd.DateOffset(months=30)
        return (starts["carer"] <= end - pd.DateOffset(years=2))[in_cohort]

    def school_moves(self, year: int) -> pd.DataFrame:
        """Per UPN: any school move (not a phase transition) and mid-year moves in ``year``."""
        start, end = year_bounds(year)
        census = self.census.drop_duplicates(["UPN", "census_date"])
        previous = census.groupby("UPN")["school"].shift(1)
        previous_phase = census.groupby("UPN")["PHASE"].shift(1)
        new_school = previous.notna() & (census["school"] != previous)
        new_school &= census["entry"].between(start, end)
        month, day = census["entry"].dt.month, census["entry"].dt.day
        start_of_year = (month == 8) | ((month == 9) & (day <= 21))
        transition = (
            start_of_year & previous_phase.isin(["PR", "MP"]) & census["PHASE"].isin(["SE", "MS"])
        )
        moves = census.assign(
            any_move=new_school & ~transition,
            midyear=new_school & ~start_of_year,
        )
        # A school move shows in every later census row of the same enrolment: count it once.
        moves = moves[moves["any_move"] | moves["midyear"]].drop_duplicates(["UPN", "school"])
        found = census.loc[census["census_date"].between(start, end), "UPN"].unique()
        result = pd.DataFrame(index=pd.Index(found, name="UPN"))
        result["any_moves"] = moves.groupby("UPN")["any_move"].sum()
        result["midyear_moves"] = moves.groupby("UPN")["midyear"].sum()
        return result.fillna(0)

    def social_worker_changes(self, year: int) -> pd.Series:
        """Social worker changes in ``year`` for children with an episode open at 31 March."""
        start, end = year_bounds(year)
        sw = read_year(self.folder, year, "sw_episodes.csv").drop_duplicates()
        sw["start"] = to_date(sw["SW_DECOM"])
        sw["end"] = to_date(sw["SW_DEC"]).fillna(pd.Timestamp(2100, 1, 1))
        sw = sw.sort_values(["CHILD", "start", "end"], ascending=[True, True, False])
        running_end = sw.groupby("CHILD")["end"].cummax()
        covered = sw["end"] < running_end.groupby(sw["CHILD"]).shift(1)
        sw = sw[~covered.fillna(False)]
        previous = sw.groupby("CHILD")["SW_ID"].shift(1)
        change = previous.notna() & (sw["SW_ID"] != previous) & sw["start"].between(start, end)
        open_now = sw.loc[sw["SW_DEC"] == "", "CHILD"].unique()
        changes = change.groupby(sw["CHILD"]).sum()
        return changes.reindex(open_now, fill_value=0)


def headline_figures(files: Files, year: int) -> dict[str, float]:
    """National percentages for ``year`` computed from the files (0-100)."""
    cohort = files.cohort(year)
    moves = files.placement_moves(year, year).reindex(cohort["CHILD"], fill_value=0).to_numpy()
    figures = {
        "cohort": len(cohort),
        "placement_2plus": 100 * np.mean(moves >= 2),
        "placement_none": 100 * np.mean(moves == 0),
    }
    _, end = year_bounds(year)
    dob = to_date(cohort["DOB"])
    aged_5 = (dob + pd.DateOffset(years=5) <= end).to_numpy()
    aged_5_to_15 = aged_5 & (dob + pd.DateOffset(years=16) > end).to_numpy()
    school = files.school_moves(year)
    found = cohort["UPN"].isin(school.index).to_numpy()
    in_school = cohort[aged_5 & found]
    figures["match_rate_5_to_15"] = 100 * (aged_5_to_15 & found).sum() / max(aged_5_to_15.sum(), 1)
    school_rows = school.loc[in_school["UPN"]]
    figures["school_midyear"] = 100 * np.mean(school_rows["midyear_moves"].to_numpy() >= 1)

    supplied = set(files.manifest["sw_supplied"][str(year)])
    sw = files.social_worker_changes(year)
    sw_cohort = cohort[cohort["LA"].isin(supplied) & cohort["CHILD"].isin(sw.index)]
    sw_changes = sw.loc[sw_cohort["CHILD"]].to_numpy()
    figures["sw_2plus"] = 100 * np.mean(sw_changes >= 2)

    complete = sw_cohort[sw_cohort["CHILD"].isin(in_school["CHILD"])]
    placement = (
        files.placement_moves(year, year).reindex(complete["CHILD"], fill_value=0).to_numpy()
    )
    school_any = school.loc[complete["UPN"], "any_moves"].to_numpy()
    school_mid = school.loc[complete["UPN"], "midyear_moves"].to_numpy()
    workers = sw.loc[complete["CHILD"]].to_numpy()
    figures["no_change"] = 100 * np.mean((placement == 0) & (school_any == 0) & (workers == 0))
    figures["all_three"] = 100 * np.mean((placement >= 1) & (school_any >= 1) & (workers >= 1))
    figures["all_three_high"] = 100 * np.mean((placement >= 2) & (school_mid >= 1) & (workers >= 2))

    if year - 1 in files.years:
        start_previous, _ = year_bounds(year - 1)
        _, end_previous = year_bounds(year - 1)
        episodes = files.episodes
        earlier = episodes[
            (episodes["start"] <= end_previous)
            & (episodes["end"].isna() | (episodes["end"] >= start_previous))
            & ~episodes["LS"].isin(SHORT_BREAK_LS)
        ]["CHILD"]
        two_year = cohort[cohort["CHILD"].isin(earlier)]
        figures["two_year_share"] = 100 * len(two_year) / len(cohort)
        two_moves = files.placement_moves(year - 1, year).reindex(two_year["CHILD"], fill_value=0)
        figures["two_year_placement_2plus"] = 100 * np.mean(two_moves.to_numpy() >= 2)
    for span, label in [(3, "three"), (4, "four")]:
        if year - span + 1 in files.years:
            start_first, end_first = year_bounds(year - span + 1)
            episodes = files.episodes
            in_first = episodes[
                (episodes["start"] <= end_first)
                & (episodes["end"].isna() | (episodes["end"] >= start_first))
                & ~episodes["LS"].isin(SHORT_BREAK_LS)
            ]["CHILD"]
            group = cohort[cohort["CHILD"].isin(in_first)]
            total = files.placement_moves(year - span + 1, year).reindex(
                group["CHILD"], fill_value=0
            )
            values = total.to_numpy()
            figures[f"{label}_year_none"] = 100 * np.mean(values == 0)
            figures[f"{label}_year_2plus"] = 100 * np.mean(values >= 2)
            figures[f"{label}_year_5plus"] = 100 * np.mean(values >= 5)
    return figures


def la_placement_range(files: Files, year: int, minimum_cohort: int = 100) -> tuple[float, float]:
    """10th and 90th percentiles of the LA 2+ placement move percentages (LAs of some size)."""
    cohort = files.cohort(year)
    moves = files.placement_moves(year, year).reindex(cohort["CHILD"], fill_value=0).to_numpy()
    by_la = pd.DataFrame({"LA": cohort["LA"], "high": moves >= 2}).groupby("LA")["high"]
    rates = 100 * by_la.mean()[by_la.size() >= minimum_cohort]
    return float(rates.quantile(0.1)), float(rates.quantile(0.9))


# --- fixtures --------------------------------------------------------------------------------


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(
        tmp_path_factory.mktemp("synth_small"), seed=7, scale=SMALL_SCALE, years=SMALL_YEARS
    )


@pytest.fixture(scope="session")
def small_files(small: Path) -> Files:
    return Files(small, SMALL_YEARS)


@pytest.fixture(scope="session")
def calibration(tmp_path_factory: pytest.TempPathFactory) -> Files:
    folder = generate(
        tmp_path_factory.mktemp("synth_calibration"),
        seed=2024,
        scale=CALIBRATION_SCALE,
        years=CALIBRATION_YEARS,
    )
    return Files(folder, CALIBRATION_YEARS)


# --- determinism and layout ---------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(small: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", seed=7, scale=SMALL_SCALE, years=SMALL_YEARS)
    assert folder_digest(again) == folder_digest(small)


def test_a_different_seed_gives_different_children(small: Path, tmp_path: Path) -> None:
    other = generate(tmp_path / "other", seed=8, scale=SMALL_SCALE, years=SMALL_YEARS)
    first, second = folder_digest(small), folder_digest(other)
    assert first.keys() == second.keys()
    assert first["2024/episodes.csv"] != second["2024/episodes.csv"]


def test_default_years_give_every_published_year_its_history() -> None:
    # Published years 2019-2024; long-term stability looks back to 31 March Y-3 (2016's return
    # covers it for 2019).
    assert list(range(2016, 2025)) == DEFAULT_YEARS
    assert parse_years(SYNTHETIC_YEARS) == DEFAULT_YEARS  # the command line's default


def test_layout_and_columns(small: Path) -> None:
    for year in SMALL_YEARS:
        for name in YEAR_FILES:
            columns = pd.read_csv(small / str(year) / name, nrows=0).columns.tolist()
            assert columns == ["LA", *EXPORTED_COLUMNS[name]], (year, name)
    lookup = pd.read_csv(small / "postcode_lookup.csv", dtype=str)
    assert lookup.columns.tolist() == ["DISTRICT", "LA"]
    assert sorted(lookup["LA"]) == sorted(local_authorities()["old_la_code"])
    assert lookup["DISTRICT"].is_unique
    assert pd.read_csv(small / "school_links.csv", nrows=0).columns.tolist() == [
        "URN",
        "PREDECESSOR_URN",
    ]
    context = pd.read_csv(small / "la_context.csv", dtype={"LA_CODE": str})
    assert context.columns[0] == "LA_CODE"
    assert 6 <= len(context.columns) - 1 <= 8
    assert sorted(context["LA_CODE"]) == sorted(local_authorities()["old_la_code"])
    numeric = context.drop(columns="LA_CODE")
    assert all(pd.api.types.is_numeric_dtype(numeric[c]) for c in numeric.columns)


def test_manifest_describes_the_run(small: Path) -> None:
    manifest = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    assert (manifest["seed"], manifest["scale"], manifest["years"]) == (7, SMALL_SCALE, SMALL_YEARS)
    assert manifest["generator"].startswith("pipeline.synth ")
    codes = set(local_authorities()["old_la_code"])
    for year in SMALL_YEARS:
        supplied = manifest["sw_supplied"][str(year)]
        assert set(supplied) <= codes
        social = pd.read_csv(small / str(year) / "sw_episodes.csv", dtype=str)
        assert set(social["LA"]) <= set(supplied)
    share_2024 = len(manifest["sw_supplied"]["2024"]) / len(codes)
    share_2022 = len(manifest["sw_supplied"]["2022"]) / len(codes)
    # Part of every 2023-24 return (DfE rule SW12STG2); before, about half the LAs.
    assert share_2024 == 1.0
    assert 0.35 <= share_2022 <= 0.65


def test_every_la_is_present_at_full_size_proportions(calibration: Files) -> None:
    target = local_authorities().set_index("old_la_code")["children_looked_after_2024"]
    expected_present = set(target[target * CALIBRATION_SCALE >= 5].index)
    assert expected_present <= set(calibration.header[2024]["LA"]) <= set(target.index)
    cohort = calibration.cohort(2024)
    sizes = cohort.groupby("LA").size().reindex(target.index, fill_value=0)
    big = target >= 400
    ratio = sizes[big] / (target[big] * CALIBRATION_SCALE)
    assert ratio.between(0.8, 1.2).all(), ratio[~ratio.between(0.8, 1.2)]


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)
    with pytest.raises(ValueError, match="years"):
        generate(tmp_path, years=[])


# --- SSDA903 rules -------------------------------------------------------------------------------


def test_codes_are_valid(small_files: Files) -> None:
    episodes = small_files.episodes
    assert set(episodes["RNE"]) <= {"S", "L", "P", "T", "U", "B"}
    assert set(episodes["LS"]) <= LS_CODES
    assert set(episodes["PLACE"]) <= PLACE_CODES
    assert set(episodes["PLACE_PROVIDER"]) <= PLACE_PROVIDER_CODES | {""}
    assert set(episodes["REC"]) <= REC_CODES | {""}
    assert set(episodes["REASON_PLACE_CHANGE"]) <= REASON_PLACE_CHANGE_CODES | {""}
    assert set(episodes["PL_LA"]) <= set(local_authorities()["old_la_code"]) | {""}
    for year in SMALL_YEARS:
        social = read_year(small_files.folder, year, "sw_episodes.csv")
        assert set(social["SW_REASON"]) <= SW_REASON_CODES | {""}
        assert social["SW_ID"].str.fullmatch(r"SW\d+").all()
        census = read_year(small_files.folder, year, "school_census.csv")
        assert set(census["SEN_PROVISION"]) <= {"N", "K", "E"}
        assert (census.loc[census["SEN_PROVISION"] == "N", "SEN_PRIMARY_NEED"] == "").all()
        assert set(census["IS_PRU"]) <= {"0", "1"}
        assert set(census["CENSUS_TERM"]) == {"AUTUMN", "SPRING", "SUMMER"}


def test_uasc_table_lists_the_years_uasc_children(small: Path, small_files: Files) -> None:
    listed = 0
    for year in SMALL_YEARS:
        uasc = read_year(small, year, "uasc.csv")
        header = small_files.header[year].set_index("CHILD")
        listed += len(uasc)
        assert uasc["CHILD"].isin(header.index).all()
        assert (uasc["DOB"].to_numpy() == header.loc[uasc["CHILD"], "DOB"].to_numpy()).all()
        assert (uasc["SEX"].to_numpy() == header.loc[uasc["CHILD"], "SEX"].to_numpy()).all()
        eighteenth = to_date(uasc["DOB"]) + pd.DateOffset(years=18)
        assert (to_date(uasc["DUC"]) == eighteenth).all()  # ceases at 18 (rule 304: not later)
    assert listed > 0


def test_upns_have_valid_check_letters_or_un_codes(small_files: Files) -> None:
    upns = pd.concat(small_files.header.values())["UPN"]
    unknown = upns.str.fullmatch(r"UN([1-9]|10)")
    permanent = upns[~unknown]
    assert permanent.str.fullmatch(r"[A-Z]\d{12}").all()
    assert all(upn[0] == upn_check_letter(upn[1:]) for upn in permanent.unique())
    assert 0.05 < unknown.mean() < 0.4
    # Worked by hand: 2*2 + 1*4 + 1*5 + 1*9 + 6*10 + 1*12 + 7*13 = 185, 185 % 23 = 1 -> "B".
    assert upn_check_letter("201100016017") == "B"


def test_child_ids_are_stable_and_unique(small_files: Files) -> None:
    for header in small_files.header.values():
        assert header["CHILD"].is_unique
        assert (header["CHILD"].str[:3] == header["LA"]).all()
    first, last = small_files.header[2022], small_files.header[2024]
    both = first.merge(last, on="CHILD", suffixes=("_a", "_b"))
    assert len(both) > 0.3 * len(last)
    assert (both["DOB_a"] == both["DOB_b"]).all()
    assert (both["SEX_a"] == both["SEX_b"]).all()


def test_episode_sequences_follow_the_rules(small_files: Files) -> None:
    episodes = small_files.episodes
    assert (episodes["end"].isna() | (episodes["end"] >= episodes["start"])).all()
    previous = episodes.groupby("CHILD").shift(1)
    has_previous = previous["DECOM"].notna()
    # A child's episodes never overlap; a new episode the same day as X1 is a continuation.
    assert (episodes.loc[has_previous, "start"] >= previous.loc[has_previous, "end"]).all()
    continuing = has_previous & (previous["REC"] == "X1")
    assert (episodes.loc[continuing, "start"] == previous.loc[continuing, "end"]).all()
    assert (episodes.loc[continuing, "RNE"] != "S").all()
    after_leaving = has_previous & previous["REC"].str.startswith("E")
    assert (episodes.loc[after_leaving, "RNE"] == "S").all()
    assert (episodes.loc[after_leaving, "start"] > previous.loc[after_leaving, "end"]).all()
    placement_change = continuing & episodes["RNE"].isin(["P", "B", "T", "U"])
    temporary = previous["PLACE"].isin(TEMPORARY_PLACE) | episodes["PLACE"].isin(TEMPORARY_PLACE)
    assert (previous.loc[placement_change & ~temporary, "REASON_PLACE_CHANGE"] != "").all()
    # DfE rule 226: no reason on a temporary placement nor on the episode before one.
    into_temporary = continuing & episodes["PLACE"].isin(TEMPORARY_PLACE)
    assert (previous.loc[into_temporary, "REASON_PLACE_CHANGE"] == "").all()
    no_change = continuing & (episodes["RNE"] == "L")
    assert (previous.loc[no_change, "REASON_PLACE_CHANGE"] == "").all()


def test_first_episode_of_each_child_in_care_starts_with_s(small_files: Files) -> None:
    first_year = min(small_files.years)
    start, _ = year_bounds(first_year)
    episodes = small_files.episodes
    first = episodes.groupby("CHILD").head(1)
    entered_in_window = first[first["start"] >= start]
    assert (entered_in_window["RNE"] == "S").all()


def test_open_episodes_have_blank_end_in_each_year(small_files: Files) -> None:
    for year, episodes in small_files.episodes_by_year.items():
        start, end = year_bounds(year)
        decom, dec = to_date(episodes["DECOM"]), to_date(episodes["DEC"])
        assert (decom <= end).all()
        assert (dec.isna() | (dec >= start)).all()
        assert (dec.dropna() <= end).all()
        still_open = dec.isna()
        assert (episodes.loc[still_open, ["REC", "REASON_PLACE_CHANGE"]] == "").all().all()
        assert (episodes.loc[~still_open, "REC"] != "").all()
        assert set(episodes["CHILD"]) == set(small_files.header[year]["CHILD"])
    # An episode open at 31 March 2022 is in the next return too, closed there if it ended.
    first, second = small_files.episodes_by_year[2022], small_files.episodes_by_year[2023]
    carried = first[first["DEC"] == ""].merge(second, on=["CHILD", "DECOM"], suffixes=("", "_next"))
    assert len(carried) == (first["DEC"] == "").sum()


def test_temporary_placements_return_to_the_same_placement(small_files: Files) -> None:
    episodes = small_files.episodes
    temporary = episodes["PLACE"].isin(TEMPORARY_PLACE)
    assert (episodes.loc[temporary, ["PLACE_PROVIDER", "REASON_PLACE_CHANGE"]] == "").all().all()
    assert (episodes.loc[temporary, "URN"] == "XXXXXXX").all()
    nxt = episodes.groupby("CHILD").shift(-1)
    before = episodes.groupby("CHILD").shift(1)
    # The placement before the temporary one may predate the first file: check where both show.
    returned = (
        temporary & (episodes["REC"] == "X1") & nxt["PLACE"].notna() & before["PLACE"].notna()
    )
    same = (
        (nxt["PLACE"] == before["PLACE"])
        & (nxt["PL_POST"] == before["PL_POST"])
        & (nxt["URN"] == before["URN"])
    )
    assert returned.sum() > 0
    assert same[returned].all()


def test_placement_details_are_consistent(small_files: Files) -> None:
    episodes = small_files.episodes
    assert (episodes.loc[episodes["PLACE"] == "P1", "PLACE_PROVIDER"] == "PR0").all()
    breaks = episodes[episodes["LS"].isin(SHORT_BREAK_LS)]
    care = episodes[~episodes["LS"].isin(SHORT_BREAK_LS)]
    assert care["URN"].str.fullmatch(r"SC\d{6}|XXXXXXX").all()
    assert care["PL_POST"].str.fullmatch(r"ZZ\d[A-Z] \d[A-Z]{2}").all()
    assert (care["PL_LA"] != "").all()  # every made-up postcode district is in the lookup
    same = (care["HOME_POST"] == care["PL_POST"]) & (care["PLACE"] != "P1")
    assert not same.any()  # DfE rule 392d
    adoption_with_carer = episodes["PLACE"].isin(ADOPTION_WITH_CARER_PLACE)
    assert set(episodes.loc[adoption_with_carer, "RNE"]) <= {"S", "T", "U"}
    assert len(breaks) > 0
    assert (breaks["RNE"] == "S").all()
    # DfE rules 214 and 398: no postcodes, URN or placement LA on short-break episodes.
    assert (breaks[["HOME_POST", "PL_POST", "URN", "PL_LA"]] == "").all().all()
    assert (episodes.loc[episodes["PL_LA"] != episodes["CHILD"].str[:3]].shape[0]) > 0


def test_care_ends_by_the_18th_birthday_and_aged_18_reasons_on_it(small_files: Files) -> None:
    header = pd.concat(small_files.header.values()).drop_duplicates("CHILD")
    dob = to_date(header.set_index("CHILD")["DOB"])
    episodes = small_files.episodes
    leaving = episodes[episodes["REC"].str.startswith("E")]
    eighteenth = dob.reindex(leaving["CHILD"]) + pd.DateOffset(years=18)
    assert (leaving["end"].to_numpy() <= eighteenth.to_numpy()).all()
    # DfE rule 460: "stayed with current carers at 18" (E17) only on the 18th birthday or later.
    staying_put = (leaving["REC"] == "E17").to_numpy()
    assert staying_put.sum() > 0
    assert (leaving["end"].to_numpy()[staying_put] >= eighteenth.to_numpy()[staying_put]).all()


def test_no_real_identifiers_leak_into_context_or_links(small: Path) -> None:
    context = (small / "la_context.csv").read_text(encoding="utf-8")
    links = (small / "school_links.csv").read_text(encoding="utf-8")
    assert "CHILD" not in context and "UPN" not in links


# --- the DfE's SSDA903 rules (2023-24), checked our own way over every LA of a small England ---
# Rule numbers are those of the DfE's validation rules for the 2023-24 collection (as encoded in
# the public validator data-to-insight/csc-validator-be-903).

STATUS_LIMIT_DAYS = {"L1": 3, "L2": 21, "L3": 7, "J2": 21}  # rules 361, 362, 363, 364


def status_runs(episodes: pd.DataFrame, status: str, year: int) -> pd.DataFrame:
    """Unbroken runs of one legal status in a return: child, first DECOM, last DEC (open = year
    end), days."""
    _, end = year_bounds(year)
    rows = episodes.assign(start=to_date(episodes["DECOM"]), end=to_date(episodes["DEC"]))
    rows = rows.sort_values(["CHILD", "start"]).reset_index(drop=True)
    rows["end"] = rows["end"].fillna(end)
    previous = rows.groupby("CHILD").shift(1)
    joined = (previous["LS"] == status) & (previous["end"] == rows["start"])
    rows = rows[rows["LS"] == status]
    run = (~joined[rows.index]).cumsum()
    runs = rows.groupby(run.to_numpy()).agg(
        CHILD=("CHILD", "first"), start=("start", "min"), end=("end", "max")
    )
    runs["days"] = (runs["end"] - runs["start"]).dt.days
    return runs


def test_short_lived_legal_statuses_stay_within_their_limits(small_files: Files) -> None:
    seen = dict.fromkeys(STATUS_LIMIT_DAYS, 0)
    for year, episodes in small_files.episodes_by_year.items():
        for status, limit in STATUS_LIMIT_DAYS.items():
            runs = status_runs(episodes, status, year)
            seen[status] += len(runs)
            assert (runs["days"] <= limit).all(), (year, status, runs[runs["days"] > limit])
    assert min(seen.values()) > 0, seen


def test_hand_worked_status_runs() -> None:
    # Police protection 01/05 -> 03/05 (X1) then 03/05 -> 05/05 still L1: one run of 4 days.
    episodes = pd.DataFrame(
        {
            "CHILD": ["1", "1", "1", "2"],
            "DECOM": ["01/05/2023", "03/05/2023", "05/05/2023", "30/03/2024"],
            "DEC": ["03/05/2023", "05/05/2023", "", ""],
            "LS": ["L1", "L1", "C1", "L1"],
        }
    )
    runs = status_runs(episodes, "L1", 2024)
    assert runs["days"].tolist() == [4, 1]


def test_short_breaks_stay_within_the_respite_limits(small_files: Files) -> None:
    for year, episodes in small_files.episodes_by_year.items():
        start_year, end_year = year_bounds(year)
        v3 = episodes[episodes["LS"] == "V3"]
        assert len(v3) > 0
        start, end = to_date(v3["DECOM"]), to_date(v3["DEC"]).fillna(end_year)
        assert ((end - start).dt.days <= 17).all()  # rule 365: one stay at most 17 days
        days = (end.clip(upper=end_year) - start.clip(lower=start_year)).dt.days
        assert days.groupby(v3["CHILD"]).sum().max() <= 75  # rule 367: 75 days a year


def test_placement_codes_fit_age_date_provider_and_legal_status(small_files: Files) -> None:
    header = pd.concat(small_files.header.values()).drop_duplicates("CHILD").set_index("CHILD")
    episodes = small_files.episodes
    dob = to_date(header["DOB"]).reindex(episodes["CHILD"]).to_numpy()
    semi_independent = (episodes["PLACE"] == "H5").to_numpy()
    sixteenth = pd.Series(dob[semi_independent]) + pd.DateOffset(years=16)
    assert (episodes["start"].to_numpy()[semi_independent] >= sixteenth.to_numpy()).all()  # 371
    cutoff = pd.Timestamp(2023, 10, 28)
    p2 = episodes[episodes["PLACE"] == "P2"]
    assert (p2["end"].notna() & (p2["end"] <= cutoff)).all()  # rule 217
    no_provider = episodes["PLACE"].isin([*TEMPORARY_PLACE, "Z1"])
    assert (episodes.loc[no_provider, "PLACE_PROVIDER"] == "").all()  # rule 178
    assert (episodes.loc[~no_provider, "PLACE_PROVIDER"] != "").all()
    assert not ((episodes["PLACE"] == "P1") & (episodes["LS"] == "V2")).any()  # rule 378
    adopted = episodes["REC"].isin(["E11", "E12"])
    assert adopted.sum() > 0
    assert episodes.loc[adopted, "PLACE"].isin(["A3", "A4", "A5", "A6"]).all()  # rule 390
    foster = [f"U{n}" for n in range(1, 7)]
    guardians = episodes["REC"].isin(["E45", "E46"])
    assert episodes.loc[guardians, "PLACE"].isin(foster).all()  # rule 516
    previous = episodes.groupby("CHILD")["PLACE"].shift(1)
    consent = episodes["PLACE"].isin(["A3", "A4"]) & previous.notna()
    assert previous[consent].isin([*foster, "A3", "A4", "A5", "A6"]).all()  # rule 336


def test_urns_follow_the_rules_of_each_year(small_files: Files) -> None:
    registered = pd.Timestamp(2023, 10, 29)
    for year, episodes in small_files.episodes_by_year.items():
        h5 = episodes[episodes["PLACE"] == "H5"]
        end = to_date(h5["DEC"])
        assert len(h5) > 0
        if year < 2024:
            assert (h5["URN"] == "XXXXXXX").all()  # 2022-23 rule 222: no URN for H5
        else:
            # Rule 230 (URN for H5 from 29 October 2023) for H5 carers from 1 April 2023 on;
            # earlier ones keep the no URN of their last return (rule 503F).
            with_urn = h5["URN"] != "XXXXXXX"
            assert h5.loc[with_urn, "URN"].str.fullmatch(r"SC\d{6}").all()
            started = to_date(h5["DECOM"]) >= pd.Timestamp(2023, 4, 1)
            assert not (with_urn & ~started).any()
            needs = started & (end.isna() | (end >= registered))
            assert with_urn[needs].mean() > 0.7
        unregistered = ["P1", "P2", "P3", "R1", "R2", "R5", "Z1", *TEMPORARY_PLACE]
        assert (episodes.loc[episodes["PLACE"].isin(unregistered), "URN"] == "XXXXXXX").all()


def test_a_change_of_placement_changes_the_placement(small_files: Files) -> None:
    # Rule 435: an episode starting with RNE P or T keeps the legal status and differs from the
    # episode before in its placement type, postcode, URN or provider.
    for episodes in small_files.episodes_by_year.values():
        episodes = episodes.assign(start=to_date(episodes["DECOM"]))
        episodes = episodes.sort_values(["CHILD", "start"], kind="stable")
        columns = ["LS", "PLACE", "PL_POST", "URN", "PLACE_PROVIDER"]
        before = episodes.groupby("CHILD")[columns].shift(1)
        changed = episodes["RNE"].isin(["P", "T"]) & before["LS"].notna()
        assert changed.sum() > 0
        same = (episodes[columns[1:]] == before[columns[1:]]).all(axis=1)
        assert not (changed & ((episodes["LS"] != before["LS"]) | same)).any()


def test_every_child_looked_after_in_2024_has_social_worker_episodes(small_files: Files) -> None:
    # The module is part of every 2023-24 return (rule SW12STG2).
    episodes = small_files.episodes_by_year[2024]
    in_care = set(episodes.loc[~episodes["LS"].isin(SHORT_BREAK_LS), "CHILD"])
    assert in_care <= set(social_worker_return(small_files, 2024)["CHILD"])


def social_worker_return(files: Files, year: int) -> pd.DataFrame:
    """One year's social worker episodes with dates, in child and start order."""
    social = read_year(files.folder, year, "sw_episodes.csv")
    social["start"], social["end"] = to_date(social["SW_DECOM"]), to_date(social["SW_DEC"])
    return social.sort_values(["CHILD", "start"]).reset_index(drop=True)


def test_social_worker_episodes_are_complete_and_unbroken(small_files: Files) -> None:
    for year in small_files.years:
        social = social_worker_return(small_files, year)
        assert len(social) > 0
        assert (social[["SW_ID", "SW_DECOM", "SW_REASON"]] != "").all().all()  # SW03
        assert set(social["SW_REASON"]) <= SW_REASON_CODES  # SW13
        assert not social.duplicated(["CHILD", "SW_DECOM"]).any()
        last = social["CHILD"] != social["CHILD"].shift(-1)
        assert social.loc[~last, "end"].notna().all()  # SW08, SW14: only the last one open
        follows = social["CHILD"] == social["CHILD"].shift(1)
        # SW10, SW11a: each episode starts the day the previous one ends.
        assert (social.loc[follows, "start"] == social["end"].shift(1)[follows]).all()
        _, end_year = year_bounds(year)
        late = social["end"] > end_year - pd.Timedelta(days=6)
        assert not late.any()  # SW11b: nothing ends in the last days of March


def test_social_worker_episodes_start_and_end_with_care(small_files: Files) -> None:
    # SW12: for a child who comes into care in the year, every social worker episode in the
    # return starts on or after that day; for one who leaves, on or before the day they leave.
    for year in small_files.years:
        social = social_worker_return(small_files, year)
        episodes = small_files.episodes_by_year[year]
        episodes = episodes[~episodes["LS"].isin(SHORT_BREAK_LS)]
        episodes = episodes.assign(start=to_date(episodes["DECOM"]), end=to_date(episodes["DEC"]))
        pairs = episodes.merge(social[["CHILD", "start"]], on="CHILD", suffixes=("", "_sw"))
        enters = (pairs["RNE"] == "S") & (pairs["REC"] == "X1")
        leaves = ~pairs["REC"].isin(["X1", ""])
        assert len(pairs[enters]) > 0 and len(pairs[leaves]) > 0
        assert (pairs.loc[enters, "start_sw"] >= pairs.loc[enters, "start"]).all()
        assert (pairs.loc[leaves, "start_sw"] <= pairs.loc[leaves, "end"]).all()


def test_mother_fields_are_complete_and_consistent(small_files: Files) -> None:
    mothers, previous = 0, None
    for year in small_files.years:
        header = small_files.header[year].set_index("CHILD")
        episodes = small_files.episodes_by_year[year]
        in_care = set(episodes.loc[~episodes["LS"].isin(SHORT_BREAK_LS), "CHILD"])
        girls = (header["SEX"] == "2") & header.index.isin(in_care)
        assert header.loc[girls, "MOTHER"].isin(["0", "1"]).all()  # rules 393, 607
        assert (header.loc[~girls, "MOTHER"] == "").all()  # rules 165, 399
        mother = header["MOTHER"] == "1"
        mothers += int(mother.sum())
        assert ((header["MC_DOB"] != "") == mother).all()  # rules 611, 612
        birth, dob = to_date(header.loc[mother, "MC_DOB"]), to_date(header.loc[mother, "DOB"])
        start_year, end_year = year_bounds(year)
        assert (dob + pd.DateOffset(years=11) <= start_year).all()  # rule 620
        last_end = to_date(episodes["DEC"]).groupby(episodes["CHILD"]).max()
        limit = last_end.reindex(birth.index).fillna(end_year)
        assert (birth <= limit).all()  # rule 625
        if previous is not None:
            both = header.merge(previous, left_index=True, right_index=True, suffixes=("", "_last"))
            was = both["MOTHER_last"] == "1"
            assert (both.loc[was, "MOTHER"] == "1").all()  # rule 207
            assert (both.loc[was, "MC_DOB"] == both.loc[was, "MC_DOB_last"]).all()  # rule 624
            new = (both["MOTHER"] == "1") & (both["MOTHER_last"] == "0")
            assert (to_date(both.loc[new, "MC_DOB"]) >= start_year).all()  # rule 626
        previous = header
    assert mothers > 0


# --- calibration (METHODS.md section 8) ------------------------------------------------------------


@pytest.fixture(scope="session")
def figures_by_year(calibration: Files) -> dict[int, dict[str, float]]:
    return {year: headline_figures(calibration, year) for year in (2022, 2023, 2024)}


@pytest.fixture(scope="session")
def latest_figures(figures_by_year: dict[int, dict[str, float]]) -> dict[str, float]:
    return figures_by_year[2024]


def test_cohort_size_matches_the_scaled_2024_figure(latest_figures: dict[str, float]) -> None:
    expected = 83_600 * CALIBRATION_SCALE
    assert abs(latest_figures["cohort"] - expected) / expected < 0.04


def test_placement_moves_in_the_year(latest_figures: dict[str, float]) -> None:
    assert 9.0 <= latest_figures["placement_2plus"] <= 12.5
    assert 64.0 <= latest_figures["placement_none"] <= 73.0


def test_la_placement_instability_varies_like_the_real_range(calibration: Files) -> None:
    low, high = la_placement_range(calibration, 2024)
    assert 3.0 <= low <= 9.0
    assert 13.0 <= high <= 22.0


def test_long_term_stability_is_near_the_dfe_figure(calibration: Files) -> None:
    # DfE 2024: 68% of children under 16 looked after for 2.5 years lived with the same carer
    # for the last 2 years (METHODS.md section 8; LAIT: 68-71% in 2019-2024).
    stable = calibration.long_term_stable(2024)
    assert len(stable) > 0.3 * len(calibration.cohort(2024))
    assert 64.0 <= 100 * stable.mean() <= 72.0


def test_school_and_social_worker_measures(latest_figures: dict[str, float]) -> None:
    assert 92.0 <= latest_figures["match_rate_5_to_15"] <= 98.0
    assert 8.0 <= latest_figures["school_midyear"] <= 14.0
    assert 20.0 <= latest_figures["sw_2plus"] <= 31.0


def test_combined_measures(latest_figures: dict[str, float]) -> None:
    assert 19.0 <= latest_figures["no_change"] <= 32.0
    assert 3.5 <= latest_figures["all_three"] <= 9.0
    assert 0.4 <= latest_figures["all_three_high"] <= 2.5


def test_multi_year_periods(latest_figures: dict[str, float]) -> None:
    assert 65.0 <= latest_figures["two_year_share"] <= 76.0
    assert 17.0 <= latest_figures["two_year_placement_2plus"] <= 25.0
    assert 40.0 <= latest_figures["three_year_none"] <= 52.0
    assert 25.0 <= latest_figures["three_year_2plus"] <= 36.0
    assert 3.5 <= latest_figures["three_year_5plus"] <= 9.5
    assert 34.0 <= latest_figures["four_year_none"] <= 47.0
    assert 29.0 <= latest_figures["four_year_2plus"] <= 41.0
    assert 6.0 <= latest_figures["four_year_5plus"] <= 13.0


def test_year_to_year_changes_are_small(figures_by_year: dict[int, dict[str, float]]) -> None:
    earlier, previous, latest = (figures_by_year[y] for y in (2022, 2023, 2024))
    assert 0.94 < previous["cohort"] / latest["cohort"] < 1.0
    for name in ["placement_2plus", "sw_2plus"]:
        assert abs(previous[name] - latest[name]) < 2.5, name
    # School moves after the spring census of the latest year only show in the next summer
    # census, which is not in the data yet: compare two complete years for school measures.
    for name in ["school_midyear", "no_change"]:
        assert abs(earlier[name] - previous[name]) < 2.5, name
    assert latest["school_midyear"] < previous["school_midyear"]


def test_risk_factors_raise_instability(calibration: Files) -> None:
    cohort = calibration.cohort(2024)
    moves = calibration.placement_moves(2024, 2024).reindex(cohort["CHILD"], fill_value=0)
    _, end = year_bounds(2024)
    age = (end - to_date(cohort["DOB"])).dt.days / 365.25
    high = moves.to_numpy() >= 2
    assert (
        high[age.to_numpy() >= 16].mean()
        > 1.2 * high[(age >= 5).to_numpy() & (age < 10).to_numpy()].mean()
    )
    census = calibration.census
    semh = set(census.loc[census["SEN_PRIMARY_NEED"] == "SEMH", "UPN"])
    in_semh = cohort["UPN"].isin(semh).to_numpy()
    school_age = ((age >= 6) & (age < 16)).to_numpy()
    assert high[in_semh & school_age].mean() > 1.2 * high[~in_semh & school_age].mean()


def test_academy_conversions_are_linked_not_moves(small_files: Files) -> None:
    census = small_files.census.drop_duplicates(["UPN", "census_date"])
    previous_urn = census.groupby("UPN")["URN"].shift(1)
    previous_school = census.groupby("UPN")["school"].shift(1)
    converted = previous_urn.notna() & (census["URN"] != previous_urn)
    converted &= census["school"] == previous_school
    assert converted.sum() > 0
    # The pupil's entry date at the academy is the conversion day (1 April or 1 September).
    days = census.loc[converted, "entry"]
    assert ((days.dt.day == 1) & days.dt.month.isin([4, 9])).all()


def test_context_indicators_follow_la_size(small: Path) -> None:
    context = pd.read_csv(small / "la_context.csv", dtype={"LA_CODE": str}).set_index("LA_CODE")
    size = local_authorities().set_index("old_la_code")["children_looked_after_2024"]
    assert context["population_0_17"].corr(size.reindex(context.index)) > 0.5
    assert context["idaci_score"].corr(context["fsm_percent"]) > 0.5
    assert context.notna().all().all()
