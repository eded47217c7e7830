"""LA self-service: an LA analyst runs the Stability Index on their own SSDA903 extract.

:func:`build_la_report` (called by ``stability-index build --input DIR --la CODE``) writes one
HTML report of the LA's own figures beside a published package's region, England and
statistical-neighbour figures, with every exclusion explained.
"""

from pipeline.self_service.run import build_la_report, default_report_path

__all__ = ["build_la_report", "default_report_path"]
