"""`sim run` of the reference scenario, split into stages, against the bare dependency import time;
and `python -c "import sim"` on its own (the Python API's entry: it should load no heavy library).

Each measurement is a fresh subprocess (the user's experience: a cold interpreter each time):

- bare import: `python -c "import matplotlib.pyplot, numpy, simpy, yaml"`, wall time;
- interpreter start-up: `python -c "pass"`, wall time;
- sim imports: `python -c "import sim.cli, sim.scenario, sim.engine, sim.results, sim.report"` (what
  `sim run` imports before its first timed stage; matplotlib is imported inside the charts stage),
  wall time less the start-up;
- `python -m sim run SCENARIO --timings -o DIR`, stdout piped and read line by line: total wall time,
  the time to the printed table (when the movement table's header line arrives, from just before the
  process starts; the target is on this run, and as many again with `--no-charts` are reported
  beside it), and the stage times it prints
  (`timings: load 0.05s, simulate 0.02s, analyse 0.00s, report 0.17s, charts 4.18s`); `report`
  is the sum of the CSV/JSON/YAML writing and report.html, `charts` includes importing matplotlib.
  Whatever the stages and imports do not explain (printing the table, renaming the output folder,
  interpreter shutdown) is reported as `other`.

The subprocesses run from the repository root with it on PYTHONPATH, so an uninstalled checkout works.
`python benchmarks/cli_bench.py charts [N]` instead measures the CPU of each run chart drawn in-process.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"
BARE_IMPORT = "import matplotlib.pyplot, numpy, simpy, yaml"
SIM_IMPORTS = "import sim.cli, sim.scenario, sim.engine, sim.results, sim.report"
STAGES = ("load", "simulate", "analyse", "charts", "report")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=str(ROOT), env=_env(), timeout=600)
    wall = time.perf_counter() - t0
    proc.cpu_s = sum(os.times()[2:4])  # children's CPU so far; callers take differences
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall, proc


def bare_import_s() -> float:
    return timed([sys.executable, "-c", BARE_IMPORT])[0]


def startup_s() -> float:
    return timed([sys.executable, "-c", "pass"])[0]


PUBLIC_IMPORT = ("import sys, time; t0 = time.perf_counter(); import sim; dt = time.perf_counter() - t0; "
                 "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'pandas', 'pyarrow', "
                 "'openpyxl', 'simpy', 'pydantic', 'numpy'}); print(dt, ','.join(heavy))")


def import_sim() -> tuple[float, float, list[str]]:
    """`python -c "import sim"`: the whole wall time (start-up included), the import alone as the
    interpreter measured it, and the heavy libraries it loaded (none expected)."""
    wall, proc = timed([sys.executable, "-c", PUBLIC_IMPORT])
    inside, _, heavy = proc.stdout.strip().partition(" ")
    return wall, float(inside), [m for m in heavy.split(",") if m]


def sim_imports_s() -> float:
    return timed([sys.executable, "-c", SIM_IMPORTS])[0]


def parse_timings(stdout: str) -> dict[str, float]:
    line = next((ln for ln in stdout.splitlines() if ln.startswith("timings:")), None)
    if line is None:
        raise RuntimeError("`sim run --timings` printed no 'timings:' line")
    return {k: float(v) for k, v in re.findall(r"([a-z_]+) ([0-9.]+)s", line)}


def is_table_line(line: str) -> bool:
    """The header of the movement table `sim run` prints (`line  cont.  phase ... status`)."""
    return line.startswith("line ") and line.rstrip().endswith("status")


def streamed(args: list[str]) -> tuple[float, float | None, str]:
    """Run `args` with stdout piped and read it line by line: the whole wall time, the wall time at
    which the first line of the movement table arrived (None if none did), both from just before
    the process was started, and everything it printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
                            env=_env(), bufsize=1)
    table_at, lines = None, []
    assert proc.stdout is not None
    for line in proc.stdout:
        if table_at is None and is_table_line(line):
            table_at = time.perf_counter() - t0
        lines.append(line)
    err = proc.stderr.read() if proc.stderr else ""
    rc = proc.wait(timeout=600)
    wall = time.perf_counter() - t0
    if rc != 0:
        raise RuntimeError(f"{' '.join(args)} exited {rc}:\n{err[-2000:]}")
    return wall, table_at, "".join(lines)


def sim_run(scenario: Path = REFERENCE, extra: tuple[str, ...] = ()) -> tuple[dict, float]:
    """One `sim run --timings` (with `extra` options): wall time, time to the printed table, stage
    times; and the children's CPU seconds so far (callers take differences)."""
    out = Path(tempfile.mkdtemp(prefix="sim-bench-run-"))
    try:
        wall, table_at, stdout = streamed([sys.executable, "-m", "sim", "run", str(scenario), "--timings", *extra,
                                           "-o", str(out / "run")])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if table_at is None:
        raise RuntimeError("`sim run` printed no movement table")
    stages = parse_timings(stdout)
    return {"total_s": wall, "time_to_table_s": table_at, **{f"{k}_s": v for k, v in stages.items()}}, \
        sum(os.times()[2:4])


def median_of(fn, repeats: int) -> tuple[float, list[float]]:
    xs = [fn() for _ in range(repeats)]
    return statistics.median(xs), xs


def breakdown(repeats: int, import_repeats: int) -> dict:
    """Medians of every part; stage medians are taken per stage over the repeats."""
    public = [import_sim() for _ in range(import_repeats)]
    bare, bare_all = median_of(bare_import_s, import_repeats)
    start, _ = median_of(startup_s, import_repeats)
    sim_imp, _ = median_of(sim_imports_s, import_repeats)
    runs, cpu = [], []
    for _ in range(repeats):
        c0 = sum(os.times()[2:4])
        r, c1 = sim_run()
        runs.append(r)
        cpu.append(c1 - c0)  # CPU of `sim run` and its chart worker processes
    bare_runs = [sim_run(extra=("--no-charts",))[0] for _ in range(repeats)]
    med = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
    table = statistics.median(r["time_to_table_s"] for r in runs)
    stages = {s: med.get(f"{s}_s", 0.0) for s in STAGES}
    imports = max(0.0, sim_imp - start)
    other = med["total_s"] - start - imports - sum(stages.values())
    return {
        "bare_import_s": bare, "bare_import_all_s": bare_all,
        "python_startup_s": start, "sim_imports_s": imports, **{f"{s}_s": v for s, v in stages.items()},
        "other_s": other, "total_s": med["total_s"], "total_all_s": [r["total_s"] for r in runs],
        "total_cpu_s": statistics.median(cpu),
        "ratio_to_bare_import": med["total_s"] / bare, "scenario": str(REFERENCE.relative_to(ROOT)),
        "time_to_table_s": table, "time_to_table_all_s": [r["time_to_table_s"] for r in runs],
        "ratio_table_to_bare_import": table / bare,
        "no_charts_time_to_table_s": statistics.median(r["time_to_table_s"] for r in bare_runs),
        "no_charts_total_s": statistics.median(r["total_s"] for r in bare_runs),
        "no_charts_ratio_to_bare_import": statistics.median(r["total_s"] for r in bare_runs) / bare,
        "import_sim_s": statistics.median(w for w, _, _ in public),
        "import_sim_inside_s": statistics.median(i for _, i, _ in public),
        "import_sim_heavy": sorted({m for _, _, h in public for m in h}),
    }


CHART_NAMES = ("gantt", "closure", "network", "why_late", "airfields", "journey", "in_theatre", "sorties_per_day")


def chart_cpu(repeats: int) -> dict[str, tuple[float, float]]:
    """CPU seconds of each run chart of the reference scenario drawn in this process, as `sim run`'s chart
    workers draw it (sim.charts._save): the figure built and written as PNG, then as SVG on the PNG's layout.
    The least of `repeats` drawings after one warm-up, per chart: {chart: (png_s, svg_s)}. The package is
    this checkout's, as for the subprocesses."""
    sys.path.insert(0, str(ROOT))
    import matplotlib

    import sim
    from sim import charts
    from sim.vocabulary import CHART_DPI

    res = sim.run(REFERENCE).results
    out = Path(tempfile.mkdtemp(prefix="sim-bench-charts-"))

    def once(name: str) -> tuple[float, float]:
        """One drawing of a chart: CPU seconds of the figure and its PNG, then of its SVG."""
        t0 = time.process_time()
        fig = getattr(charts, f"{name}_figure")(res)
        with matplotlib.rc_context(charts.STYLE):
            charts._write_png(fig, out / f"{name}.png", CHART_DPI)
            t1 = time.process_time()
            charts._keep_layout(fig, CHART_DPI)
            fig.savefig(out / f"{name}.svg", metadata={"Date": None, "Creator": None})
        return t1 - t0, time.process_time() - t1

    try:
        found: dict[str, tuple[float, float]] = {}
        for name in CHART_NAMES:
            once(name)
            png, svg = zip(*(once(name) for _ in range(repeats)))
            found[name] = (min(png), min(svg))
        return found
    finally:
        shutil.rmtree(out, ignore_errors=True)


def print_chart_cpu(repeats: int) -> None:
    """`python benchmarks/cli_bench.py charts [N]`: each run chart's CPU seconds, PNG and SVG, and the totals."""
    found = chart_cpu(repeats)
    for name, (png, svg) in found.items():
        print(f"{name:16s} png {png:.3f} s  svg {svg:.3f} s")
    png, svg = (sum(v[k] for v in found.values()) for k in (0, 1))
    print(f"{'total':16s} png {png:.3f} s  svg {svg:.3f} s  both {png + svg:.3f} s")


def main() -> None:
    """`python benchmarks/cli_bench.py [N]`: N runs (default 5) of `sim run`, as many with --no-svg and with
    --no-charts, and as many bare imports, interleaved so that the machine's load falls on each alike; medians.
    `python benchmarks/cli_bench.py charts [N]`: the CPU of each chart drawn in this process (chart_cpu)."""
    import argparse

    ap = argparse.ArgumentParser(description="Wall time of `sim run` on the reference (to the printed table and "
                                 "whole, also with --no-svg and --no-charts) against the bare dependency import, "
                                 "interleaved; or, with `charts`, the CPU of each run chart drawn in this process.")
    ap.add_argument("words", nargs="*", metavar="[charts] [N]",
                    help="charts: time each chart instead; N: runs of each (default 5)")
    words = ap.parse_args().words
    charts = words[:1] == ["charts"]
    rest = words[1:] if charts else words
    if len(rest) > 1 or (rest and not rest[0].isdigit()):
        ap.error("expected [charts] [N], N a whole number")
    n = int(rest[0]) if rest else 5
    if charts:
        print_chart_cpu(n)
        return
    rows: dict[str, list[float]] = {"bare": [], "table": [], "total": [], "total_ns": [], "table_nc": [],
                                    "total_nc": []}
    for _ in range(n):
        rows["bare"].append(bare_import_s())
        r, _cpu = sim_run()
        rows["table"].append(r["time_to_table_s"])
        rows["total"].append(r["total_s"])
        rows["total_ns"].append(sim_run(extra=("--no-svg",))[0]["total_s"])
        r, _cpu = sim_run(extra=("--no-charts",))
        rows["table_nc"].append(r["time_to_table_s"])
        rows["total_nc"].append(r["total_s"])
    med = {k: statistics.median(v) for k, v in rows.items()}
    bare = med["bare"]
    for k, v in med.items():
        print(f"{k:9s} {v:6.2f} s  {v / bare:5.2f}x   all: {' '.join(f'{x:.2f}' for x in rows[k])}")


if __name__ == "__main__":
    main()
