"""Versioned Frictionless data packages of the published tables (DESIGN.md "Data package contract").

``write_package`` writes ``<root>/stability-index/<version>/``: ``datapackage.json``, the
tables as CSV with EES metadata, the geography and measures resources, per-LA extracts, an
accessible spreadsheet, ``CHANGELOG.md`` and ``release-note.md``; ``check_ees`` checks a
folder of EES files.
"""

from pipeline.packaging.ees import check_ees
from pipeline.packaging.metadata import ReleaseMetadata, default_release_date
from pipeline.packaging.writer import PackageBuildError, PackageExistsError, write_package

__all__ = [
    "PackageBuildError",
    "PackageExistsError",
    "ReleaseMetadata",
    "check_ees",
    "default_release_date",
    "write_package",
]
