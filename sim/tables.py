"""Plain-text tables for the terminal (no wrapping: columns sized to their content)."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence


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

    With header_width, headers longer than that are wrapped over several lines.
    """
    align = align or "l" * len(headers)
    head = [wrap_header(h, header_width) if header_width else [h] for h in headers]
    depth = max(len(h) for h in head)
    head = [[""] * (depth - len(h)) + h for h in head]
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


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A CSV file's text: the header row, then the rows (LF line ends, the csv module's quoting)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()
