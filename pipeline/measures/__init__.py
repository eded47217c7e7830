"""Child-level stability measures for every period (METHODS.md sections 2 to 4)."""

from pipeline.measures.characteristics import MeasuresInputError
from pipeline.measures.engine import MeasuresResult, compute_measures

__all__ = ["MeasuresInputError", "MeasuresResult", "compute_measures"]
