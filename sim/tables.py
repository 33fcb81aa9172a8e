"""Plain-text tables for the terminal (no wrapping: columns sized to their content), and CSV text.

Cells shown on a terminal never carry control characters (they are shown as `\\x1b`-style escapes)
and are cut to MAX_CELL characters with an ellipsis. CSV cells that a spreadsheet would read as a
formula are neutralised with a leading single quote (OWASP's rule against CSV injection).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence

MAX_CELL = 120  # characters of one table cell shown on a terminal; longer ones end in an ellipsis
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # C0, DEL, C1 and bidi overrides
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula
_PLAIN_SIGNED = re.compile(r"[+-]\d[\d:.]*[dhms]?")  # +06:00, -03:30, +36h: offsets and durations, not formulas


def terminal_text(value: object, limit: int = MAX_CELL) -> str:
    """`value` as text safe to print: control characters as escapes (ESC as `\\x1b`), cut to `limit`
    characters with a trailing ellipsis."""
    text = CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "\u2026"


def wrap_header(text: str, width: int) -> list[str]:
    """Split a long header over lines at '_' or ' ' so that columns stay narrow."""
    if len(text) <= width:
        return [text]
    lines, current = [], ""
    for piece in re.split(r"(?<=[_ ])", text):
        if current and len(current) + len(piece) > width:
            lines.append(current)
            current = ""
        current += piece
    lines.append(current)
    return lines


def render(headers: list[str], rows: list[list[str]], align: str | None = None, header_width: int = 0) -> str:
    """Columns padded to their widest cell; `align` has one 'l' or 'r' per column (default: l).

    Cells are shown through terminal_text (no control characters, at most MAX_CELL characters).
    With header_width, headers longer than that are wrapped over several lines.
    """
    align = align or "l" * len(headers)
    head = [wrap_header(h, header_width) if header_width else [h] for h in headers]
    depth = max(len(h) for h in head)
    head = [[""] * (depth - len(h)) + h for h in head]
    rows = [[terminal_text(c) for c in r] for r in rows]
    widths = [max([len(x) for x in h] + [len(str(r[i])) for r in rows]) for i, h in enumerate(head)]

    def fmt(cells: list[str]) -> str:
        """One line of the table: each cell padded to its column's width and alignment."""
        out = []
        for c, w, a in zip(cells, widths, align):
            out.append(str(c).rjust(w) if a == "r" else str(c).ljust(w))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt([h[k] for h in head]) for k in range(depth)] + [rule] + [fmt(r) for r in rows])


def hours(x: float | None, nd: int = 1) -> str:
    """Signed hours to `nd` decimals, or '-' for None or NaN."""
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{nd}f}"


def _is_number(text: str) -> bool:
    """Whether `text` reads as a number (-3.5, +1, 1e-3, -inf)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: text starting with =, +, -, @, a tab or a carriage
    return gets a leading single quote, unless it is plain data (a number, a UTC offset like +06:00, a
    signed duration like +36h); every other value is returned as it is."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _is_number(value) or _PLAIN_SIGNED.fullmatch(value):
        return value
    return "'" + value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file's text: the header row, then the rows (LF line ends, the csv module's quoting), every
    cell through csv_cell (no formula injection)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in header])
    w.writerows([csv_cell(c) for c in row] for row in rows)
    return buf.getvalue()
