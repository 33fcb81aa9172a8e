"""Refresh the golden summaries after an intended change in results:

    python tests/golden/refresh.py

Review the diff (git diff tests/golden) before committing: every changed number should be explained.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GOLDEN = {  # scenario file -> golden summary file
    ROOT / "scenarios" / "csto_kazakhstan_2022.yaml": Path(__file__).parent / "csto_kazakhstan_2022.summary.json",
}


def golden_summary(scenario_path: Path) -> dict:
    from sim.engine import simulate
    from sim.loading import load_scenario
    from sim.report import summary_dict
    from sim.results import analyse

    summary = summary_dict(analyse(simulate(load_scenario(scenario_path))))
    summary.pop("tool")  # the version changes without the results changing
    return summary


def main() -> None:
    for scenario, golden in GOLDEN.items():
        golden.write_text(json.dumps(golden_summary(scenario), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {golden.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
