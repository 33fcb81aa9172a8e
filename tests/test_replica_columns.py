"""A batch kept as columns (sim.replications.ReplicaTable): Replica views give back what was stored, the
statistics read from the columns, texts as codes, the curves narrow until they cannot, and
replications.csv made in pieces. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import copy
import csv
import io
import math
from typing import Any

import numpy as np
import pytest

from sim import replications, report
from sim.replications import WAIT_KINDS, Layout, Replica, Replicas, ReplicaTable
from tests.helpers import BASE, build


def _scenario() -> Any:
    """Two contingents; x deploys (deadline 240 h) and withdraws (360 h), y deploys (120 h)."""
    data = copy.deepcopy(BASE)
    data["contingents"].append({"id": "y", "nation": "Yland", "troops": 500, "home": "home"})
    data["movements"] = [
        {"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod", "ready": "+0h",
         "deadline": "+240h"},
        {"id": "y-in", "contingent": "y", "phase": "deploy", "from": "home", "to": "pod", "ready": "+0h",
         "deadline": "+120h"},
        {"id": "x-out", "contingent": "x", "phase": "withdraw", "from": "pod", "to": "home", "ready": "+250h",
         "deadline": "+360h"},
    ]
    return build(data)


def _rep(index: int, closed: tuple[float, float, float], counts: tuple[int, int, int], wait: float,
         bound: dict[str, str], curve: list[int] | None = None) -> Replica:
    """A replication that ran: closures of x-in, y-in, x-out; the phases and contingents follow from them."""
    xi, yi, xo = closed
    deploy = math.nan if math.isnan(xi) or math.isnan(yi) else max(xi, yi)
    return Replica(index, 1000 + index, {"x-in": xi, "y-in": yi, "x-out": xo}, {"deploy": deploy, "withdraw": xo},
                   {"x": {"deploy": xi, "withdraw": xo}, "y": {"deploy": yi}}, *counts,
                   dict.fromkeys(WAIT_KINDS, wait), bound, np.array(curve or [], np.int32))


def _four() -> list[Replica]:
    """r0 all on time; r1 failed; r2 x-in late (mog), y-in open (aircraft); r3 y-in late (aircraft), x-out
    late (mog)."""
    return [_rep(0, (100.0, 110.0, 300.0), (10, 1, 0), 1.0, {}),
            Replica.failed(1, 1001, "ValueError: boom"),
            _rep(2, (250.0, math.nan, 350.0), (12, 3, 2), 2.0, {"x-in": "mog", "y-in": "aircraft"}),
            _rep(3, (200.0, 130.0, 400.0), (11, 2, 1), 6.0, {"y-in": "aircraft", "x-out": "mog"})]


def test_layout_of_the_scenario() -> None:
    lay = Layout.of(_scenario())
    assert lay.lines == ("x-in", "y-in", "x-out")
    assert lay.phases == ("deploy", "withdraw")
    assert lay.contingents == (("x", ("deploy", "withdraw")), ("y", ("deploy",)))
    assert lay.keys == [("line", "x-in"), ("line", "y-in"), ("line", "x-out"), ("phase", "deploy"),
                        ("phase", "withdraw"), ("x", "deploy"), ("x", "withdraw"), ("y", "deploy")]


def test_rows_give_back_the_replicas_with_texts_as_codes() -> None:
    reps = _four()
    table = ReplicaTable.from_replicas(Layout.of(_scenario()), reps)
    assert table.texts == ["ValueError: boom", "mog", "aircraft"]  # in the order first met
    assert table.error.tolist() == [0, 1, 0, 0]
    assert table.bound.tolist() == [[0, 0, 0], [0, 0, 0], [2, 3, 0], [0, 3, 2]]
    assert table.counts.tolist() == [[10, 1, 0], [0, 0, 0], [12, 3, 2], [11, 2, 1]]
    view = Replicas(table)
    assert len(view) == 4 and view[-1].index == 3 and [r.index for r in view[1:3]] == [1, 2]
    assert [repr(r) for r in view] == [repr(r) for r in reps]  # no curves kept: in_theatre is empty in both
    with pytest.raises(IndexError):
        view[4]


def test_summary_from_the_columns_by_hand() -> None:
    s = _scenario()
    sm = replications.summarise(s, _four())
    assert sm.n == 3 and sm.failed == [(1, 1001, "ValueError: boom")]
    x_in = sm.lines["x-in"]  # 100, 200, 250 against 240 h; "higher" percentiles of 3 values
    assert (x_in.p5_h, x_in.p50_h, x_in.p95_h, x_in.mean_h) == (200.0, 200.0, 250.0, 550.0 / 3)
    assert x_in.p_met == 2 / 3 and x_in.not_closed == 0
    y_in = sm.lines["y-in"]  # 110, 130, never against 120 h
    assert (y_in.p5_h, y_in.p50_h, y_in.p95_h, y_in.not_closed, y_in.p_met) == (130.0, 130.0, math.inf, 1, 1 / 3)
    assert math.isnan(y_in.mean_h)
    assert sm.phases["withdraw"].p50_h == 350.0 and sm.contingents["y"]["deploy"].not_closed == 1
    assert sm.all_met.p == 1 / 3  # only r0
    d = sm.drivers  # mog and aircraft bound two late line-replications each; mog was met first (r2, x-in)
    assert d.late_line_replications == 4
    assert [(b.wait, b.count, b.share) for b in d.bound_by] == [("mog", 2, 0.5), ("aircraft", 2, 0.5)]
    assert d.mean_waits_h == dict.fromkeys(WAIT_KINDS, 3.0)  # (1 + 2 + 6) / 3
    assert (d.mean_breakdowns, d.mean_weather_closures) == (2.0, 1.0)


def test_curves_narrow_until_a_value_does_not_fit() -> None:
    table = ReplicaTable(Layout.of(_scenario()), 3, 4)
    table.add(_rep(0, (1.0, 2.0, 3.0), (1, 0, 0), 0.0, {}, [0, 10, 65535, 65535]), 0)
    assert table.curve.dtype == np.uint16
    table.add(_rep(2, (1.0, 2.0, 3.0), (1, 0, 0), 0.0, {}, [0, 70000, 70001, 5]), 2)
    assert table.curve.dtype == np.int32
    assert table.curve.tolist() == [[0, 10, 65535, 65535], [0, 0, 0, 0], [0, 70000, 70001, 5]]
    done = table.finished()  # row 1 was never written
    assert done.index.tolist() == [0, 2]
    got = Replicas(done)[1].in_theatre
    assert got.dtype == np.int32 and got.tolist() == [0, 70000, 70001, 5]


def test_fan_reads_the_curve_columns() -> None:
    table = ReplicaTable(Layout.of(_scenario()), 5, 2)
    for i, curve in enumerate(([0, 10], [0, 20], [0, 30], [0, 40])):
        table.add(_rep(i, (1.0, 2.0, 3.0), (1, 0, 0), 0.0, {}, curve), i)
    table.add(Replica.failed(4, 4, "x"), 4)
    got = replications.fan(Replicas(table))
    # hour 1: 10, 20, 30, 40; linear percentiles: p5 at 0.15 -> 11.5, p50 at 1.5 -> 25, p95 at 2.85 -> 38.5
    assert got["p5"].tolist() == [0.0, 11.5] and got["p50"].tolist() == [0.0, 25.0]
    assert got["p95"].tolist() == [0.0, 38.5]


def test_replications_csv_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    s = _scenario()
    reps = _four()[::-1]  # any order: the CSV is in index order
    whole = report.replications_csv(s, reps)
    monkeypatch.setattr(report, "REPLICATIONS_CSV_ROWS", 1)
    assert len(list(report.replications_csv_parts(s, reps))) == 4
    assert report.replications_csv(s, reps) == whole
    rows = list(csv.reader(io.StringIO(whole)))
    assert rows[0][:5] == ["replication", "seed", "status", "error", "sorties"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    assert rows[2][2:4] == ["error", "ValueError: boom"]
    at = {name: k for k, name in enumerate(rows[0])}
    # r2: deploy never closed (''), withdraw at 350 h = 14 d 14 h after 2022-01-06T00:00+06:00
    assert rows[3][at["closed.deploy"]] == "" and rows[3][at["closed.withdraw"]] == "2022-01-20T14:00+06:00"
    assert rows[3][at["wait_mog_h"]] == "2.00" and rows[3][at["sorties"]] == "12"


def test_a_row_cut_short_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupt while a replication is being written into its row (Ctrl-C lands inside the callback of an
    in-process or Dask batch) leaves that row out: `finished()` keeps the two written whole, not a third of
    zeros that would count as a replication that met every deadline at hour 0."""
    reps = _four()
    table = ReplicaTable(Layout.of(_scenario()), 4, 0)
    table.add(reps[0], 0)
    table.add(reps[2], 2)

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(table, "_add_curve", interrupted)
    table.curve = np.zeros((4, 1), np.uint16)  # so that add reaches the (interrupted) curve, its last write
    with pytest.raises(KeyboardInterrupt):
        table.add(reps[3], 3)
    assert table.finished().index.tolist() == [0, 2]
