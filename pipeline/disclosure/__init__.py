"""Disclosure control: primary and secondary suppression, the audit, and the identifier scan.

``protect(tables)`` turns the aggregation step's numeric tables into string cells with the DfE
symbols; ``audit(tables)`` proves no suppressed count can be recovered and raises
:class:`DisclosureError` otherwise; ``scan_for_identifiers`` / ``audit_files`` check output
files for child-level identifiers.
"""

from pipeline.disclosure.audit import AuditReport, audit
from pipeline.disclosure.cell_store import DisclosureError
from pipeline.disclosure.identifiers import audit_files, scan_for_identifiers
from pipeline.disclosure.protect import protect
from pipeline.disclosure.summary import SuppressionSummary

__all__ = [
    "AuditReport",
    "DisclosureError",
    "SuppressionSummary",
    "audit",
    "audit_files",
    "protect",
    "scan_for_identifiers",
]
