"""Local authority parameters of the synthetic England and the ``la_context`` indicators.

Every LA gets its size from ``children_looked_after_2024`` in the geography table, a placement
instability multiplier from its real ``pct_3plus_placements_average`` (so LAs differ as they do in
DfE's figures), a social worker turnover, an unaccompanied asylum-seeking children (UASC) share and
a deprivation score that drives the context indicators used for statistical neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.geography import local_authorities

NATIONAL_3PLUS_PERCENT = 10.5
LONDON_REGION_CODE = "E12000007"
#: Probability that an LA supplied the social worker module: from 2024, and before. From the
#: 2023-24 collection the module is part of every LA's 903 return (the DfE's rule SW12STG2
#: fails a return whose children looked after have no social worker episodes).
SW_SUPPLY_FROM_2024 = 1.0
SW_SUPPLY_BEFORE_2024 = 0.5


@dataclass(frozen=True)
class Areas:
    """Per-LA parameters, one array entry per LA in DfE code order."""

    codes: np.ndarray  # DfE 3-digit codes (str)
    region_codes: np.ndarray
    children_2024: np.ndarray  # looked after at 31 March 2024 (real figure)
    placement_multiplier: np.ndarray
    sw_turnover: np.ndarray
    uasc_multiplier: np.ndarray
    deprivation: np.ndarray  # standard normal score
    sw_supply_draw: np.ndarray  # uniform; supplied when below the year's probability

    @property
    def count(self) -> int:
        """Number of LAs."""
        return len(self.codes)

    def sw_supplied(self, year: int) -> np.ndarray:
        """Boolean mask of LAs that supplied the social worker module in ``year``."""
        threshold = SW_SUPPLY_FROM_2024 if year >= 2024 else SW_SUPPLY_BEFORE_2024
        return self.sw_supply_draw < threshold

    def region_mates(self, rng: np.random.Generator, la_index: np.ndarray) -> np.ndarray:
        """Pick, for each LA index, another LA in the same region (any LA if it is alone)."""
        order = np.lexsort((self.codes, self.region_codes))
        sorted_regions = self.region_codes[order]
        first = np.searchsorted(sorted_regions, self.region_codes, side="left")
        size = np.searchsorted(sorted_regions, self.region_codes, side="right") - first
        own_size = size[la_index]
        offset = rng.integers(0, np.maximum(own_size - 1, 1))
        position_of_self = np.empty(self.count, dtype=np.int64)
        position_of_self[order] = np.arange(self.count)
        own_offset = position_of_self[la_index] - first[la_index]
        offset = np.where(offset >= own_offset, offset + 1, offset)
        offset = np.minimum(offset, own_size - 1)
        return order[first[la_index] + offset]


def build_areas(rng: np.random.Generator) -> Areas:
    """Draw the per-LA parameters (deterministic for a given generator state)."""
    table = local_authorities()
    n = len(table)
    pct = table["pct_3plus_placements_average"].to_numpy(dtype=float)
    pct = np.where(pct <= 0, NATIONAL_3PLUS_PERCENT, pct)
    placement_multiplier = np.clip((pct / NATIONAL_3PLUS_PERCENT) ** 0.8, 0.3, 2.5)
    london = (table["region_code"] == LONDON_REGION_CODE).to_numpy()
    deprivation = rng.normal(0.0, 1.0, n) + np.where(london, 0.3, 0.0)
    uasc_multiplier = np.exp(rng.normal(0.0, 0.6, n)) * np.where(london, 1.6, 1.0)
    kent = (table["old_la_code"] == "886").to_numpy()
    uasc_multiplier = np.where(kent, 4.0, uasc_multiplier)
    sw_turnover = np.exp(rng.normal(0.0, 0.3, n))
    return Areas(
        codes=table["old_la_code"].to_numpy(dtype=str),
        region_codes=table["region_code"].to_numpy(dtype=str),
        children_2024=table["children_looked_after_2024"].to_numpy(dtype=float),
        placement_multiplier=placement_multiplier,
        sw_turnover=sw_turnover,
        uasc_multiplier=uasc_multiplier,
        deprivation=deprivation,
        sw_supply_draw=rng.uniform(0.0, 1.0, n),
    )


def la_context(areas: Areas, rng: np.random.Generator) -> pd.DataFrame:
    """Return ``LA_CODE`` and seven context indicators correlated with size and deprivation."""
    z = areas.deprivation
    n = areas.count
    london = areas.region_codes == LONDON_REGION_CODE
    cla_rate = np.clip(70.0 * np.exp(0.3 * z + rng.normal(0, 0.1, n)), 20.0, 200.0)
    population = np.maximum(areas.children_2024, 1.0) * 10_000 / cla_rate
    urban = np.where(
        london, 100.0, np.clip(70 + 12 * z + 10 * np.log(population / 50_000), 15.0, 100.0)
    )
    frame = pd.DataFrame(
        {
            "LA_CODE": areas.codes,
            "population_0_17": np.round(population, -1).astype(np.int64),
            "cla_rate_per_10000": np.round(cla_rate, 1),
            "children_in_need_rate": np.round(
                np.clip(335.0 * np.exp(0.22 * z + rng.normal(0, 0.08, n)), 150, 800), 1
            ),
            "idaci_score": np.round(
                np.clip(0.17 + 0.05 * z + rng.normal(0, 0.01, n), 0.03, 0.45), 3
            ),
            "fsm_percent": np.round(np.clip(23 + 6 * z + rng.normal(0, 1.5, n), 5, 50), 1),
            "uasc_percent": np.round(np.clip(6.0 * areas.uasc_multiplier, 0, 40), 1),
            "urban_percent": np.round(urban, 1),
        }
    )
    return frame
