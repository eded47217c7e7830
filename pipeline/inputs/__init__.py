"""Reading and validating SSDA903-style input tables.

``load(input_dir, la=None)`` reads ``INPUT/<year>/<table>.csv`` and the optional top-level
files, checks every rule of the ``rules_*`` modules, and returns ``(InputTables or None,
ValidationReport)``.
"""

from pipeline.inputs.loading import load
from pipeline.inputs.report import InputError, ValidationReport
from pipeline.inputs.tables import InputTables

__all__ = ["InputError", "InputTables", "ValidationReport", "load"]
