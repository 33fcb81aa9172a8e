"""The 2022 record, and forecasts put beside it with error measures (docs/validation.md).

The record is what public sources say happened (docs/background/csto-2022-sources.md and
crew-availability-sources.md); nothing here feeds the engine. `python -m sim.validation` runs the
reference and blind scenarios and the blind one with each pacing rule turned off (the ablation),
and rewrites the generated block of docs/validation.md; a test checks that block is current.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.vocabulary import format_datetime

if TYPE_CHECKING:
    from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validation.md"
BLOCKS = {  # generated blocks of docs/validation.md: begin marker -> end marker
    "<!-- validation:begin (python -m sim.validation) -->": "<!-- validation:end -->",
    "<!-- sensitivity:begin -->": "<!-- sensitivity:end -->",
}
LOAD_FACTORS = (1.0, 0.9, 0.8, 0.7, 0.6)
REFERENCE = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"
BLIND = ROOT / "scenarios" / "csto_kazakhstan_2022_blind.yaml"

# Aircraft that left Kazakhstan each day of the withdrawal, local dates (Russian MoD via the agencies
# named; see docs/background/crew-availability-sources.md, section 6).
WITHDRAW_DAILY: list[tuple[date, int, str]] = [
    (date(2022, 1, 13), 4, "four Il-76MD Almaty -> Ivanovo (NTV)"),
    (date(2022, 1, 14), 14, "allies on 14 aircraft: 10 Belarus, 3 Armenia, 1 Tajikistan (Interfax, Sputnik KZ)"),
    (date(2022, 1, 15), 18, "15 Il-76 and 3 An-124 (Interfax, RIA)"),
    (date(2022, 1, 16), 19, "19 aircraft left Almaty; a 20th took off (RIA)"),
    (date(2022, 1, 17), 14, "14 aircraft landed at Chkalovsky (Sputnik)"),
    (date(2022, 1, 18), 40, "40 aircraft 'over the past day' (Sputnik; may overlap 17 Jan)"),
    (date(2022, 1, 19), 4, "last 4 aircraft from Almaty and Nur-Sultan (MoD)"),
]
WITHDRAW_TOTAL_NOTE = "MoD, 19 Jan: 'more than 100 flights'"
# closures the record gives, by day only (local dates)
DEPLOY_CLOSED = (date(2022, 1, 9), "force commander announces the deployment complete")
WITHDRAW_CLOSED = (date(2022, 1, 19), "last aircraft leave; withdrawal complete (MoD)")

ABLATION: list[tuple[str, dict[str, bool]]] = [  # (label, planning.rules changes)
    ("all rules on (the blind forecast)", {}),
    ("crews off", {"crews": False}),
    ("utilisation off", {"utilisation": False}),
    ("availability off", {"availability": False}),
    ("planning loads off (pack to the maxima)", {"planning_loads": False}),
    ("parking off (unlimited aprons)", {"parking": False}),
    ("all rules off", {"crews": False, "utilisation": False, "availability": False, "planning_loads": False,
                       "parking": False}),
]


@dataclass
class Forecast:
    """One run's figures beside the record."""

    deploy_closed: datetime
    withdraw_closed: datetime
    deploy_sorties: int
    withdraw_daily: dict[date, int]

    @property
    def withdraw_total(self) -> int:
        """Withdrawal flights over all days."""
        return sum(self.withdraw_daily.values())

    def daily_abs_error(self) -> int:
        """Sum over the record's days (and any other forecast day) of |forecast - record| aircraft."""
        record = {d: n for d, n, _ in WITHDRAW_DAILY}
        days = set(record) | set(self.withdraw_daily)
        return sum(abs(self.withdraw_daily.get(d, 0) - record.get(d, 0)) for d in days)


def forecast(scenario: Scenario) -> Forecast:
    """Run a scenario and reduce it to the figures the record has."""
    from sim.engine import simulate
    from sim.results import analyse

    res = analyse(simulate(scenario))
    local = scenario.to_datetime
    daily = Counter(local(r.takeoff).date() for r in res.run.sorties if r.phase == "withdraw")
    return Forecast(local(res.phases["deploy"].closed_h), local(res.phases["withdraw"].closed_h),
                    sum(1 for r in res.run.sorties if r.phase == "deploy"), dict(sorted(daily.items())))


def with_rules(scenario: Scenario, changes: dict[str, bool]) -> Scenario:
    """A copy of the scenario with some of planning.rules changed."""
    rules = scenario.planning.rules.model_copy(update=changes)
    return scenario.model_copy(update={"planning": scenario.planning.model_copy(update={"rules": rules})})


def day_error_h(when: datetime, record_day: date) -> float:
    """Hours from the record's day to the forecast: 0 inside the day, else to the nearer end of it."""
    start = datetime.combine(record_day, datetime.min.time(), tzinfo=when.tzinfo)
    h = (when - start).total_seconds() / 3600.0
    return 0.0 if 0.0 <= h < 24.0 else (h if h < 0 else h - 24.0)


# ------------------------------------------------------------------ tables


def _fmt(t: datetime) -> str:
    return format_datetime(t, "short")


def _err(h: float) -> str:
    return "within the day" if h == 0 else f"{h:+.0f} h ({h / 24:+.1f} d)"


def closure_table(runs: dict[str, Forecast]) -> list[str]:
    """Markdown rows: each run's closures and withdrawal flights beside the record, with their errors."""
    out = ["| measure | record | " + " | ".join(runs) + " |", "| --- | --- |" + " --- |" * len(runs)]
    for label, (day, note), attr in (("deployment closed", DEPLOY_CLOSED, "deploy_closed"),
                                     ("withdrawal closed", WITHDRAW_CLOSED, "withdraw_closed")):
        cells = [f"{_fmt(getattr(f, attr))}, error {_err(day_error_h(getattr(f, attr), day))}" for f in runs.values()]
        out.append(f"| {label} | {day:%d %b} ({note}) | " + " | ".join(cells) + " |")
    total = sum(n for _, n, _ in WITHDRAW_DAILY)
    cells = [f"{f.withdraw_total} ({f.withdraw_total - total:+d}, {100 * (f.withdraw_total - total) / total:+.0f}%)"
             for f in runs.values()]
    out.append(f"| withdrawal flights | {total} (sum of the daily reports; {WITHDRAW_TOTAL_NOTE}) | "
               + " | ".join(cells) + " |")
    cells = [str(f.daily_abs_error()) for f in runs.values()]
    out.append("| sum over days of abs(forecast - record) flights | 0 | " + " | ".join(cells) + " |")
    return out


def daily_table(runs: dict[str, Forecast]) -> list[str]:
    """Markdown rows: withdrawal flights by local day, the record beside each run."""
    days = sorted({d for d, _, _ in WITHDRAW_DAILY} | {d for f in runs.values() for d in f.withdraw_daily})
    record = {d: (n, src) for d, n, src in WITHDRAW_DAILY}
    out = ["| day | record | " + " | ".join(runs) + " | source of the record |",
           "| --- | ---: |" + " ---: |" * len(runs) + " --- |"]
    for d in days:
        n, src = record.get(d, (0, "no report"))
        out.append(f"| {d:%d %b} | {n} | " + " | ".join(str(f.withdraw_daily.get(d, 0)) for f in runs.values())
                   + f" | {src} |")
    return out


def ablation_table(base_scenario: Scenario) -> list[str]:
    """Markdown rows: the scenario's forecast with each pacing rule turned off in turn."""
    total = sum(n for _, n, _ in WITHDRAW_DAILY)
    out = ["| rules | deployment closed | withdrawal closed | withdrawal closure error | withdrawal flights "
           f"(record {total}) | daily abs error | deployment flights |",
           "| --- | --- | --- | --- | ---: | ---: | ---: |"]
    for label, changes in ABLATION:
        f = forecast(with_rules(base_scenario, changes))
        err = day_error_h(f.withdraw_closed, WITHDRAW_CLOSED[0])
        out.append(f"| {label} | {_fmt(f.deploy_closed)} | {_fmt(f.withdraw_closed)} | {_err(err)} | "
                   f"{f.withdraw_total} | {f.daily_abs_error()} | {f.deploy_sorties} |")
    return out


def with_load_factor(scenario: Scenario, lf: float) -> Scenario:
    """A copy of the scenario with planning.load_factor set to lf."""
    return scenario.model_copy(update={"planning": scenario.planning.model_copy(update={"load_factor": lf})})


def sensitivity_table(base_scenario: Scenario) -> list[str]:
    """Markdown lines: the scenario's flights and closures at each load factor of LOAD_FACTORS."""
    total = sum(n for _, n, _ in WITHDRAW_DAILY)
    out = ["**Sensitivity to partly filled aircraft** (the blind scenario with `planning.load_factor` set for "
           "every line; not a fitted value):", "",
           f"| load factor | deployment flights | deployment closed | withdrawal flights (record {total}) | "
           "withdrawal closed |", "| ---: | ---: | --- | ---: | --- |"]
    for lf in LOAD_FACTORS:
        f = forecast(with_load_factor(base_scenario, lf))
        out.append(f"| {lf:.1f} | {f.deploy_sorties} | {_fmt(f.deploy_closed)} | {f.withdraw_total} | "
                   f"{_fmt(f.withdraw_closed)} |")
    return out


def generated_blocks() -> dict[str, str]:
    """The text of each generated block, by its begin marker."""
    from sim.loading import load_scenario

    blind = load_scenario(BLIND)
    runs = {"blind forecast": forecast(blind), "reconstruction (reference)": forecast(load_scenario(REFERENCE))}
    main = ["", "**Closures and flights** (times local, UTC+06:00):", "", *closure_table(runs), "",
            "**Withdrawal flights by day** (loaded take-offs from Kazakhstan):", "", *daily_table(runs), "",
            "**Ablation**: the blind scenario with one pacing rule turned off at a time:", "",
            *ablation_table(blind), ""]
    first, second = BLOCKS
    return {first: "\n".join(main), second: "\n".join(["", *sensitivity_table(blind), ""])}


def updated_doc(text: str) -> str:
    """docs/validation.md with every generated block replaced by its current text."""
    for begin, body in generated_blocks().items():
        head, rest = text.split(begin, 1)
        end = BLOCKS[begin]
        text = head + begin + "\n" + body.strip("\n") + "\n" + end + rest.split(end, 1)[1]
    return text


def write_doc() -> bool:
    """Rewrite the generated blocks of docs/validation.md; True if it changed."""
    text = DOC.read_text(encoding="utf-8")
    new = updated_doc(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    changed = write_doc()
    print(f"{'wrote' if changed else 'unchanged'}: {DOC}", file=sys.stderr)
    sys.exit(0)
