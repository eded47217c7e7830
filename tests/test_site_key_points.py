"""Key points, tiles and display words: hand-worked sentences from small readable figures."""

from __future__ import annotations

import re

from pipeline.site.display import case_mix_words, ordinal, points_words, whole_children
from pipeline.site.key_points import (
    Estimate,
    MeasureFigures,
    choose_points,
    key_point,
    overlap,
    usable_for_comparison,
)
from pipeline.site.tiles import change_words, rank_words


def text(html: str) -> str:
    """The words of an HTML fragment."""
    return re.sub(r"<[^>]+>", "", html)


def figures(**changes: object) -> MeasureFigures:
    """Placement moves in Stoke: 14.2% (12.0 to 16.6), last year 16.4% (14.0 to 19.0)."""
    base = MeasureFigures(
        measure="placement_2plus",
        now=Estimate("14.2", "12.0", "16.6", "la"),
        number="120",
        cohort="845",
        before=Estimate("16.4", "14.0", "19.0", "la"),
        comparators=[
            ("England", Estimate("10.2", "9.9", "10.5")),
            ("the West Midlands region", Estimate("14.4", "13.5", "15.3")),
        ],
        neighbours="12.4",
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_key_point_states_figure_year_last_year_direction_and_chance() -> None:
    sentence = text(key_point("Stoke-on-Trent", figures(), "2024", False))
    assert sentence.startswith(
        "In 2023-24 (the year to 31 March 2024), 14% of children in care in Stoke-on-Trent "
        "had two or more placement moves (120 of 845 children), down from 16% in 2022-23, "
        "an improvement that could be chance (the two years' 95% intervals overlap)."
    )
    # England 10% is outside 12.0-16.6: beyond chance; the region shows the same 14%.
    assert (
        "is higher (worse) than England (10%) and similar areas (the average of its statistical "
        "neighbours, 12%); the same as the West Midlands region (14%)." in sentence
    )
    assert "The difference from England is bigger than chance alone would explain" in sentence
    assert "West Midlands region could be chance" not in sentence  # same shown value: no claim


def test_polarity_turns_a_fall_into_a_worsening() -> None:
    sentence = text(key_point("Kent", figures(measure="no_change"), "2024", True))
    assert "down from 16% in 2022-23, a worsening" in sentence
    assert "higher (better) than England (10%)" in sentence


def test_non_overlapping_years_are_beyond_chance() -> None:
    f = figures(before=Estimate("22.0", "19.0", "25.0", "la"))
    sentence = text(key_point("Kent", f, "2024", False))
    assert "down from 22% in 2022-23, an improvement bigger than chance alone" in sentence


def test_no_sentence_the_data_cannot_support() -> None:
    assert key_point("Kent", figures(now=Estimate("c", "c", "c", "la")), "2024", False) == ""
    provisional = text(key_point("Kent", figures(provisional="the summer census"), "2024", False))
    assert (
        "is provisional and is not compared with last year: it can still change with the "
        "summer census." in provisional
    )
    assert "2022-23" not in provisional and "England (10%)" in provisional
    f = figures(
        before=Estimate("x", "x", "x", "la"),
        comparators=[("England", Estimate("x"))],
        neighbours="c",
    )
    sentence = text(key_point("Kent", f, "2024", False))
    assert "there is no figure for 2022-23 to compare with (not available" in sentence
    assert "England" not in sentence and "chance" not in sentence
    assert "neighbours" not in sentence
    first_year = text(key_point("Kent", figures(before=Estimate("z")), "2024", False))
    assert "the first year with this figure" in first_year


def test_overlap_and_usable_rules() -> None:
    assert overlap(Estimate("5", "4", "6"), Estimate("6.5", "6", "7")) is True
    assert overlap(Estimate("5", "4", "6"), Estimate("7", "6.1", "8")) is False
    assert overlap(Estimate("5", "c", "6"), Estimate("7", "6.1", "8")) is None
    assert usable_for_comparison(Estimate("5")) and not usable_for_comparison(Estimate("low"))


def test_choose_points_keeps_at_most_five_usable_measures() -> None:
    many = [figures(measure=f"m{i}") for i in range(7)]
    many[1] = figures(measure="m1", now=Estimate("c", source="la"))
    points = choose_points("Kent", many, "2024", {})
    assert [m for m, _ in points] == ["m0", "m2", "m3", "m4", "m5"]


def test_words_for_tiles() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 72, 113, 122)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "72nd", "113th", "122nd",
    ]  # fmt: skip
    assert points_words("-1.62") == "down 1.6 percentage points"
    assert points_words("1.04") == "up 1.0 percentage point"
    assert points_words("0.04").startswith("no change")
    assert whole_children("214.34") == "about 214 children"
    assert text(change_words("-1.62", "la", False, "")) == "down 1.6 percentage points (better)"
    assert text(change_words("-1.62", "la", True, "")) == "down 1.6 percentage points (worse)"
    assert 'href="glossary.html#percentage-points"' in change_words("2", "la", None, "")
    rank = text(rank_words("72", "146", "B", ""))
    assert rank.startswith("72nd of the 146 local authorities with a published figure")
    assert "quartile band B (the second most stable quarter)" in rank
    assert "not ranked" in text(rank_words("c", "146", "c", ""))
    assert case_mix_words("Significantly higher than expected (99.8% limits)") == (
        "higher than expected, by more than chance would explain (outside the 99.8% limits)"
    )
