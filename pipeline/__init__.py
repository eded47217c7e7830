"""Stability Index publication pipeline.

Inputs (SSDA903-style CSVs or the built-in synthetic England) flow one way:
validate -> measures -> aggregate -> disclose -> package -> pages -> render.
"""

__version__ = "0.1.0"
