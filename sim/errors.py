"""Problems found in scenario files, reported as `file:line:column: path: message`.

A problem found in a table (a CSV file, or a sheet of an XLSX workbook, read by sim.movetable) is
reported by its cell instead: `moves.csv!D7: deadline: message`, `book.xlsx!Movements!D7: ...`
(a whole row: `moves.csv!7:7`); the path leaves out the list index, which the row gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ITEM_PREFIX = re.compile(r"^[A-Za-z_]+\[\d+\]\.?")  # 'movements[3].' in 'movements[3].deadline'


class TableName(str):
    """The name of a table as problems show it: 'moves.csv', or 'book.xlsx!Movements' for a sheet.

    A Problem whose file is a TableName takes line and column as the row and column of a cell."""

    __slots__ = ()


def column_letters(column: int) -> str:
    """A spreadsheet column's letters from its 1-based number: 1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or suspicious) in a scenario file, located by its YAML node (or table cell)."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def where(self) -> str:
        """Where it is: 'file:line:column', 'file' when the line is unknown, 'table!D7' for a table cell."""
        if isinstance(self.file, TableName) and self.line:
            cell = f"{column_letters(self.column)}{self.line}" if self.column else f"{self.line}:{self.line}"
            return f"{self.file}!{cell}"
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file

    def __str__(self) -> str:
        if not self.file:  # no location: a problem read back from a finished run's summary.json
            return f"{self.path}: {self.message}" if self.path else self.message
        path = _ITEM_PREFIX.sub("", self.path) if isinstance(self.file, TableName) and self.line else self.path
        return f"{self.where()}: {path}: {self.message}" if path else f"{self.where()}: {self.message}"


@dataclass
class ScenarioError(Exception):
    """Raised when a scenario cannot be used; carries every problem found, sorted by position."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.problems = sorted(set(self.problems))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class OutputFolderError(Exception):
    """The output folder cannot be used (it would replace something sim did not write)."""


def read_json_file(path: Path) -> Any:
    """A JSON file that sim wrote, read back; ScenarioError naming the file (and the line) when it is
    missing or damaged."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), 0, 0, "", "missing: the folder is incomplete")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (0, 0)
        raise ScenarioError([Problem(str(path), line, col, "", f"damaged JSON: {exc}")]) from None
