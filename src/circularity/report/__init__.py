"""Reports: one self-contained offline HTML file (Plotly inlined) and its PDF."""

from circularity.report.build import build_report, render_report, report_context
from circularity.report.pdf import write_pdf

__all__ = ["build_report", "render_report", "report_context", "write_pdf"]
