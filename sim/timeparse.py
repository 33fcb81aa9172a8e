"""Times and durations as written in scenarios.

Times are ISO 8601 with a UTC offset (`2022-01-06T12:00+06:00`) or offsets from the scenario
start (`+36h`, `+1d12h`). Durations are `1h30m`, `30d`, `45m` or a bare number of hours.
Inside the engine every time is a float: hours since the scenario start.

Limits, so that every time plus any offset or horizon stays representable: absolute times fall in the
years MIN_YEAR to MAX_YEAR, and offsets and durations are at most MAX_SPAN_H (100 years).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DURATION_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*$")
_OFFSET_RE = re.compile(r"^[+-]\d{1,2}:?\d{2}$")
MIN_YEAR, MAX_YEAR = 1900, 2200
"""The years an absolute scenario time may fall in."""
MAX_SPAN_H = 100 * 366 * 24.0
"""The longest duration or offset from start, hours (100 years)."""


def _shown(value: object) -> str:
    """repr(value), cut to 40 characters (a number of thousands of digits is not echoed whole)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _span_checked(hours: float, value: object) -> float:
    """`hours` if at most MAX_SPAN_H either way, else ValueError naming `value` as written."""
    if abs(hours) > MAX_SPAN_H:
        raise ValueError(f"duration {_shown(value)} is out of range; at most 100 years ({MAX_SPAN_H:.0f} h)")
    return hours


def _year_checked(when: datetime, value: object) -> datetime:
    """`when` if it falls in MIN_YEAR..MAX_YEAR, else ValueError naming `value` as written."""
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(f"time {value!s} is out of range; scenario times fall in the years {MIN_YEAR} to {MAX_YEAR}")
    return when


def parse_duration_h(value: object) -> float:
    """Return a duration in hours from `1h30m`, `30d`, `45m`, `2.5h` or a number of hours."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '1h30m' or a number of hours, got {value!r}")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"duration must be finite, got {value!r}")
        return float(_span_checked(value, value))
    if not isinstance(value, str):
        raise ValueError(f"expected a duration like '1h30m', got {value!r}")
    text = value.strip()
    clock = re.match(r"^(\d+):([0-5]\d)$", text)
    if clock:  # 1:30 -> 1.5 h
        return _span_checked(int(clock.group(1)) + int(clock.group(2)) / 60.0, value)
    m = _DURATION_RE.match(text)
    if not text or not m or not any(m.groups()):
        raise ValueError(f"cannot read duration {value!r}; write it like '1h30m', '1:30', '30d', '45m' or '2.5h'")
    d, h, mins = (float(g) if g else 0.0 for g in m.groups())
    return _span_checked(d * 24.0 + h + mins / 60.0, value)


def parse_time(value: object) -> datetime | timedelta:
    """Parse a scenario time: an aware datetime, or a timedelta for `+36h` offsets from start."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"time {value.isoformat()!r} has no UTC offset; add one, e.g. '+06:00'")
        return _year_checked(value, value.isoformat())
    if not isinstance(value, str):
        raise ValueError(f"expected a time like '2022-01-06T12:00+06:00' or '+36h', got {value!r}")
    text = value.strip()
    if text.startswith("+"):
        return timedelta(hours=parse_duration_h(text[1:]))
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"cannot read time {value!r}; write ISO 8601 with a UTC offset like "
            "'2022-01-06T12:00+06:00', or an offset from start like '+36h'"
        ) from None
    if dt.tzinfo is None:
        # a bare date needs a clock time
        example = f"{text}+06:00" if "T" in text or " " in text else f"{text}T00:00+06:00"
        raise ValueError(f"time {value!r} has no UTC offset; add one, e.g. '{example}'")
    return _year_checked(dt, repr(value))


def parse_utc_offset(value: str) -> timezone:
    """`+06:00` -> timezone(+6h)."""
    if not isinstance(value, str) or not _OFFSET_RE.match(value.strip()):
        raise ValueError(f"cannot read UTC offset {value!r}; write it like '+06:00'")
    text = value.strip().replace(":", "")
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:-2]), int(text[-2:])
    if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
        raise ValueError(f"UTC offset {value!r} is out of range (-14:00 to +14:00)")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_hours(value: str) -> tuple[float, float] | None:
    """Operating hours: `always` -> None; `06:00-22:00` -> (6.0, 22.0) in local hours.

    A window may cross midnight (`22:00-06:00`). Equal ends mean never open and are refused.
    """
    text = str(value).strip().lower()
    if text in ("always", "24h", "h24"):
        return None
    m = re.match(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$", text)
    if not m:
        raise ValueError(f"cannot read operating hours {value!r}; write 'always' or local hours like '06:00-22:00'")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 24 or h2 > 24 or m1 >= 60 or m2 >= 60 or (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ValueError(f"operating hours {value!r} are not valid clock times")
    start, end = h1 + m1 / 60.0, h2 + m2 / 60.0
    if start % 24.0 == end % 24.0 and (start, end) != (0.0, 24.0):  # 24:00-00:00 too; 00:00-24:00 is all day
        raise ValueError(f"operating hours {value!r} never open (start equals end); use 'always' for 24 h")
    return (start % 24.0, end % 24.0 if end != 24 else 24.0)


def format_duration_h(hours: float) -> str:
    """Compact signed duration: 28.0 -> '+1d 4h', -0.5 -> '-30m'."""
    sign = "-" if hours < 0 else "+"
    total_min = round(abs(hours) * 60)
    d, rem = divmod(total_min, 24 * 60)
    h, m = divmod(rem, 60)
    parts = []
    if d:
        parts.append(f"{d}d")
    if h:
        parts.append(f"{h}h")
    if m and not d:
        parts.append(f"{m}m")
    return sign + (" ".join(parts) if parts else "0h")
