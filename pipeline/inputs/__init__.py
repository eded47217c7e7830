"""Reading and validating SSDA903-style input tables."""

from pipeline.inputs.tables import InputTables

__all__ = ["InputTables"]
