"""Drawing a run's charts in two worker processes started early.

`sim run` spends most of its time importing matplotlib and drawing. The pool is forked at the
start of the command, before the scenario is even loaded, and each worker imports matplotlib and
the model while the main process loads and simulates; the main process never imports matplotlib.
The charts are then split into two groups of about equal drawing time.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sim.vocabulary import CHART_DPI

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from sim.results import Results

# two groups of about equal drawing time on the reference scenario (see docs/performance.md)
GROUPS = (("gantt_chart", "in_theatre_chart", "sorties_per_day_chart", "journey_chart"),
          ("why_late_chart", "closure_chart", "network_chart", "airfields_chart"))


def _warm() -> None:
    """Import matplotlib and load its fonts while the main process loads and simulates."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import sim.charts  # its import is the warm-up
    import sim.results  # noqa: F401  (what unpickling the results needs)

    fig = Figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "warm-up 0123", fontweight="bold")
    FigureCanvasAgg(fig).draw()


def _start_worker(parent_pid: int) -> None:
    """A chart worker's start: die with the parent process, leave signals to it (sim.parallel.worker_setup),
    then warm up."""
    from sim.parallel import worker_setup

    worker_setup(parent_pid)
    _warm()


def _draw(args: tuple[Results, str, bool, int, tuple[str, ...]]) -> list[str]:
    from sim import charts

    res, out, svg, dpi, names = args
    with charts.resolution(dpi):
        return [str(p) for name in names for p in getattr(charts, name)(res, Path(out), svg)]


def usable_cores() -> int:
    """How many CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class ChartPool:
    """`with ChartPool() as pool: ... pool.draw_run(results, folder)`; serial when one core or no fork."""

    def __init__(self, workers: int | None = None) -> None:
        workers = min(2, usable_cores()) if workers is None else workers
        self.pool: Pool | None = None
        if workers >= 2 and "fork" in mp.get_all_start_methods():
            from sim.parallel import signals_held

            try:  # a signal that comes while the workers start is taken once the pool exists, which it then stops
                with signals_held():
                    self.pool = mp.get_context("fork").Pool(2, initializer=_start_worker, initargs=(os.getpid(),))
            except BaseException:
                self.close()
                raise

    def draw_run(self, res: Results, out: Path, svg: bool = False, dpi: int = CHART_DPI) -> list[Path]:
        """Draw the run's charts into `out`, PNG at `dpi` (in the workers when there are any); the files written."""
        if self.pool is None:
            from sim import charts

            return charts.draw_run_charts(res, out, svg, dpi)
        done = self.pool.map(_draw, [(res, str(out), svg, dpi, names) for names in GROUPS])
        return [Path(p) for group in done for p in group]

    def close(self) -> None:
        """Stop the workers. Their work is done (map returned), so they are terminated rather than
        asked to exit: a worker's interpreter shutdown (matplotlib and all) would cost a few tenths."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
