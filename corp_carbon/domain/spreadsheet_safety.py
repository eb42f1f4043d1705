"""Text bound for spreadsheets (CSV or XLSX) that cannot run as a formula when opened.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@``
as a formula, also in a CSV file; a tab or carriage return in front of one is skipped by some
of them, so those lead characters count too (OWASP, "CSV Injection"). Such text gets a
leading apostrophe: it then reads as the literal text in every spreadsheet program.
"""

from __future__ import annotations

#: first characters that make a spreadsheet program read a cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text``, with an apostrophe in front when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def safe_value(value: object) -> object:
    """A cell value: strings made safe, numbers, dates and None passed through."""
    return safe_cell(value) if isinstance(value, str) else value
