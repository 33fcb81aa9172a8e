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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from sim.errors import Problem, ScenarioError
from sim.tables import csv_text
from sim.timeparse import format_duration_h  # used by the CLI through this module
from sim.vocabulary import PHASES, format_datetime, phases_for

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario import Scenario

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
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
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
