"""Problems found in scenario files, reported as `file:line:column: path: message`.

A problem found in a table (a CSV file, or a sheet of an XLSX workbook, read by sim.movetable) is
reported by its cell instead: `moves.csv!D7: deadline: message`, `book.xlsx!Movements!D7: ...`
(a whole row: `moves.csv!7:7`); the path leaves out the list index, which the row gives.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

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
    """Raised when a scenario cannot be used. `problems` lists every problem found (each a Problem: file, line,
    column, path, message), sorted by position; str() gives them one a line, as the command line prints them."""

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

    if not os.path.lexists(path):
        raise ScenarioError([Problem(str(path), 0, 0, "", "missing: the folder is incomplete")])
    raw = read_input(path, str(path), MAX_JSON_BYTES, "files sim reads back", "a JSON file")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (0, 0)
        raise ScenarioError([Problem(str(path), line, col, "", f"damaged JSON: {exc}")]) from None


# ------------------------------------------------------------------ reading input files safely

MAX_JSON_BYTES = 200 * 1024 * 1024  # a summary.json of a very large run is a few MB
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _kind_problem(mode: int, noun: str) -> str | None:
    """Why a file of this stat mode is not an input file ('is a directory (a folder) ...'), or None for a
    regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"is a directory (a folder), not {noun}"
    if stat.S_ISFIFO(mode):
        return f"is a named pipe (FIFO), not a regular file; {noun} must be a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return f"is a device, not a regular file; {noun} must be a regular file"
    return f"is not a regular file (a socket?); {noun} must be a regular file"


def _os_problem(exc: OSError | ValueError) -> str:
    """What an error of stat or open means to a user: not found, permission denied, ..."""
    if isinstance(exc, ValueError):  # an embedded NUL character in the name
        return "is not a usable file name (it holds a NUL character)"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied (check the file's and its folders' permissions)"
    if isinstance(exc, IsADirectoryError):
        return "is a directory (a folder), not a file"
    return f"cannot be read: {exc.strerror or type(exc).__name__}"


def _size_problem(size: int, limit: int, capped: str) -> str | None:
    """'file is 6.1 MB; scenario files are capped at 5 MB' when `size` is over `limit` bytes, else None."""
    if size <= limit:
        return None
    return f"file is {size / 1e6:.1f} MB; {capped} are capped at {limit / 1e6:.0f} MB"


def input_problem(path: Path, limit: int, capped: str, noun: str) -> str | None:
    """Why `path` cannot be read as an input file, or None: it must exist and be a regular file (not a folder,
    FIFO or device) of at most `limit` bytes. `capped` names the files in the size message ('scenario files'),
    `noun` what one is ('a scenario file'). Does not open the file (so a FIFO cannot block)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        return _os_problem(exc)
    return _kind_problem(st.st_mode, noun) or _size_problem(st.st_size, limit, capped)


def read_input(path: Path, name: str, limit: int, capped: str, noun: str) -> bytes:
    """The bytes of an input file, or ScenarioError at `name` (no line) saying why it cannot be read (see
    input_problem). Opened without blocking and read to at most `limit` bytes, so a FIFO, a device such as
    /dev/zero or a file that grows while read cannot hang or exhaust memory."""
    why = input_problem(path, limit, capped, noun)
    if why:
        raise ScenarioError([Problem(name, 0, 0, "", why)])
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(name, 0, 0, "", _os_problem(exc))]) from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        why = _kind_problem(st.st_mode, noun) or _size_problem(st.st_size, limit, capped)
        if why:  # replaced between the check and the open
            raise ScenarioError([Problem(name, 0, 0, "", why)])
        try:
            raw = f.read(limit + 1)
        except OSError as exc:
            raise ScenarioError([Problem(name, 0, 0, "", _os_problem(exc))]) from None
    return raw if len(raw) <= limit else _too_big(name, len(raw), limit, capped)


def _too_big(name: str, size: int, limit: int, capped: str) -> NoReturn:
    """Raise the size problem of a file found over `limit` bytes only while reading it (it grew)."""
    raise ScenarioError([Problem(name, 0, 0, "", _size_problem(size, limit, capped) or "file is too big")])
