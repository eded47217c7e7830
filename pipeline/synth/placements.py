"""Placement details: type (``PLACE``), provider, Ofsted URN, placement LA and postcodes.

Drawn once per carer (a run of episodes with the same carer), so ``L``, ``T`` and ``U`` episodes
keep the carer's details and a child returning from a temporary placement is back with the same
``PLACE``, ``PL_POST`` and ``URN``.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from pipeline.synth.areas import Areas
from pipeline.synth.dates import DAYS_PER_YEAR
from pipeline.synth.draws import choose, choose_by_row

NO_URN = "XXXXXXX"
#: Placement types drawn for a new carer, and their probabilities by age band at the move.
#: ``H5`` (semi-independent living) only from 16 (DfE rule 371). ``P2`` (independent living) is
#: not drawn: it is not valid after 28 October 2023 (rule 217) and H5 takes its share.
PLACE_TYPES = ["FOSTER", "RELATIVE", "P1", "R3", "K2", "K1", "S1", "H5", "R5", "R2", "Z1"]
AGE_BAND_EDGES = np.array([5, 10, 14, 16])  # bands: 0-4, 5-9, 10-13, 14-15, 16-17
PLACE_PROBABILITIES = np.array(
    [
        [0.70, 0.17, 0.07, 0.03, 0.000, 0.000, 0.00, 0.00, 0.00, 0.01, 0.01],
        [0.72, 0.16, 0.07, 0.00, 0.030, 0.000, 0.01, 0.00, 0.00, 0.00, 0.01],
        [0.66, 0.13, 0.06, 0.00, 0.110, 0.005, 0.02, 0.00, 0.00, 0.00, 0.015],
        [0.52, 0.10, 0.05, 0.00, 0.270, 0.010, 0.02, 0.00, 0.01, 0.00, 0.02],
        [0.32, 0.06, 0.03, 0.00, 0.160, 0.010, 0.00, 0.38, 0.02, 0.00, 0.02],
    ]
)
FOSTER_CODES, FOSTER_PROBABILITIES = ["U4", "U5", "U6"], [0.42, 0.03, 0.55]
RELATIVE_CODES, RELATIVE_PROBABILITIES = ["U1", "U2", "U3"], [0.35, 0.03, 0.62]
#: Placement type -> (providers, probabilities).
PROVIDERS: dict[str, tuple[list[str], list[float]]] = {
    "P1": (["PR0"], [1.0]),
    "U1": (["PR1"], [1.0]),
    "U2": (["PR1"], [1.0]),
    "U3": (["PR1"], [1.0]),
    "U4": (["PR1", "PR4", "PR5"], [0.55, 0.38, 0.07]),
    "U5": (["PR1", "PR4", "PR5"], [0.55, 0.38, 0.07]),
    "U6": (["PR1", "PR4", "PR5"], [0.55, 0.38, 0.07]),
    "K2": (["PR4", "PR1", "PR5"], [0.75, 0.2, 0.05]),
    "K1": (["PR1", "PR2"], [0.6, 0.4]),
    "S1": (["PR4", "PR5"], [0.8, 0.2]),
    "H5": (["PR4", "PR5", "PR1"], [0.6, 0.2, 0.2]),
    "R5": (["PR3"], [1.0]),
    "R2": (["PR3"], [1.0]),
    "R3": (["PR1", "PR4"], [0.7, 0.3]),
    "A3": (["PR1", "PR2", "PR5"], [0.7, 0.1, 0.2]),
    "A4": (["PR1", "PR2", "PR5"], [0.7, 0.1, 0.2]),
    "A5": (["PR1", "PR2", "PR5"], [0.7, 0.1, 0.2]),
    "A6": (["PR1", "PR2", "PR5"], [0.7, 0.1, 0.2]),
}
#: Placements with an Ofsted-registered provider (homes, secure units, agency foster care, and
#: supported accommodation ``H5``, registered from 28 October 2023: DfE rule 230).
REGISTERED_PLACES = {"K1", "K2", "S1", "R1", "H5"}

#: Supported accommodation (``H5``) has had Ofsted URNs since 28 October 2023: an H5 episode open
#: on or after the 29th needs one (DfE rule 230); before, H5 had none (2022-23 rule 222). Day
#: numbers of 29 October 2023 and of 1 April 2023 (H5 carers from then on have a URN: see
#: :func:`pipeline.synth.episodes._registered`).
H5_REGISTERED_FROM, H5_URNS_FROM_START = 19_659, 19_448
AGENCY_PROVIDERS = {"PR4", "PR5"}
INSIDE_LA_SHARE = 0.62
TEMPORARY_CODES, TEMPORARY_PROBABILITIES = (
    ["T0", "T1", "T2", "T3", "T4"],
    [0.2, 0.25, 0.15, 0.25, 0.15],
)
PROVIDER_POOL_SIZE = 6000
POSTCODE_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
#: Postcodes of one district: 10 sectors, then 20 * 20 letter pairs.
POSTCODES_PER_DISTRICT = 4000


def postcode_districts(count: int) -> np.ndarray:
    """The made-up postcode district of each LA index (``ZZ1A``, ``ZZ1B``, ...): the ``ZZ`` area
    is not used by real postcodes, and one district per LA lets ``postcode_lookup.csv`` give
    each postcode's LA."""
    index = np.arange(count)
    numbers = (index // len(POSTCODE_LETTERS) + 1).astype(str).astype(object)
    return "ZZ" + numbers + POSTCODE_LETTERS[index % len(POSTCODE_LETTERS)]


def fake_postcodes(rng: np.random.Generator, la: np.ndarray, count: int) -> np.ndarray:
    """Made-up postcodes in the district of each LA index in ``la`` (e.g. ``ZZ3F 4QT``) as
    numbers: ``la * 4000 + sector * 400 + letter * 20 + letter`` (see :func:`postcode_text`;
    ``count`` is the number of LAs)."""
    la = np.asarray(la, dtype=np.int64)
    size = len(la)
    sector = rng.integers(0, 10, size)
    first = rng.integers(0, 20, size)
    second = rng.integers(0, 20, size)
    return la * POSTCODES_PER_DISTRICT + sector * 400 + first * 20 + second


def postcode_text(numbers: np.ndarray, count: int) -> pa.Array:
    """The text of postcode numbers (:func:`fake_postcodes`; -1 for a blank ``""``)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    every = _every_postcode(count)
    return every.take(pa.array(np.where(numbers < 0, len(every) - 1, numbers)))


@functools.lru_cache(maxsize=2)
def _every_postcode(count: int) -> pa.Array:
    """Every possible postcode of each of ``count`` LA districts by number, then ``""``, built
    once and looked up (far fewer string joins than one per row)."""
    letters = POSTCODE_LETTERS
    sectors = np.array([str(d) for d in range(10)], dtype=object)
    inward = (sectors[:, None, None] + letters[None, :, None] + letters[None, None, :]).reshape(-1)
    every = postcode_districts(count)[:, None] + " " + inward[None, :]
    return pa.array([*every.reshape(-1), ""], pa.large_string())


def clear_postcode_cache() -> None:
    """Free the table of every postcode (kept while one synthetic England is generated)."""
    _every_postcode.cache_clear()


def next_sector(postcodes: np.ndarray) -> np.ndarray:
    """The same postcode numbers with the sector digit (the inward code's first character) plus
    one, 9 becoming 0: ``ZZ1A 9QT`` -> ``ZZ1A 0QT``."""
    postcodes = np.asarray(postcodes, dtype=np.int64)
    sector = postcodes % POSTCODES_PER_DISTRICT // 400
    return postcodes + ((sector + 1) % 10 - sector) * 400


def draw_place(age_days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw the placement type of new carers from the child's age at the move."""
    band = np.searchsorted(AGE_BAND_EDGES, age_days / DAYS_PER_YEAR, side="right")
    kind = choose_by_row(rng, PLACE_PROBABILITIES, band)
    n = len(kind)
    foster = choose(rng, 3, FOSTER_PROBABILITIES, n)
    relative = choose(rng, 3, RELATIVE_PROBABILITIES, n)
    # Codes: the placement types, then the foster and the relative codes.
    codes = np.array([*PLACE_TYPES, *FOSTER_CODES, *RELATIVE_CODES], dtype=object)
    first_foster, first_relative = len(PLACE_TYPES), len(PLACE_TYPES) + len(FOSTER_CODES)
    code = np.where(
        kind == PLACE_TYPES.index("FOSTER"),
        first_foster + foster,
        np.where(kind == PLACE_TYPES.index("RELATIVE"), first_relative + relative, kind),
    )
    return codes[code]


def draw_providers(place: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a ``PLACE_PROVIDER`` consistent with each placement type (blank for ``Z1`` and
    temporary placements, which have no provider: DfE rule 178)."""
    provider = np.full(len(place), "", dtype=object)
    for code, (options, probabilities) in PROVIDERS.items():
        mask = place == code
        if mask.any():
            provider[mask] = np.array(options, dtype=object)[
                choose(rng, len(options), probabilities, int(mask.sum()))
            ]
    return provider


def draw_urns(place: np.ndarray, provider: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ofsted URNs (``SC`` + 6 digits) for registered providers, ``XXXXXXX`` otherwise."""
    pool = np.array([f"SC{n:06d}" for n in range(100_000, 100_000 + PROVIDER_POOL_SIZE * 7, 7)])
    registered = np.isin(place, list(REGISTERED_PLACES)) | (
        np.isin(place, FOSTER_CODES) & np.isin(provider, list(AGENCY_PROVIDERS))
    )
    urn = pool.astype(object)[rng.integers(0, PROVIDER_POOL_SIZE, len(place))]
    return np.where(registered, urn, NO_URN)


def draw_placement_la(
    areas: Areas, la: np.ndarray, place: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Index of the LA each placement is in: mostly the child's own LA, else a neighbour."""
    n = len(la)
    inside_share = np.where(place == "P1", 0.9, INSIDE_LA_SHARE)
    inside = rng.uniform(0, 1, n) < inside_share
    nearby = rng.uniform(0, 1, n) < 0.75
    other = np.where(nearby, areas.region_mates(rng, la), rng.integers(0, areas.count, n))
    other = np.where(other == la, (la + 1) % areas.count, other)
    return np.where(inside, la, other)


def draw_temporary(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Temporary placement codes ``T0``-``T4`` and their lengths in days."""
    code = np.array(TEMPORARY_CODES, dtype=object)[choose(rng, 5, TEMPORARY_PROBABILITIES, size)]
    length = np.select(
        [code == "T1", code == "T4", code == "T0"],
        [rng.integers(1, 22, size), rng.integers(1, 8, size), rng.integers(1, 11, size)],
        rng.integers(3, 15, size),
    )
    return code, length
