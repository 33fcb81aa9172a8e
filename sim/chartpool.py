"""Drawing a run's charts in two worker processes started early.

`sim run` spends most of its time importing matplotlib and drawing. A chart process is forked at
the start of the command, before the scenario is even loaded; it imports matplotlib and the model
while the main process loads and simulates (the main process never imports matplotlib), then forks
the two drawing workers from itself, so that matplotlib is imported once, not once per worker.
It runs at a lower priority (nice), so that on a busy or two-core machine its warm-up does not
hold back the simulation and the printed table. The charts are drawn one per task, longest first
(ORDER), while the main process writes the tables (`start_run`, then `wait`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.vocabulary import CHART_DPI

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from sim.results import Results

# the run charts, longest to draw first on the reference scenario (see docs/performance.md), so that
# the two workers finish together
ORDER = ("gantt_chart", "closure_chart", "network_chart", "why_late_chart", "airfields_chart", "journey_chart",
         "in_theatre_chart", "sorties_per_day_chart")
# how much lower the workers' priority is than the main process's (os.nice): enough for the scheduler
# to leave the main process a core of its own on two cores, mild enough not to starve the charts
# behind other programs on a busy machine
NICE = 5


def _warm() -> None:
    """Import matplotlib and load its fonts while the main process loads and simulates."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import sim.charts  # its import is the warm-up
    import sim.results  # noqa: F401  (what unpickling the results needs)
    from sim.basemap import load_borders

    load_borders()  # the network chart's map, read once per worker
    fig = Figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "warm-up 0123", fontweight="bold")
    FigureCanvasAgg(fig).draw()


def _start_worker(parent_pid: int) -> None:
    """A chart worker's start: die with the parent process, leave signals to it (sim.parallel.worker_setup),
    yield the CPU to the main process (NICE), then warm up."""
    from sim.parallel import worker_setup

    worker_setup(parent_pid)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    _warm()


def _draw(args: tuple[Results, str, bool, int, str]) -> tuple[str, list[str]]:
    """Draw one run chart (its function's name in sim.charts) in a worker: its name and the files written."""
    from sim import charts

    res, out, svg, dpi, name = args
    with charts.resolution(dpi):
        return name, [str(p) for p in getattr(charts, name)(res, Path(out), svg)]


def _zygote(conn: Connection, parent_pid: int) -> None:
    """The chart process: warm up (so matplotlib is imported once, not once per worker), fork the two
    drawing workers from itself, then draw each run it is sent, (results, folder, svg, dpi), answering
    ("ok", {chart: files}) or ("error", the exception); None ends it."""
    from sim.parallel import worker_setup

    _start_worker(parent_pid)
    with mp.get_context("fork").Pool(2, initializer=worker_setup, initargs=(os.getpid(),)) as pool:
        while (job := conn.recv()) is not None:
            res, out, svg, dpi = job
            try:
                conn.send(("ok", dict(pool.imap_unordered(_draw, [(res, out, svg, dpi, name) for name in ORDER]))))
            except Exception as exc:  # a chart's error goes back to the command, which reports it
                conn.send(("error", exc))


class PendingCharts:
    """The run's charts being drawn in the workers; `wait()` for the files written, in ORDER."""

    def __init__(self, answer: Callable[[], dict[str, list[str]]] | None, serial: list[Path] | None = None) -> None:
        self.answer = answer
        self.serial = serial

    def wait(self) -> list[Path]:
        """Block until every chart is drawn; the files written, in ORDER (a worker's error is raised here)."""
        if self.answer is None:
            return self.serial or []
        by_name = self.answer()
        self.answer, self.serial = None, [Path(p) for name in ORDER for p in by_name[name]]
        return self.serial


def usable_cores() -> int:
    """How many CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class ChartPool:
    """`with ChartPool() as pool: ... pool.draw_run(results, folder)`; serial when one core or no fork."""

    def __init__(self, workers: int | None = None) -> None:
        workers = min(2, usable_cores()) if workers is None else workers
        self.proc: BaseProcess | None = None
        self.conn: Connection | None = None
        if workers >= 2 and "fork" in mp.get_all_start_methods():
            from sim.parallel import signals_held

            ctx = mp.get_context("fork")
            self.conn, theirs = ctx.Pipe()
            try:  # a signal that comes while the process starts is taken once it exists, which it then stops
                with signals_held():
                    self.proc = ctx.Process(target=_zygote, args=(theirs, os.getpid()), name="sim-charts")
                    self.proc.start()
            except BaseException:
                self.close()
                raise
            finally:
                theirs.close()

    def start_run(self, res: Results, out: Path, svg: bool = False, dpi: int = CHART_DPI) -> PendingCharts:
        """Start drawing the run's charts into `out`, PNG at `dpi`, in the workers, and return at once; with
        no workers they are drawn here before it returns. `wait()` on the result for the files."""
        if self.proc is None or self.conn is None:
            from sim import charts

            return PendingCharts(None, charts.draw_run_charts(res, out, svg, dpi))
        self.conn.send((res, str(out), svg, dpi))
        return PendingCharts(self._answer)

    def _answer(self) -> dict[str, list[str]]:
        """The chart process's answer to the run sent: the files of each chart, or its error raised."""
        assert self.conn is not None
        try:
            kind, value = self.conn.recv()
        except EOFError:
            raise RuntimeError("the chart process ended before the charts were drawn") from None
        if kind == "error":
            raise value
        return dict(value)

    def draw_run(self, res: Results, out: Path, svg: bool = False, dpi: int = CHART_DPI) -> list[Path]:
        """Draw the run's charts into `out`, PNG at `dpi` (in the workers when there are any); the files written."""
        return self.start_run(res, out, svg, dpi).wait()

    def close(self) -> None:
        """Stop the chart process (its workers die with it). Their work is done, so it is terminated rather
        than asked to exit: an interpreter shutdown (matplotlib and all) would cost a few tenths."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
            self.proc = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
