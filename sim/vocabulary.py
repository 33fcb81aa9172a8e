"""The words every module shares: the phases of a move, and how a model time is written.

Model times are hours since the scenario's start (floats); None, NaN and infinity mean "never" or
"not known". They are written in one of two styles, both in the start's UTC offset:
- ISO 8601 to the minute for files ('2022-01-09T16:24+06:00');
- short for people ('09 Jan 16:24').
This module imports nothing heavy, so the command line can use it before a scenario is loaded.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo
from typing import Literal

Phase = Literal["deploy", "withdraw"]
PHASES: tuple[Phase, ...] = ("deploy", "withdraw")  # in the order they happen
SHORT = "%d %b %H:%M"
CHART_DPI = 150  # resolution of the PNG charts, dots per inch (`--dpi`, `write(..., dpi=)`)


def phases_for(choice: str) -> tuple[str, ...]:
    """The phases a `--phase` choice names: 'all' is both, in order."""
    return PHASES if choice == "all" else (choice,)


def format_time(start: datetime, hours: float | None, style: Literal["iso", "short"] = "iso",
                missing: str = "") -> str:
    """A model time as text in `start`'s offset; `missing` for None, NaN or infinity."""
    if hours is None or not math.isfinite(hours):
        return missing
    return format_datetime(start + timedelta(hours=hours), style)


def format_datetime(when: datetime, style: Literal["iso", "short"] = "iso") -> str:
    """A wall-clock time in one of the two styles."""
    return when.isoformat(timespec="minutes") if style == "iso" else when.strftime(SHORT)


def utc_label(zone: tzinfo | None) -> str:
    """'UTC+06:00': the offset the outputs' local times are in."""
    offset = datetime(2022, 1, 1, tzinfo=zone).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


LIBRARIES = ("simpy", "numpy", "matplotlib", "pydantic", "pyyaml")  # the results depend on these


def tool_versions() -> dict[str, str]:
    """sim's version, Python's and those of the libraries behind the results (for summary.json and reports)."""
    import platform
    from importlib import metadata

    from sim import __version__

    out = {"name": "sim", "version": __version__, "python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def versions_text() -> str:
    """'sim 0.1.0 (Python 3.11.7, simpy 4.1.1, ...)' for the header of a report."""
    v = tool_versions()
    return f"sim {v['version']} (Python {v['python']}, " + ", ".join(f"{lib} {v[lib]}" for lib in LIBRARIES) + ")"
