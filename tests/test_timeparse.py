"""sim.timeparse against hand-computed values: durations, scenario times, UTC offsets, operating
hours and the compact duration format. Every expected value is a literal worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sim.timeparse import format_duration_h, parse_duration_h, parse_hours, parse_time, parse_utc_offset

# ----------------------------------------------------------------- parse_duration_h


@pytest.mark.parametrize(
    "text,hours",
    [
        ("1h30m", 1.5),  # 1 + 30/60
        ("45m", 0.75),  # 45/60
        ("2.5h", 2.5),
        ("30d", 720.0),  # 30 x 24
        ("1.5d", 36.0),  # 1.5 x 24
        ("1d12h", 36.0),  # 24 + 12
        ("1d 2h 30m", 26.5),  # 24 + 2 + 0.5, spaces between the parts
        ("  45m  ", 0.75),  # surrounding spaces
        ("0h", 0.0),
        ("90m", 1.5),  # minutes above 59 are allowed in this form
        ("1:30", 1.5),  # clock form h:mm
        ("0:05", 5 / 60),  # 5 minutes
        ("100:00", 100.0),  # hours of a clock form are not limited to 23
    ],
)
def test_duration_text(text: str, hours: float) -> None:
    assert parse_duration_h(text) == pytest.approx(hours, abs=1e-12)


@pytest.mark.parametrize("value,hours", [(0, 0.0), (2, 2.0), (2.5, 2.5), (720, 720.0)])
def test_duration_number_is_hours(value: float, hours: float) -> None:
    """A YAML number is a number of hours, returned as a float."""
    result = parse_duration_h(value)
    assert result == hours and isinstance(result, float)


@pytest.mark.parametrize(
    "value",
    [
        "", "   ", "h", "2",  # empty, a unit without a number, a bare number as text
        "1H", "30m1h", "1h30",  # capital unit, parts out of order, minutes without their unit
        "-1h", ".5h", "1.h", "1e3h",  # sign, and decimals the pattern does not read
        "1:60", "1:5", "1:30:00",  # clock minutes out of range or not two digits; seconds
    ],
)
def test_duration_text_refused(value: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration_h(value)


@pytest.mark.parametrize("value", [True, False, None, [1], float("nan"), float("inf"), float("-inf")])
def test_duration_non_text_refused(value: object) -> None:
    """Booleans are not numbers of hours here; nothing non-finite is a duration."""
    with pytest.raises(ValueError):
        parse_duration_h(value)


# ----------------------------------------------------------------- parse_time


def test_time_with_offset_is_an_aware_datetime() -> None:
    t = parse_time("2022-01-06T12:00+06:00")
    assert t == datetime(2022, 1, 6, 12, 0, tzinfo=timezone(timedelta(hours=6)))
    assert t == datetime(2022, 1, 6, 6, 0, tzinfo=UTC)  # 12:00 at +06:00 is 06:00 UTC


def test_time_in_utc_with_z() -> None:
    assert parse_time("2022-01-06T12:00Z") == datetime(2022, 1, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text,offset",
    [("+36h", timedelta(hours=36)), ("+1d12h", timedelta(hours=36)), ("  +90m ", timedelta(minutes=90)),
     ("+1:30", timedelta(minutes=90)), ("+0h", timedelta(0))],
)
def test_time_offset_from_start(text: str, offset: timedelta) -> None:
    assert parse_time(text) == offset


def test_aware_datetime_passes_through() -> None:
    t = datetime(2022, 1, 6, tzinfo=UTC)
    assert parse_time(t) is t


@pytest.mark.parametrize("value", ["2022-01-06T12:00", "2022-01-06", datetime(2022, 1, 6, 12, 0)])
def test_time_without_utc_offset_refused(value: object) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_time(value)


@pytest.mark.parametrize("value", ["-36h", "tomorrow", "2022-13-01T00:00+06:00", 5, None])
def test_unreadable_time_refused(value: object) -> None:
    """Offsets are only forward ('+'); months go to 12; a number is not a time."""
    with pytest.raises(ValueError, match="time"):
        parse_time(value)


# ----------------------------------------------------------------- parse_utc_offset


@pytest.mark.parametrize(
    "text,hours",
    [("+06:00", 6.0), ("+0600", 6.0), ("+6:00", 6.0), ("-03:30", -3.5), ("+05:45", 5.75), ("+00:00", 0.0),
     ("+14:00", 14.0), ("-14:00", -14.0), (" +03:00 ", 3.0)],
)
def test_utc_offset(text: str, hours: float) -> None:
    """Minutes count as a fraction of the hour: -03:30 is -3.5 h, +05:45 is 5.75 h."""
    assert parse_utc_offset(text) == timezone(timedelta(hours=hours))


@pytest.mark.parametrize("value", ["06:00", "+6", "UTC+6", "+06:0", "", "+15:00", "-15:00", "+06:60"])
def test_utc_offset_refused(value: str) -> None:
    """A sign is required, minutes are two digits below 60, and offsets run -14:00 to +14:00."""
    with pytest.raises(ValueError, match="UTC offset"):
        parse_utc_offset(value)


# ----------------------------------------------------------------- parse_hours


@pytest.mark.parametrize("text", ["always", "ALWAYS", " Always ", "24h", "H24"])
def test_hours_always_open(text: str) -> None:
    assert parse_hours(text) is None


@pytest.mark.parametrize(
    "text,window",
    [
        ("06:00-22:00", (6.0, 22.0)),
        ("6:00-22:00", (6.0, 22.0)),
        ("06:00 - 22:00", (6.0, 22.0)),
        ("22:00-06:00", (22.0, 6.0)),  # across midnight: start after end
        ("06:30-21:45", (6.5, 21.75)),  # 30/60 and 45/60
        ("00:00-24:00", (0.0, 24.0)),  # a whole day written out: 24:00 kept as the end
        ("24:00-06:00", (0.0, 6.0)),  # 24:00 as a start is midnight
        ("22:00-24:00", (22.0, 24.0)),
    ],
)
def test_hours_window(text: str, window: tuple[float, float]) -> None:
    assert parse_hours(text) == window


@pytest.mark.parametrize("text", ["06:00-06:00", "00:00-00:00"])
def test_hours_never_open_refused(text: str) -> None:
    with pytest.raises(ValueError, match="never open"):
        parse_hours(text)


@pytest.mark.parametrize("text", ["25:00-06:00", "06:60-07:00", "24:30-06:00", "06:00-24:01"])
def test_hours_invalid_clock_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not valid clock times"):
        parse_hours(text)


@pytest.mark.parametrize("text", ["0600-2200", "06:00", "06:00-", "day", "", "06:00-22:00-23:00"])
def test_hours_unreadable_refused(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read operating hours"):
        parse_hours(text)


# ----------------------------------------------------------------- format_duration_h


@pytest.mark.parametrize(
    "hours,text",
    [
        (28.0, "+1d 4h"),  # 28 = 24 + 4
        (-0.5, "-30m"),
        (0.0, "+0h"),
        (1.5, "+1h 30m"),
        (49.75, "+2d 1h"),  # 48 + 1.75: minutes are left out once there are days
        (24.5, "+1d"),  # 24 h 30 m: the 30 m are left out
        (-24.0, "-1d"),
        (0.999, "+1h"),  # 59.94 min rounds to 60 min = 1 h
        (1 / 120, "+0h"),  # 0.5 min rounds to 0 (round half to even)
    ],
)
def test_format_duration(hours: float, text: str) -> None:
    assert format_duration_h(hours) == text


# ----------------------------------------------------------------- known defects (reported, not fixed here)


def test_utc_offset_beyond_fourteen_hours_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_utc_offset("+14:30")


def test_hours_midnight_to_midnight_refused() -> None:
    with pytest.raises(ValueError, match="never open"):
        parse_hours("24:00-00:00")


def test_a_bare_date_is_told_to_add_a_clock_time_and_an_offset() -> None:
    """Following the hint must work: '2022-01-06+06:00' would read as 06:00 with no offset."""
    with pytest.raises(ValueError, match=r"'2022-01-06T00:00\+06:00'"):
        parse_time("2022-01-06")
    assert parse_time("2022-01-06T00:00+06:00") == datetime(2022, 1, 6, tzinfo=timezone(timedelta(hours=6)))
