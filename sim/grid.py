"""Parameter sweeps and fleet sizing over a scenario's resolved form.

A PATH addresses one field of the resolved scenario by ids: `fleet[il-76md@ivanovo].count`,
`airfields[almaty].mog`, `movements[ru-withdraw-ivanovo-13].ready`, `planning.taxi_h`. Values are
`start:stop:step` (inclusive), or a comma list. On a time field, a value with a sign (`+24h`,
`-6h`) shifts the field's own value; an ISO time replaces it. Every variant is validated like a
scenario file before anything runs.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import Problem, ScenarioError, read_json_file
from sim.timeparse import parse_duration_h
from sim.vocabulary import CHART_DPI, phases_for

if TYPE_CHECKING:
    from sim.results import LineRow
    from sim.scenario import Scenario

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?")


class PathError(ValueError):
    """A --vary path or value that does not fit the scenario."""


def parse_path(path: str) -> list[tuple[str, str | None]]:
    """The (field, id or None) pieces of a PATH like fleet[il-76md@ivanovo].count; PathError if one is unreadable."""
    parts = []
    for piece in path.split("."):
        m = _TOKEN.fullmatch(piece.strip())
        if not m:
            raise PathError(f"cannot read path {path!r} at {piece!r}; write it like fleet[il-76md@ivanovo].count")
        parts.append((m.group(1), m.group(2)))
    return parts


def _nearest(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def locate_field(resolved: dict, path: str) -> tuple[Any, str | int]:
    """(container, key) of the field PATH addresses in a resolved scenario dict."""
    node: Any = resolved
    walked = ""
    parts = parse_path(path)
    for k, (name, ident) in enumerate(parts):
        _check_has_field(node, name, walked)
        last = k == len(parts) - 1
        if ident is None:
            if last:
                return node, name
            node, walked = node[name], f"{walked}.{name}" if walked else name
            continue
        if last:
            _item_by_id(node[name], name, ident)
            raise PathError(f"{path!r} names a whole item; add the field, e.g. {name}[{ident}].count")
        node = _item_by_id(node[name], name, ident)
        walked = f"{walked}.{name}[{ident}]" if walked else f"{name}[{ident}]"
    raise PathError(f"empty path {path!r}")


def _check_has_field(node: Any, name: str, walked: str) -> None:
    """The node reached so far (at `walked`) is a mapping with the field `name`."""
    if not isinstance(node, dict) or name not in node:
        keys = sorted(node) if isinstance(node, dict) else []
        raise PathError(f"{walked or 'the scenario'} has no field {name!r} (fields: {', '.join(keys)})"
                        + _nearest(name, keys))


def _item_by_id(items: Any, name: str, ident: str) -> Any:
    """The item with id `ident` of the list `items` (the field `name`)."""
    if not isinstance(items, list):
        raise PathError(f"{name} is not a list of items with ids; drop the [{ident}]")
    ids = [str(x.get("id")) for x in items if isinstance(x, dict)]
    if ident not in ids:
        raise PathError(f"{name} has no item with id {ident!r} (ids: {', '.join(ids[:10])})" + _nearest(ident, ids))
    return items[ids.index(ident)]


def parse_values(text: str) -> list[str]:
    """`10:80:10` -> ['10', '20', ..., '80']; `2,4,6` -> ['2', '4', '6']."""
    text = text.strip()
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?):(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)", text)
    if m:
        start, stop, step = (float(g) for g in m.groups())
        if step <= 0:
            raise PathError(f"step must be positive in {text!r}")
        n = math.floor((stop - start) / step + 1e-9) + 1
        if n < 1 or n > 10000:
            raise PathError(f"{text!r} gives {n} values; a sweep takes 1 to 10000")
        integral = all(float(g).is_integer() for g in m.groups())
        return [str(int(start + i * step)) if integral else f"{start + i * step:g}" for i in range(n)]
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise PathError("no values given; write PATH=1,2,3 or PATH=start:stop:step")
    return values


def _scalar(text: str) -> object:
    """A number, true/false, or the text itself (a duration like '1h30m', an id), as YAML reads it."""
    import yaml

    try:
        got = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return got if isinstance(got, (bool, int, float)) else text


def apply_value(resolved: dict, path: str, value: str) -> dict:
    """A copy of `resolved` with the field at PATH set from the text VALUE (typed like the field)."""
    out = copy.deepcopy(resolved)
    container, key = locate_field(out, path)
    current = container[key]
    if current is None:  # a field the scenario leaves unset (a default): read the text as YAML would
        container[key] = _scalar(value)
        return out
    if isinstance(current, bool):
        container[key] = value.lower() in ("1", "true", "yes")
    elif isinstance(current, int):
        try:
            container[key] = int(float(value)) if float(value).is_integer() else float(value)
        except ValueError:
            raise PathError(f"{path} is a number; cannot use {value!r}") from None
    elif isinstance(current, float):
        try:
            container[key] = float(value)
        except ValueError:
            container[key] = value  # a duration like '1h30m': the model reads it
    elif isinstance(current, str) and _is_time(current) and (value[:1] in "+-" or re.fullmatch(r"0+[dhm]?", value)):
        value = value if value[:1] in "+-" else "+0h"
        container[key] = _shift(current, value, resolved)
    else:
        container[key] = value
    return out


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
        return "T" in text
    except ValueError:
        return text.startswith("+") and text.endswith("h")


def _shift(current: str, delta: str, resolved: dict) -> str:
    hours = parse_duration_h(delta[1:]) * (-1 if delta[0] == "-" else 1)
    if current.startswith("+"):
        base = datetime.fromisoformat(resolved["start"]) + timedelta(hours=parse_duration_h(current[1:]))
    else:
        base = datetime.fromisoformat(current)
    return (base + timedelta(hours=hours)).isoformat(timespec="minutes")


@dataclass
class Point:
    """One point of a grid: the text of each varied value by path, and the resolved data with them applied."""

    values: dict[str, str]  # path -> value text
    resolved: dict = field(repr=False)


def grid(resolved: dict, varies: list[tuple[str, list[str]]]) -> list[Point]:
    """Every combination of the varied values (the last path varies fastest), each applied to a copy of `resolved`."""
    points = []
    for combo in itertools.product(*[vals for _, vals in varies]):
        data = resolved
        for (path, _), value in zip(varies, combo):
            data = apply_value(data, path, value)
        points.append(Point(dict(zip([p for p, _ in varies], combo)), data))
    return points


def build_point(point: Point, label: str) -> Scenario:
    """Validate one grid point like a scenario file; ScenarioError names the varied values."""
    from sim.loading import validate

    where = f"{label} [{', '.join(f'{k}={v}' for k, v in point.values.items())}]"
    try:
        return validate(point.resolved, where)[0]
    except ScenarioError as exc:
        raise ScenarioError([Problem(where, 0, 0, p.path, p.message) for p in exc.problems]) from None


# ------------------------------------------------------------------ evaluating points


@dataclass
class PhaseMetrics:
    """One phase at one sweep point: from one deterministic run, or P50/P90/P(met) over replications."""

    closed_h: float = math.nan  # deterministic: when its last line closed (nan: not closed)
    met: bool = True  # deterministic: every line met its deadline
    lines_late: int = 0  # deterministic: lines late or open
    worst_h: float = math.nan  # deterministic: the line latest against its own deadline, hours after it
    bound_by: str = ""  # deterministic: the largest wait over its late or open lines
    p50_h: float = math.nan  # replicated: completion percentiles and P(met)
    p90_h: float = math.nan
    p_met: float = math.nan


@dataclass
class PointMetrics:
    """The outcome of one sweep point (or one fleet size): totals and, per phase, PhaseMetrics."""

    sorties: float  # replicated: the mean
    phases: dict[str, PhaseMetrics] = field(default_factory=dict)
    replications: int = 0  # 0: one deterministic run
    flying_h: float = math.nan
    lines_late: int = 0
    worst_lateness_h: float = 0.0
    all_met: bool = True
    bound_by: str = ""
    p_all_met: float = math.nan

    def columns(self) -> dict[str, Any]:
        """As sweep.csv names them: totals, then `<phase>_<metric>` for every phase."""
        out: dict[str, Any] = {k: v for k, v in dataclasses.asdict(self).items() if k != "phases"}
        for phase, ph in self.phases.items():
            out.update({f"{phase}_{k}": v for k, v in dataclasses.asdict(ph).items()})
        return out


def evaluate(args: tuple[Scenario, int, int]) -> PointMetrics:
    """Worker: run one scenario deterministically, or `replications` times; return its metrics.

    A deterministic run is reduced through the tables its metrics read (the lines, the phases and the
    totals of sim.results), not every table sim.results.analyse makes for a run's folder."""
    scenario, replications, base_seed = args
    from sim.engine import simulate
    from sim.results import line_rows, phase_summary, totals

    if replications:
        return _replicated_metrics(scenario, replications, base_seed)
    run = simulate(scenario)
    rows = line_rows(run)
    tot = totals(run)
    late = [r for r in rows if r.status != "MET"]
    return PointMetrics(
        sorties=tot.sorties, flying_h=tot.flying_h, lines_late=len(late),
        worst_lateness_h=max((-r.slack_h for r in late if r.status == "LATE"), default=0.0), all_met=not late,
        bound_by=_binding(rows),
        phases={phase: PhaseMetrics(closed_h=ph.closed_h, met=ph.lines_late == 0 and ph.lines_open == 0,
                                    lines_late=ph.lines_late + ph.lines_open, worst_h=_worst_slack_h(rows, phase),
                                    bound_by=_binding(rows, phase))
                for phase, ph in phase_summary(run, rows).items()})


def _worst_slack_h(rows: list[LineRow], phase: str) -> float:
    """Hours the line of the phase that is latest against its own deadline closes after it (negative:
    all early; inf: a line never closed)."""
    slack = [r.closed_h - r.deadline_h if not math.isnan(r.closed_h) else math.inf
             for r in rows if r.phase == phase]
    return max(slack)


def _replicated_metrics(scenario: Scenario, n: int, base_seed: int) -> PointMetrics:
    """Metrics of `n` replications: P(all met), mean sorties, and each phase's P50, P90 and P(met)."""
    import numpy as np

    from sim import replications

    chunk = [(i, replications.replication_seed(base_seed, i)) for i in range(n)]
    reps = [r for r in replications.replicate((scenario, chunk)) if r.error is None]
    sm = replications.summarise(scenario, reps)
    out = PointMetrics(replications=len(reps), p_all_met=sm.all_met.p,
                       sorties=float(np.mean([r.sorties for r in reps])) if reps else math.nan)
    for phase, st in sm.phases.items():
        closed = [r.phases.get(phase, math.inf) if not math.isnan(r.phases.get(phase, math.nan)) else math.inf
                  for r in reps]
        p90 = float(np.percentile(closed, 90, method="higher")) if reps else math.nan
        out.phases[phase] = PhaseMetrics(p50_h=st.p50_h, p90_h=p90, p_met=st.p_met)
    return out


def _binding(rows: list[LineRow], phase: str | None = None) -> str:
    """The largest wait over late or open lines (of a phase), to explain why no fleet size is enough."""
    worst = None
    for r in rows:
        if r.status == "MET" or (phase is not None and r.phase != phase):
            continue
        for k in ("force", "aircraft", "mog", "hours", "cap", "weather", "delay"):
            v = r.breakdown_h.get(k, 0.0)
            if worst is None or v > worst[0]:
                worst = (v, k, r)
    if worst is None:
        return ""
    v, k, r = worst
    if v < 0.5:
        return f"{r.id}: its own ready time (transit alone makes it late)"
    return f"{r.id}: {r.bound_by or k}"


# ------------------------------------------------------------------ fleet sizing


def fleets_of_type(resolved: dict, type_id: str, only: list[str] | None = None) -> list[dict]:
    """The fleet entries of a type in resolved data (only those whose id is in `only`, when given)."""
    return [f for f in resolved.get("fleet", []) if f.get("type") == type_id and (not only or f.get("id") in only)]


def scale_fleet(resolved: dict, type_id: str, total: int, only: list[str] | None = None) -> tuple[dict, dict[str, int]]:
    """A copy with `total` tails of TYPE spread over its fleets (or the fleets in `only`) in
    proportion to their counts (largest remainder; at least one each while there are enough). A
    fleet left with none is removed, and lines restricted to it lose it from their `fleets`."""
    out = copy.deepcopy(resolved)
    fleets = _scaled_fleets(out, type_id, only)
    counts = _apportion([f["count"] for f in fleets], total)
    split: dict[str, int] = {}
    for f, n in zip(fleets, counts):
        split[f["id"]] = n
        f["count"] = n
    gone = {fid for fid, n in split.items() if n == 0}
    if gone:
        _drop_fleets(out, gone)
    return out, split


def _scaled_fleets(resolved: dict, type_id: str, only: list[str] | None) -> list[dict]:
    """The fleets of TYPE to scale (those in `only`, when given); PathError names what is unknown."""
    fleets = fleets_of_type(resolved, type_id)
    if not fleets:
        known = sorted({f.get("type") for f in resolved.get("fleet", [])})
        raise PathError(f"no fleet of type {type_id!r} (fleet types: {', '.join(known)})" + _nearest(type_id, known))
    if not only:
        return fleets
    ids = [f["id"] for f in fleets]
    for fid in only:
        if fid not in ids:
            raise PathError(f"no {type_id} fleet {fid!r} (its fleets: {', '.join(ids)})" + _nearest(fid, ids))
    return [f for f in fleets if f["id"] in only]


def _apportion(weights: list[int], total: int) -> list[int]:
    """`total` split in proportion to `weights` by largest remainder (ties: the first), with at least one
    each when there are as many as weights."""
    floor = 1 if total >= len(weights) else 0
    spare = total - floor * len(weights)
    shares = [spare * w / sum(weights) for w in weights]
    counts = [floor + math.floor(x) for x in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - math.floor(shares[i])), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _drop_fleets(resolved: dict, gone: set[str]) -> None:
    """Remove the fleets `gone`, and take them out of the `fleets` of the lines that name them."""
    resolved["fleet"] = [f for f in resolved["fleet"] if f["id"] not in gone]
    for m in resolved.get("movements", []):
        if m.get("fleets"):
            m["fleets"] = [x for x in m["fleets"] if x not in gone]


@dataclass
class Trial:
    """One fleet size tried by `sim size-fleet`: tails per fleet, whether it passes, completion (h), what binds."""

    total: int
    split: dict[str, int]
    ok: bool
    closed_h: float  # the phase's completion (deterministic) or its P50
    p_met: float | None  # with replications
    lines_late: int | None
    bound_by: str
    error: str = ""


def phase_ok(metrics: PointMetrics, phase: str, confidence: float | None) -> bool:
    """Whether the metrics meet the phase ('all': both): every line met, or with `confidence`, P(met) at least that.

    A phase the scenario does not have is met."""
    present = [metrics.phases[p] for p in phases_for(phase) if p in metrics.phases]
    if confidence is None:
        return all(ph.met for ph in present)
    return all(ph.p_met >= confidence - 1e-12 for ph in present)


# ------------------------------------------------------------------ the API: a sweep as a result object

MAX_VARIES, MAX_POINTS = 3, 5000
SWEEP_FILE = "sweep.json"  # the question and every point's metrics at full precision (read back by sim.open)
_TIME_METRICS = ("_closed_h", "_p50_h", "_p90_h")


def parse_varies(vary: str | Sequence[str] | Mapping[str, Any], resolved: dict) -> list[tuple[str, list[str]]]:
    """The varied fields and their values, from "PATH=VALUES" texts or a {path: values} mapping (values
    as a VALUES text or a list); PathError for an unknown field, a bad spec, too many of them or a grid of
    more than MAX_POINTS points."""
    if isinstance(vary, str):
        vary = [vary]
    specs = [f"{k}={_values_text(v)}" for k, v in vary.items()] if isinstance(vary, Mapping) else list(vary)
    if not specs:
        raise PathError("nothing to vary: give at least one field and its values")
    if len(specs) > MAX_VARIES:
        raise PathError(f"at most {MAX_VARIES} --vary options (the grid grows fast)")
    varies = []
    for spec in specs:
        if "=" not in spec:
            raise PathError(f"--vary {spec!r}: write PATH=VALUES, e.g. airfields[almaty].mog=2,4,6")
        p, vals = spec.split("=", 1)
        locate_field(resolved, p.strip())
        varies.append((p.strip(), parse_values(vals)))
    n_points = math.prod(len(v) for _, v in varies)
    if n_points > MAX_POINTS:  # refused before a single point is built
        raise PathError(f"the grid has {n_points:,} points; at most {MAX_POINTS:,} (give fewer values)")
    return varies


def _values_text(values: Any) -> str:
    """A mapping's values as --vary writes them: a VALUES text as it is, one value, or a list joined by commas."""
    if isinstance(values, str):
        return values
    if isinstance(values, (list, tuple, range)):
        return ",".join(str(x) for x in values)
    return str(values)


def _scenarios(points: list[Point], label: str) -> list[Scenario]:
    """Every point validated before any runs; ScenarioError lists the problems of all of them."""
    problems, built = [], []
    for pt in points:
        try:
            built.append(build_point(pt, label))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return built


def sweep(scenario: Scenario | str | Path, vary: str | Sequence[str] | Mapping[str, Any], *, replications: int = 0,
          seed: int | None = None, workers: int | None = None, label: str | None = None,
          on_progress: Callable[[int], None] | None = None,
          before_run: Callable[[], None] | None = None, dask: Any = None) -> SweepResult:
    """Run every point of a grid of variants of one scenario (or scenario file).

    `vary`: ["airfields[almaty].mog=2,4,6", ...] or {"airfields[almaty].mog": [2, 4, 6]}, at most 3
    fields and 5000 points (PathError otherwise; every point is validated first, ScenarioError).
    Each point runs once, or `replications` times from base `seed` for P50/P90/P(met).
    `on_progress(1)` as each point finishes. `label` names the scenario in problems (default: the
    file's name, or the scenario's). `before_run()` is called once every point is valid, before any runs
    (`sim sweep` checks its output folder there). `dask`: a Dask scheduler address (or Client) to run the
    points on instead of local processes (sim.parallel.DaskUnavailable when none answers).
    """
    from sim.loading import load
    from sim.parallel import run_many
    from sim.scenario import Scenario

    if not isinstance(scenario, Scenario):
        label = label or Path(scenario).name
        scenario = load(scenario)[0]
    resolved = scenario.resolved()
    varies = parse_varies(vary, resolved)
    points = grid(resolved, varies)
    if len(points) > MAX_POINTS:
        raise PathError(f"the grid has {len(points)} points; at most {MAX_POINTS}")
    built = _scenarios(points, label or scenario.name)
    if before_run is not None:
        before_run()
    base = scenario.seed if seed is None else seed
    outcomes = run_many(evaluate, [(s, replications, base) for s in built], workers=workers,
                        on_done=(lambda _out: on_progress(1)) if on_progress is not None else None, dask_address=dask)
    rows = []
    for pt, out in zip(points, outcomes):
        if not out.ok:
            raise RuntimeError(f"sweep point {pt.values} failed: {out.error}")
        rows.append((pt, out.value))
    return SweepResult(scenario, varies, rows, replications, base)


@dataclass(repr=False)
class SweepResult:
    """A finished sweep: the scenario, the varied fields with their values, and each point with its
    metrics; `write` gives the folder `sim sweep` writes."""

    scenario: Scenario
    varies: list[tuple[str, list[str]]]
    rows: list[tuple[Point, PointMetrics]]
    replications: int = 0  # 0: one deterministic run per point
    seed: int = 0  # the base seed of the replications

    def __repr__(self) -> str:
        reps = f", {self.replications} replications each" if self.replications else ""
        return (f"<SweepResult {self.scenario.name!r}: {len(self.rows)} points over "
                f"{', '.join(p for p, _ in self.varies)}{reps}>")

    def metric_columns(self) -> list[str]:
        """The metrics shown per point (PointMetrics.columns keys)."""
        phases = self.scenario.phases()
        if self.replications:
            return [f"{p}_{k}" for p in phases for k in ("p50_h", "p90_h", "p_met")] + ["p_all_met", "sorties"]
        return [f"{p}_closed_h" for p in phases] + ["lines_late", "worst_lateness_h", "sorties", "flying_h"]

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Headers and rows as the terminal shows them (times local and short, probabilities in %)."""
        cols = self.metric_columns()
        headers = [p for p, _ in self.varies] + [c.replace("_closed_h", " closed").replace("_h", "") for c in cols]
        return headers, [[pt.values[p] for p, _ in self.varies] + [self._shown(c, m.columns().get(c)) for c in cols]
                         for pt, m in self.rows]

    def _shown(self, key: str, v: Any) -> str:
        if key.endswith(_TIME_METRICS):
            return self.scenario.short(v, missing="not closed")
        if "p_met" in key or key == "p_all_met":
            return f"{v:.1%}"
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    def csv(self) -> str:
        """sweep.csv: one row per grid point, the varied values then the metrics (times ISO 8601, '' for never)."""
        from sim.tables import csv_text

        cols = self.metric_columns()
        header = [p for p, _ in self.varies] + [c.replace("_closed_h", "_closed").replace("_p50_h", "_p50")
                                                .replace("_p90_h", "_p90") for c in cols]
        return csv_text(header, [[pt.values[p] for p, _ in self.varies] + [self._cell(c, m.columns().get(c))
                                                                            for c in cols] for pt, m in self.rows])

    def _cell(self, key: str, value: Any) -> Any:
        if key.endswith(_TIME_METRICS):
            return self.scenario.iso(value)
        return f"{value:.4f}" if isinstance(value, float) else value

    @property
    def frame(self) -> Any:
        """One row per grid point: the varied values, then every metric (times time-zone aware): a pandas DataFrame."""
        from sim.frames import sweep_frame

        return sweep_frame(self)

    def as_dict(self) -> dict[str, Any]:
        """sweep.json's content: the question, and every point's values and metrics at full precision."""
        return {"scenario": self.scenario.name, "vary": [[p, v] for p, v in self.varies],
                "replications": self.replications, "seed": self.seed,
                "points": [{"values": pt.values, "metrics": _finite(dataclasses.asdict(m))} for pt, m in self.rows]}

    def write(self, folder: str | Path, dpi: int = CHART_DPI) -> Path:
        """Write sweep.csv, sweep.json, scenario.resolved.yaml and sweep.png (at `dpi` dots per inch) into
        `folder` in one rename."""
        import json

        from sim import charts
        from sim.report import atomic_dir

        out = Path(folder)
        with atomic_dir(out) as tmp:
            (tmp / "sweep.csv").write_text(self.csv(), encoding="utf-8")
            (tmp / SWEEP_FILE).write_text(json.dumps(self.as_dict(), indent=1) + "\n", encoding="utf-8")
            (tmp / "scenario.resolved.yaml").write_text(self.scenario.resolved_yaml(), encoding="utf-8")
            with charts.resolution(dpi):
                charts.sweep_chart(self.scenario, self.varies, self.rows, self.scenario.phases(),
                                   bool(self.replications), tmp)
        return out

    def _repr_html_(self) -> str:
        from sim.notebook import sweep_html

        return sweep_html(self)


def _finite(data: Any) -> Any:
    """JSON-safe: NaN as None, infinities as "inf"/"-inf" (read back by _float_fields)."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, float) and not math.isfinite(data):
        return None if math.isnan(data) else ("inf" if data > 0 else "-inf")
    return data


def _metrics_from(data: dict[str, Any]) -> PointMetrics:
    """A PointMetrics from sweep.json (the inverse of _finite: None is NaN, "inf"/"-inf" infinities)."""
    def unfloat(v: Any) -> Any:
        return math.nan if v is None else float(v) if v in ("inf", "-inf") else v

    phases = {ph: PhaseMetrics(**{k: unfloat(v) for k, v in pm.items()}) for ph, pm in data.pop("phases").items()}
    return PointMetrics(phases=phases, **{k: unfloat(v) for k, v in data.items()})


def open_sweep(folder: Path) -> SweepResult:
    """A sweep folder written by SweepResult.write, read back: the scenario from its resolved file, the
    grid rebuilt from the varied values, every point's metrics from sweep.json."""

    import yaml

    from sim.loading import validate

    data = read_json_file(folder / SWEEP_FILE)
    resolved = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    scenario = validate(resolved, str(folder / "scenario.resolved.yaml"))[0]
    varies = [(p, list(v)) for p, v in data["vary"]]
    points = grid(scenario.resolved(), varies)
    rows = [(pt, _metrics_from(dict(row["metrics"]))) for pt, row in zip(points, data["points"])]
    return SweepResult(scenario, varies, rows, data["replications"], data["seed"])
