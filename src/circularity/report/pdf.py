"""Print the HTML report to PDF with headless Debian Chromium (never a downloaded browser)."""

from __future__ import annotations

from pathlib import Path

from circularity.errors import CircularityError

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "write_pdf"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout_s: float = 120.0) -> Path:
    """Open the report in Chromium, wait for every chart, and print A4 with backgrounds."""
    src = Path(html_path).resolve()
    out = Path(pdf_path)
    if not Path(CHROMIUM).exists():
        raise CircularityError(
            f"{CHROMIUM} not found; install Debian's chromium (`make browser`) to print PDFs"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise CircularityError("PDF output needs playwright (pip install playwright)") from None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.goto(src.as_uri(), timeout=timeout_s * 1000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))",
                timeout=timeout_s * 1000,
            )
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
        finally:
            browser.close()
    return out
