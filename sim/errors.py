"""Problems found in scenario files, reported as `file:line:column: path: message`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or suspicious) in a scenario file, located by its YAML node."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


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
