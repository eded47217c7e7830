"""A fingerprint of everything the synthetic generator's output depends on besides its settings.

A cached synthetic England is reused only when the fingerprint it was made with is today's, so
a change to the generator's code or data (a calibration change, say) regenerates it even when
``GENERATOR_VERSION`` was not bumped. The fingerprint covers the source of ``pipeline/synth/``,
the geography module and table it reads, the input layout's column lists it writes, and the
versions of the libraries that draw the numbers and write the files.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

from pipeline.inputs.layout import SPECS
from pipeline.inputs.tables import SCHOOL_CENSUS_COLUMNS

_PIPELINE = Path(__file__).resolve().parent.parent
#: Files outside ``pipeline/synth/`` whose content the generator uses (paths under ``pipeline/``).
_OTHER_FILES = ("geography.py", "data/geography.csv")
#: Libraries whose version can change the drawn numbers or the written bytes.
_LIBRARIES = ("numpy", "pandas", "pyarrow", "duckdb")


def _source_files() -> list[Path]:
    """The generator's own modules (sorted) and the other files it reads."""
    synth = sorted((_PIPELINE / "synth").glob("*.py"))
    return [*synth, *(_PIPELINE / name for name in _OTHER_FILES)]


@cache
def generator_fingerprint() -> str:
    """The SHA-256 (hex) of the generator's sources, data, column lists and library versions."""
    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(path.relative_to(_PIPELINE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    columns = {name: list(spec.columns) for name, spec in sorted(SPECS.items())}
    digest.update(repr((columns, list(SCHOOL_CENSUS_COLUMNS))).encode() + b"\0")
    for library in _LIBRARIES:
        digest.update(f"{library} {metadata.version(library)}\0".encode())
    return digest.hexdigest()
