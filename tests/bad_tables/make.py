"""Make the bad tables that are not plain text: workbooks (.xlsx) and files of the wrong bytes.

    python tests/bad_tables/make.py OUT_DIR   # write them there, to open them in a spreadsheet

tests/test_movetable.py calls make() into a temporary folder; expected.txt beside this file says
what each case must report. The plain CSV cases are committed files in this folder.
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import datetime, time
from pathlib import Path
from typing import Any

HEADER = ["contingent", "phase", "from", "to", "ready", "deadline"]
GOOD = ["ru", "deploy", "a", "b", "+2h", "+48h"]

Sheets = dict[str, list[list[Any]]]

WORKBOOKS: dict[str, Sheets] = {
    "33-missing-sheet.xlsx": {"Sheet1": [HEADER, GOOD], "Data": [HEADER, GOOD]},
    "34-date-in-troops.xlsx": {"Movements": [[*HEADER, "troops"], [*GOOD, datetime(2022, 1, 7, 8, 0)]]},
    "35-time-of-day-only.xlsx": {"Movements": [HEADER, ["ru", "deploy", "a", "b", time(8, 0), "+48h"]]},
    "36-true-false-cell.xlsx": {"Movements": [HEADER, [True, "deploy", "a", "b", "+2h", "+48h"]]},
    "37-serial-number-date.xlsx": {"Movements": [HEADER, ["ru", "deploy", "a", "b", "+2h", 44568.5]]},
    "38-spreadsheet-error.xlsx": {"Movements": [[*HEADER, "troops"], [*GOOD, "#DIV/0!"]]},
    "39-date-deadline-before-ready.xlsx": {"Movements": [HEADER, ["ru", "deploy", "a", "b", datetime(2022, 1, 8, 0, 0),
                                                                  datetime(2022, 1, 7, 12, 0)]]},
    "40-custom-sheet.xlsx": {"Notes": [["read me"]], "Moves": [HEADER, ["ru", "deploy", "a", "bb", "+2h", "+48h"]]},
    "41-contingents-sheet.xlsx": {"Contingents": [["id", "nation", "troops", "home"], ["kz", None, 50, "a"]]},
    "42-inflow-typo.xlsx": {"Movements": [[*HEADER, "inflow.form"], [*GOOD, "+2h"]]},
    "43-header-not-in-row-1.xlsx": {"Movements": [[], HEADER, GOOD]},
}


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _latin1() -> bytes:
    return ("contingent,phase,from,to,ready,deadline,note\n" "ru,deploy,a,b,+2h,+48h,caf\xe9\n").encode("latin-1")


BYTES = {
    "30-latin1.csv": _latin1,
    "31-workbook-named-csv.csv": _zip_bytes,
    "32-not-a-workbook.xlsx": lambda: b"contingent,phase,from,to\nru,deploy,a,b\n",
}


def write_workbook(path: Path, sheets: Sheets) -> None:
    """An .xlsx file with these sheets, each a list of rows (openpyxl writes dates and times as date cells)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def make(folder: Path, workbooks: bool = True) -> None:
    """Write every generated case into `folder` (the workbooks only with `workbooks`: they need openpyxl)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in BYTES.items():
        (folder / name).write_bytes(content())
    if workbooks:
        for name, sheets in WORKBOOKS.items():
            write_workbook(folder / name, sheets)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bad_tables_made"))
