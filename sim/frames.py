"""A run's tables as typed pandas DataFrames, and as Parquet files (pandas and pyarrow are optional).

Each frame has the columns of its CSV file, in the same order and with the same names, built from
the same typed rows (sim.tablerows), but typed instead of formatted:

- times are time-zone-aware datetimes in the scenario start's fixed UTC offset
  (dtype `datetime64[ns, UTC+06:00]`, a `datetime.timezone`), exact to the microsecond
  (the scenario's start plus the record's hours), NaT where the CSV is empty ("never");
- counts are int64 (nullable Int64 in replications_frame, where a failed replication has none);
- quantities, hours (`*_h`) and minutes (`*_min`) are float64 at full precision (not the CSV's
  rounding), NaN where the CSV is empty;
- text is pandas' default string dtype (`str` in pandas 3), '' where the CSV is empty.

Every frame has a RangeIndex (0, 1, ...); an id column (`sortie`, `id`, `line`, `unit`, ...) stays
a column, so the columns are exactly the CSV's header. pandas is imported when a frame is first
built, never when this module is imported; without it the functions raise MissingDependency
(an ImportError) saying what to install.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import tablerows
from sim.extras import require, write_atomic
from sim.tablerows import Cell, Column, Kind, Table

if TYPE_CHECKING:
    import pandas as pd

    from sim.comparison import ComparisonResult
    from sim.grid import SweepResult
    from sim.replications import Replica
    from sim.results import Results
    from sim.scenario import Scenario

PARQUET_FILES = ("sorties", "lines", "legs", "airfields", "in_theatre", "surface")  # the frames written
PARQUET_STEMS = {"lines": "movements"}  # file stems that differ from the frame's name: beside movements.csv


def _pandas() -> Any:
    return require("pandas", "DataFrames")


def zone_of(start: datetime) -> timezone:
    """The fixed UTC offset of a scenario's start, as the time zone of the frames' times."""
    offset = start.utcoffset()
    return timezone(offset if offset is not None else timedelta(0))


def _times(pd: Any, values: list[Cell], start: datetime) -> Any:
    """Hours since `start` as a tz-aware datetime Series (start's offset), to the microsecond; NaT for never."""
    import numpy as np

    hours = np.array([v if isinstance(v, (int, float)) else math.nan for v in values], dtype=float)
    finite = np.isfinite(hours)
    micros = np.where(finite, np.round(np.where(finite, hours, 0.0) * 3.6e9), 0).astype(np.int64)
    base = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    stamps = (base + micros.astype("timedelta64[us]")).astype("datetime64[ns]")
    stamps[~finite] = np.datetime64("NaT")
    return pd.Series(stamps, dtype="datetime64[ns]").dt.tz_localize("UTC").dt.tz_convert(zone_of(start))


def _series(pd: Any, column: Column, values: list[Cell], start: datetime) -> Any:
    """One column's values as a typed Series (see the module's docstring)."""
    import numpy as np

    if column.kind == "time":
        return _times(pd, values, start)
    if column.kind == "float":
        return pd.Series(np.array([math.nan if v is None else v for v in values], dtype=np.float64))
    if column.kind == "int":
        if any(v is None for v in values):
            return pd.Series(pd.array(values, dtype="Int64"))
        return pd.Series(np.array(values, dtype=np.int64))
    return pd.Series(["" if v is None else v for v in values], dtype=str)


def table_frame(table: Table, start: datetime) -> pd.DataFrame:
    """Any typed table (sim.tablerows) as a DataFrame: its columns in order, typed, a RangeIndex."""
    pd = _pandas()
    data = {c.name: _series(pd, c, [row[k] for row in table.rows], start) for k, c in enumerate(table.columns)}
    return pd.DataFrame(data, columns=table.header)


def sorties_frame(res: Results) -> pd.DataFrame:
    """sorties.csv as a DataFrame: one row per flight in take-off order; RangeIndex (`sortie` is 1-based)."""
    return table_frame(tablerows.sortie_table(res), res.run.scenario.start)


def lines_frame(res: Results) -> pd.DataFrame:
    """movements.csv as a DataFrame: one row per movement line, in scenario order; RangeIndex (`id` a column)."""
    return table_frame(tablerows.movement_table(res), res.run.scenario.start)


def legs_frame(res: Results) -> pd.DataFrame:
    """legs.csv as a DataFrame: one row per leg of every line; RangeIndex (`line` and `leg` are columns)."""
    return table_frame(tablerows.leg_table(res), res.run.scenario.start)


def airfields_frame(res: Results) -> pd.DataFrame:
    """One row per airfield of the scenario: `id` then summary.json's airfields keys (`name`, `mog`,
    `peak_on_ground` as float spots, `departures`, `arrivals`); RangeIndex."""
    return table_frame(tablerows.airfield_table(res), res.run.scenario.start)


def in_theatre_frame(res: Results) -> pd.DataFrame:
    """in_theatre.csv as a DataFrame: `time` (tz-aware), `total`, one int column per nation; RangeIndex.

    A row's time is the exact time of the last change within its minute (the CSV writes the minute)."""
    return table_frame(tablerows.in_theatre_table(res), res.run.scenario.start)


def surface_frame(res: Results) -> pd.DataFrame:
    """surface.csv as a DataFrame: one row per road serial and train (no rows, typed columns, when
    nothing moved by road or rail); RangeIndex."""
    return table_frame(tablerows.trip_table(res), res.run.scenario.start)


def replications_frame(scenario: Scenario, replicas: Sequence[Replica]) -> pd.DataFrame:
    """replications.csv as a DataFrame: one row per replication in index order; RangeIndex.

    `sorties`, `breakdowns` and `weather_closures` are nullable Int64 (NA for a failed replication);
    the waits are float hours; `closed.<phase>` and `closed.<line>` are tz-aware times (NaT: not closed)."""
    return table_frame(tablerows.replication_table(scenario, replicas), scenario.start)


def frames(res: Results) -> dict[str, pd.DataFrame]:
    """Every frame of a run by name: sorties, lines, legs, airfields, in_theatre, surface."""
    build = {"sorties": sorties_frame, "lines": lines_frame, "legs": legs_frame, "airfields": airfields_frame,
             "in_theatre": in_theatre_frame, "surface": surface_frame}
    return {name: build[name](res) for name in PARQUET_FILES}


def write_parquet(res: Results, folder: str | Path) -> Path:
    """Write sorties, movements (the lines frame), legs, airfields, in_theatre and surface `.parquet` files into
    `folder` (created if needed) with the pyarrow engine; each file is replaced atomically. Times keep
    their time zone; reading a file back with `pandas.read_parquet` gives the frame. Returns `folder`.

    surface.parquet is written even when nothing moved by road or rail (no rows, typed columns), so
    the set of files is always the same."""
    require("pyarrow", "Parquet files")
    folder = Path(folder)
    for name, frame in frames(res).items():
        buf = io.BytesIO()
        frame.to_parquet(buf, engine="pyarrow", index=False)
        write_atomic(folder / f"{PARQUET_STEMS.get(name, name)}.parquet", buf.getvalue())
    return folder


# ------------------------------------------------------------------ sweeps and comparisons

_SWEEP_TIMES = ("_closed_h", "_p50_h", "_p90_h")


def sweep_frame(result: SweepResult) -> pd.DataFrame:
    """A sweep as a DataFrame: one row per grid point, the varied values (text, as given), then every
    metric of sweep.csv under the same names (`<phase>_closed`, `_p50`, `_p90` as tz-aware times, NaT
    for never); RangeIndex."""
    metrics = result.metric_columns()
    first = result.rows[0][1].columns() if result.rows else {}
    columns = [Column(p, _kind_of(values), None) for p, values in result.varies]
    for key in metrics:
        name = key.replace("_closed_h", "_closed").replace("_p50_h", "_p50").replace("_p90_h", "_p90")
        sample = first.get(key)
        kind: Kind = "time" if key.endswith(_SWEEP_TIMES) else \
            "int" if isinstance(sample, int) and not isinstance(sample, bool) else "float"
        columns.append(Column(name, kind, None))
    kinds = [c.kind for c in columns]
    rows: list[list[Cell]] = [[_typed(pt.values[p], kind) for (p, _), kind in zip(result.varies, kinds)]
                              + [m.columns().get(k) for k in metrics] for pt, m in result.rows]
    return table_frame(Table(columns, rows), result.scenario.start)


def _kind_of(values: list[str]) -> Kind:
    """A varied field's column kind: int or float when every value is one (so it sorts as a number), else text."""
    if _all_parse(values, int):
        return "int"
    return "float" if _all_parse(values, float) else "text"


def _all_parse(values: list[str], parse: Callable[[str], object]) -> bool:
    try:
        for v in values:
            parse(v)
    except ValueError:
        return False
    return True


def _typed(value: str, kind: Kind) -> Cell:
    return int(value) if kind == "int" else float(value) if kind == "float" else value


def comparison_frame(result: ComparisonResult) -> pd.DataFrame:
    """A comparison as a DataFrame: one row per metric (index: its key), `label` and `kind`, then one
    column per run with its value (times tz-aware, peak/MOG as the peak's share of the MOG)."""
    from sim.comparison import metrics

    pd = _pandas()

    def value(kind: str, v: Any) -> Any:
        if v is None:
            return None
        if kind == "time":
            return pd.Timestamp(datetime.fromisoformat(v))
        return v[0] / v[1] if kind == "ratio" and v[1] else v

    rows = {m.key: [m.label, m.kind, *(value(m.kind, v) for v in m.values)] for m in metrics(result.digests,
                                                                                           result.phase)}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["label", "kind", *result.labels])
    frame.index.name = "metric"
    return frame
