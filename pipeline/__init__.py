"""Stability Index publication pipeline.

Inputs (SSDA903-style CSVs or the built-in synthetic England) flow one way:
validate -> measures -> aggregate -> disclose -> package -> pages -> render.
"""

import os

# One BLAS thread, set before numpy is first imported (when the pipeline is the entry point):
# the case-mix fits are small, so threads only add overhead (5x slower on a busy 2-core
# machine), and a fixed thread count makes the fitted values the same on every machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
