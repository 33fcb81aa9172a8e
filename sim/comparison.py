"""Compare several scenarios (or finished run folders) against the first, the baseline.

Each input becomes a Digest: the run's summary.json content, its resolved scenario, its
personnel-in-theatre curve and its departures per day. A Digest is built the same way from a
fresh run (in memory) and from a run folder (from its files), so the numbers in a comparison are
those of the single runs. `comparison_rows` turns digests into the side-by-side table.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import yaml

from sim.errors import Problem, ScenarioError, read_json_file
from sim.tables import csv_text
from sim.timeparse import format_duration_h  # used by the CLI through this module
from sim.vocabulary import CHART_DPI, PHASES, format_datetime, phases_for

if TYPE_CHECKING:
    from typing import TypeAlias

    from sim.api import RunResult
    from sim.results import Results
    from sim.scenario import Scenario

    CompareInput: TypeAlias = Scenario | RunResult | str | Path  # a scenario (object or file), a run, a run folder

RUN_FOLDER_FILES = ("summary.json", "scenario.resolved.yaml", "in_theatre.csv", "sorties.csv")


# One metric's value for one digest, read from summary.json; its type depends on the metric's kind: an ISO
# time (str) for "time", hours (float) for "duration_h" and "hours", an int for "count", (peak, MOG) for
# "ratio", None when it does not apply. Any: the formatting functions branch on the kind, not the type.
MetricValue = Any
# the job of one scenario to run: (scenario, label, source, warnings, seed or None for the scenario's own)
ScenarioJob = tuple["Scenario", str, str, list[str] | None, int | None]


@dataclass
class Digest:
    """One run's figures to compare: its summary, resolved scenario, in-theatre curve and departures."""

    label: str
    source: str
    summary: dict[str, Any]  # summary.json's content
    resolved: dict[str, Any]  # the resolved scenario, as JSON
    in_theatre: list[tuple[str, int]]  # (ISO time, personnel in theatre)
    departures: dict[str, dict[str, int]]  # local day -> phase -> loaded take-offs
    changes: list[str] = field(default_factory=list)  # what differs from the baseline


# ------------------------------------------------------------------ building digests


def digest_from_results(res: Results, label: str, source: str, warnings: list[str] | None = None) -> Digest:
    """The Digest of an analysed run held in memory (the same numbers its run folder would hold)."""
    from sim import report, results

    summary = json.loads(json.dumps(report.summary_dict(res, warnings)))  # exactly what summary.json holds
    curve = list(csv.reader(io.StringIO(report.in_theatre_csv(res))))[1:]
    days, per_phase = results.sorties_per_day(res.run)
    departures = {d: {p: int(per_phase[p][i]) for p in per_phase} for i, d in enumerate(days)}
    resolved = json.loads(json.dumps(res.run.scenario.resolved()))
    return Digest(label, source, summary, resolved, [(t, int(n)) for t, n, *_ in curve], departures)


def run_scenario_digest(args: ScenarioJob) -> Digest:
    """Worker: simulate one loaded scenario and digest it (module-level so it pickles)."""
    from sim.engine import simulate
    from sim.results import analyse

    scenario, label, source, warnings, seed = args
    return digest_from_results(analyse(simulate(scenario, seed)), label, source, warnings)


def digest_from_folder(folder: Path) -> Digest:
    """Read a finished run folder written by `sim run`."""
    missing = [f for f in RUN_FOLDER_FILES if not (folder / f).is_file()]
    if missing:
        raise ScenarioError([Problem(str(folder), 0, 0, "",
                                     f"not a run folder: missing {', '.join(missing)} "
                                     "(give a scenario .yaml or a folder written by 'sim run')")])
    summary = read_json_file(folder / "summary.json")
    resolved = yaml.safe_load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    resolved = json.loads(json.dumps(resolved, default=str))
    with open(folder / "in_theatre.csv", encoding="utf-8") as fh:
        curve = [(row["time"], int(row["total"])) for row in csv.DictReader(fh)]
    departures: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PHASES, 0))
    with open(folder / "sorties.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["phase"] in PHASES:
                departures[row["takeoff"][:10]][row["phase"]] += 1
    return Digest(folder.name, str(folder), summary, resolved, curve, dict(sorted(departures.items())))


# ------------------------------------------------------------------ what differs


def _keyed(items: object) -> dict[Any, Any] | None:
    if isinstance(items, list) and items and all(isinstance(x, dict) and "id" in x for x in items):
        return {x["id"]: x for x in items}
    return None


def scenario_diff(base: object, other: object, path: str = "") -> list[str]:
    """A short structured diff of two resolved scenarios: one line per changed value.

    Maps are compared key by key, lists of items with ids id by id, anything else as a value."""
    kb, ko = _keyed(base), _keyed(other)
    if isinstance(base, dict) and isinstance(other, dict):
        a, b, by_id = base, other, False
    elif kb is not None and ko is not None:
        a, b, by_id = kb, ko, True
    else:
        return [f"{path}: {_short(base)} -> {_short(other)}"] if base != other else []
    out: list[str] = []
    for k in list(a) + [k for k in b if k not in a]:
        if not path and k in ("name", "description"):
            continue
        sub = f"{path}[{k}]" if by_id else (f"{path}.{k}" if path else k)
        if k not in b:
            out.append(f"{sub}: removed")
        elif k not in a:
            out.append(f"{sub}: added" if by_id else f"{sub}: added {_short(b[k])}")
        else:
            out += scenario_diff(a[k], b[k], sub)
    return out


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------ the table


@dataclass
class Metric:
    """One row of the comparison: a summary figure for every digest."""

    key: str
    label: str
    kind: str  # time, duration_h, count, hours, text
    values: list[MetricValue]  # one per digest (None when not applicable)


class _Getter(Protocol):
    """Reads one metric's value from a summary (a Protocol, not a Callable: the getters are lambdas with
    defaults binding the loop variables, which mypy cannot match against a Callable type)."""

    def __call__(self, summary: dict[str, Any], /) -> MetricValue: ...


def metrics(digests: list[Digest], phase: str = "all") -> list[Metric]:
    """The comparison rows, in display order."""
    rows: list[Metric] = []

    def add(key: str, label: str, kind: str, getter: _Getter) -> None:
        """Append a row of getter's value per digest (None where it fails), unless all are None."""
        values: list[MetricValue] = []
        for d in digests:
            try:
                values.append(getter(d.summary))
            except (KeyError, TypeError):
                values.append(None)
        if any(v is not None for v in values):
            rows.append(Metric(key, label, kind, values))

    for ph in phases_for(phase):
        pre = f"{ph}: " if phase == "all" else ""
        add(f"{ph}.start", f"{pre}first departure", "time", lambda s, ph=ph: s["phases"][ph]["start"])
        add(f"{ph}.closed", f"{pre}completion", "time", lambda s, ph=ph: s["phases"][ph]["closed"])
        add(f"{ph}.makespan_h", f"{pre}makespan", "duration_h", lambda s, ph=ph: s["phases"][ph]["makespan_h"])
        conts = list(dict.fromkeys(c for d in digests for c, v in d.summary["contingents"].items()
                                   if f"{ph}_closed" in v))
        for c in conts:
            add(f"{ph}.closed.{c}", f"{pre}{c} completion", "time",
                lambda s, ph=ph, c=c: s["contingents"][c][f"{ph}_closed"])
        add(f"{ph}.sorties", f"{pre}sorties", "count", lambda s, ph=ph: s["phases"][ph]["sorties"])
        add(f"{ph}.flying_h", f"{pre}flying hours", "hours", lambda s, ph=ph: s["phases"][ph]["flying_h"])
        add(f"{ph}.tails_used", f"{pre}aircraft used", "count", lambda s, ph=ph: s["phases"][ph]["tails_used"])
        add(f"{ph}.lines_late", f"{pre}lines late or open", "count",
            lambda s, ph=ph: s["phases"][ph]["lines_late"] + s["phases"][ph]["lines_open"])
        add(f"{ph}.worst_lateness_h", f"{pre}worst lateness", "duration_h",
            lambda s, ph=ph: s["phases"][ph]["worst_lateness_h"])
    airfields = list(dict.fromkeys(a for d in digests for a, v in d.summary["airfields"].items()
                                   if v["peak_on_ground"] > 0))
    for a in airfields:
        add(f"peak_on_ground.{a}", f"peak/MOG {a}", "ratio",
            lambda s, a=a: (s["airfields"][a]["peak_on_ground"], s["airfields"][a]["mog"]))
    return rows


def _hours_between(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600.0


def fmt_value(kind: str, v: MetricValue) -> str:
    """A metric's value as shown in the table ('-' when it does not apply)."""
    if v is None:
        return "-"
    if kind == "time":
        return format_datetime(datetime.fromisoformat(v), "short")
    if kind == "duration_h":
        return format_duration_h(v).lstrip("+")
    if kind == "hours":
        return f"{v:.0f} h"
    if kind == "ratio":
        return f"{v[0]}/{v[1]}"
    return str(v)


def diff_value(kind: str, base: MetricValue, v: MetricValue) -> str:
    """The difference to the baseline as shown in the table (e.g. '+1d 4h', '+3', '=')."""
    if v is None or base is None:
        return "n/a" if v is None else fmt_value(kind, v)
    if kind == "time":
        h = _hours_between(base, v)
    elif kind == "ratio":
        if list(v) == list(base):
            return "="
        return f"{v[0]}/{v[1]}"
    else:
        h = float(v) - float(base)
    if abs(h) < 1e-9:
        return "="
    if kind in ("time", "duration_h"):
        return format_duration_h(h)
    if kind == "hours":
        return f"{h:+.0f} h"
    return f"{h:+g}"


def diff_number(kind: str, base: MetricValue, v: MetricValue) -> float | None:
    """The difference as a number (hours for times and durations) for CSV/JSON."""
    if v is None or base is None or kind == "ratio":
        return None if kind != "ratio" or v is None or base is None else float(v[0] - base[0])
    if kind == "time":
        return round(_hours_between(base, v), 4)
    return round(float(v) - float(base), 4)


def short_labels(labels: list[str]) -> list[str]:
    """Column headers: the variants' stems without the prefix they share with the baseline."""
    if len(labels) < 2:
        return labels
    base = labels[0]
    out = [base]
    for lab in labels[1:]:
        k = 0
        while k < min(len(base), len(lab)) and base[k] == lab[k]:
            k += 1
        while k > 0 and lab[k - 1] not in "_-":
            k -= 1
        short = lab[k:] if k and lab[k:] else lab
        out.append(short)
    return out if len(set(out)) == len(out) else labels


def table(digests: list[Digest], phase: str = "all") -> tuple[list[str], list[list[str]]]:
    """The comparison for the terminal: headers, and per metric the baseline's value and each difference."""
    headers = ["metric", *short_labels([d.label for d in digests])]
    rows = []
    for m in metrics(digests, phase):
        base = m.values[0]
        rows.append([m.label, fmt_value(m.kind, base)] + [diff_value(m.kind, base, v) for v in m.values[1:]])
    return headers, rows


def comparison_csv(digests: list[Digest], phase: str = "all") -> str:
    """comparison.csv: one row per metric and scenario, with the baseline's value and the difference."""
    rows = [[m.key, m.label, m.kind, d.label, _csv_value(v), _csv_value(m.values[0]),
             _csv_value(diff_number(m.kind, m.values[0], v))]
            for m in metrics(digests, phase) for d, v in zip(digests, m.values)]
    return csv_text(["metric", "label", "kind", "scenario", "value", "baseline_value", "difference"], rows)


def _csv_value(v: MetricValue) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "/".join(str(x) for x in v)
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


def comparison_dict(digests: list[Digest], phase: str = "all") -> dict[str, Any]:
    """comparison.json's content: the metrics, and per scenario its changes, values and differences."""
    ms = metrics(digests, phase)
    return {
        "phase": phase,
        "baseline": digests[0].label,
        "metrics": [{"key": m.key, "label": m.label, "kind": m.kind} for m in ms],
        "scenarios": [
            {
                "label": d.label, "source": d.source, "name": d.summary["scenario"]["name"],
                "changes": d.changes,
                "values": {m.key: m.values[i] for m in ms},
                "differences": {m.key: diff_number(m.kind, m.values[0], m.values[i]) for m in ms} if i else {},
            }
            for i, d in enumerate(digests)
        ],
    }


# ------------------------------------------------------------------ paired replications


class PairedRow(NamedTuple):
    """One variant against the baseline in one phase, over replications run with the same seeds:
    the distribution of (variant's closure - baseline's) in hours and P(variant closes earlier)."""

    label: str
    phase: str
    pairs: int
    median_h: float
    p5_h: float
    p95_h: float
    p_earlier: float


@dataclass
class Paired:
    """Paired replications with common random numbers: every scenario run with replication seeds
    drawn from one base seed, compared pair by pair with the baseline."""

    replications: int
    base_seed: int
    baseline: str
    rows: list[PairedRow]

    def as_dict(self) -> dict[str, Any]:
        """As comparison.json holds it (`paired_replications`)."""
        return {"replications": self.replications, "base_seed": self.base_seed, "baseline": self.baseline,
                "rows": [r._asdict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paired:
        """Read back what as_dict wrote."""
        return cls(data["replications"], data["base_seed"], data["baseline"], [PairedRow(**r) for r in data["rows"]])


def _closures(replicas: Sequence[Any], phase: str) -> dict[int, float]:
    """Replication index -> the phase's closure (inf when it never closed) of the replications that ran."""
    out = {}
    for r in replicas:
        if r.error is None:
            h = r.phases.get(phase, math.inf)
            out[r.index] = math.inf if math.isnan(h) else h
    return out


def paired_rows(label: str, base: Sequence[Any], other: Sequence[Any], phases: tuple[str, ...]) -> list[PairedRow]:
    """Per phase, the differences other - base over the replications both closed (same index, same seed)."""
    import numpy as np

    rows = []
    for ph in phases:
        a_by, b_by = _closures(base, ph), _closures(other, ph)
        common = sorted(set(a_by) & set(b_by))
        a = np.array([a_by[i] for i in common], dtype=float)
        b = np.array([b_by[i] for i in common], dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        d = b[ok] - a[ok]
        if len(d):
            rows.append(PairedRow(label, ph, int(ok.sum()), float(np.median(d)), float(np.percentile(d, 5)),
                                  float(np.percentile(d, 95)), float(np.mean(b < a))))
    return rows


def paired_replications(scenarios: list[Scenario], labels: list[str], n: int, base_seed: int, phase: str,
                        workers: int | None = None,
                        on_progress: Callable[[str, int], None] | None = None) -> Paired:
    """Every scenario run n times with the same replication seeds; differences to the baseline, pair by
    pair. `on_progress(label, k)` as k more replications of that scenario finish; KeyboardInterrupt
    when Ctrl-C stopped a batch."""
    from sim.replications import run_batch

    batches = []
    for scenario, label in zip(scenarios, labels):
        progress = (lambda k, label=label: on_progress(label, k)) if on_progress is not None else None
        batch = run_batch(scenario, n, seed=base_seed, workers=workers, on_progress=progress)
        if batch.interrupted:
            raise KeyboardInterrupt
        batches.append(batch.view)  # read from the batch's columns, a Replica at a time
    rows = [row for label, reps in zip(labels[1:], batches[1:])
            for row in paired_rows(label, batches[0], reps, phases_for(phase))]
    return Paired(n, base_seed, labels[0], rows)


# ------------------------------------------------------------------ the API: a comparison as a result object


@dataclass(repr=False)
class ComparisonResult:
    """Several runs side by side against the first (the baseline): their digests, the phase compared,
    and paired replications when asked for; `write` gives the folder `sim compare` writes."""

    digests: list[Digest]
    phase: str = "all"
    paired: Paired | None = None

    def __repr__(self) -> str:
        paired = f", paired over {self.paired.replications} replications" if self.paired else ""
        return f"<ComparisonResult of {', '.join(self.labels)} (baseline first), phase {self.phase}{paired}>"

    @property
    def labels(self) -> list[str]:
        """The runs' labels, baseline first (unique)."""
        return [d.label for d in self.digests]

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Headers and rows as the terminal shows them: the baseline's value, then each difference to it."""
        return table(self.digests, self.phase)

    @property
    def frame(self) -> Any:
        """One row per metric (index: its key), one column per run with its value: a pandas DataFrame."""
        from sim.frames import comparison_frame

        return comparison_frame(self)

    def write(self, folder: str | Path, svg: bool = True, dpi: int = CHART_DPI) -> Path:
        """Write comparison.csv, comparison.json, digests.json, the charts (PNG at `dpi` dots per inch) and
        report.html in one rename."""
        from sim import charts
        from sim.htmlreport import compare_report
        from sim.report import atomic_dir

        out = Path(folder)
        with atomic_dir(out) as tmp:
            (tmp / "comparison.csv").write_text(comparison_csv(self.digests, self.phase), encoding="utf-8")
            data = comparison_dict(self.digests, self.phase)
            if self.paired is not None:
                data["paired_replications"] = self.paired.as_dict()
            (tmp / "comparison.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            (tmp / DIGESTS_FILE).write_text(json.dumps([asdict(d) for d in self.digests], indent=1) + "\n",
                                            encoding="utf-8")
            charts.draw_compare_charts(self.digests, short_labels(self.labels), phases_for(self.phase), tmp, svg=svg,
                                       dpi=dpi)
            headers, rows = self.table()
            (tmp / "report.html").write_text(compare_report(self.digests, self.phase, headers, rows, tmp),
                                             encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        from sim.notebook import comparison_html

        return comparison_html(self)


DIGESTS_FILE = "digests.json"  # every compared run's figures, so that sim.open reads the comparison back


def open_comparison(folder: Path) -> ComparisonResult:
    """A comparison folder written by ComparisonResult.write, read back."""
    data = read_json_file(folder / "comparison.json")
    raw = read_json_file(folder / DIGESTS_FILE)
    digests = [Digest(**{**d, "in_theatre": [tuple(p) for p in d["in_theatre"]]}) for d in raw]
    paired = data.get("paired_replications")
    return ComparisonResult(digests, data["phase"], Paired.from_dict(paired) if paired else None)


def _label_of(name: str) -> str:
    """A label for a scenario given as an object: its name, lower case, words joined by '_'."""
    return "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split())[:60] or "scenario"


def _read_inputs(inputs: list[CompareInput], seed: int | None) -> list[Digest | ScenarioJob]:
    """A Digest (a run folder or a run in memory) or a job to run (a scenario or its file) per input;
    every problem of every file raised together."""
    from sim.api import RunResult
    from sim.loading import load
    from sim.scenario import Scenario

    problems: list[Problem] = []
    out: list[Digest | ScenarioJob] = []
    for item in inputs:
        try:
            if isinstance(item, RunResult):
                out.append(digest_from_results(item.results, _label_of(item.scenario.name), "(in memory)",
                                               [str(w) for w in item.warnings]))
            elif isinstance(item, Scenario):
                out.append((item, _label_of(item.name), "(in memory)", None, seed))
            elif not isinstance(item, (str, Path)):
                raise TypeError(f"cannot compare a {type(item).__name__}: give scenario files, run folders, "
                                "Scenarios or RunResults")
            elif Path(item).is_dir():
                out.append(digest_from_folder(Path(item)))
            else:
                scenario, warnings = load(item)
                out.append((scenario, Path(item).stem, str(item), [str(w) for w in warnings], seed))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return out


def _digests(read: list[Digest | ScenarioJob], workers: int | None) -> list[Digest]:
    """Run the scenarios (in parallel when there are cores to spare); labels made unique."""
    from sim.parallel import run_many

    jobs = [item for item in read if not isinstance(item, Digest)]
    outcomes = iter(run_many(run_scenario_digest, jobs, workers=workers))
    digests = []
    for item in read:
        if isinstance(item, Digest):
            digests.append(item)
            continue
        out = next(outcomes)
        if not out.ok:
            raise RuntimeError(f"running {item[2]} failed: {out.error}")
        digests.append(out.value)
    labels = [d.label for d in digests]
    for i, lab in enumerate(labels):
        if labels.count(lab) > 1:
            digests[i].label = f"{lab}-{i + 1}"
    return digests


def _check_question(inputs: Sequence[CompareInput], phase: str, labels: list[str] | None) -> None:
    """A list of at least two inputs, a phase that exists, and one unique label per input."""
    if isinstance(inputs, (str, Path)):
        raise ValueError("give a list of inputs, e.g. [baseline.yaml, variant.yaml], not one path")
    if len(inputs) < 2:
        raise ValueError("give at least two scenarios or run folders (the first is the baseline)")
    if phase not in ("all", *PHASES):
        raise ValueError(f"phase {phase!r}: give one of {', '.join(PHASES)} or all")
    if labels is not None and (len(labels) != len(inputs) or len(set(labels)) != len(labels)):
        raise ValueError(f"give one unique label per input: {len(inputs)} inputs, labels {labels}")


def compare(inputs: Sequence[CompareInput], *, phase: str = "all", seed: int | None = None,
            replications: int | None = None, workers: int | None = None, labels: list[str] | None = None,
            on_progress: Callable[[str, int], None] | None = None) -> ComparisonResult:
    """Compare runs against the first (the baseline).

    Each input is a scenario file, a run folder, a Scenario or a RunResult; scenarios are run (with
    `seed` if given). `labels` name the inputs (default: file stems, folder names, scenario names).
    With `replications`, every scenario is also run that many times with common random numbers and
    compared pair by pair (scenarios only; ValueError for folders). ScenarioError lists every
    problem of every input.
    """
    _check_question(inputs, phase, labels)
    read = _read_inputs(list(inputs), seed)
    if replications and any(isinstance(item, Digest) for item in read):
        raise ValueError("paired replications re-run scenarios: give scenario files or Scenarios, not run folders")
    digests = _digests(read, workers)
    for d, label in zip(digests, labels or []):
        d.label = label
    for d in digests[1:]:
        d.changes = scenario_diff(digests[0].resolved, d.resolved)
    paired = None
    if replications:
        scenarios = [item[0] for item in read if not isinstance(item, Digest)]
        base = scenarios[0].seed if seed is None else seed
        paired = paired_replications(scenarios, [d.label for d in digests], replications, base, phase, workers,
                                     on_progress)
    return ComparisonResult(digests, phase, paired)
