"""Fingerprint every CSV and JSON output of the shipped scenarios, to show a refactor changed nothing.

    python .ci/fingerprint.py > before.txt      # on the old commit
    python .ci/fingerprint.py > after.txt       # on the new one
    diff before.txt after.txt                   # empty: byte-identical outputs

It runs `sim run` on every file in scenarios/, a Monte Carlo of 40 replications of the uncertain
reference, a comparison of two withdrawal schedules, a small sweep and a size-fleet search, and
prints one line per output file: its SHA-256 and its path. The `tool` block of summary.json
(version, Python) is the only field left out, since it names the code rather than the result.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REF = "scenarios/csto_kazakhstan_2022.yaml"
COMMANDS: list[tuple[str, list[str]]] = [
    *[(f"run-{p.stem}", ["run", str(p.relative_to(ROOT))]) for p in sorted((ROOT / "scenarios").glob("*.yaml"))],
    ("montecarlo", ["montecarlo", "scenarios/csto_kazakhstan_2022_uncertain.yaml", "-n", "40", "--seed", "7",
                    "--workers", "1"]),
    ("compare", ["compare", REF, "scenarios/csto_russia_first.yaml"]),
    ("sweep", ["sweep", REF, "--vary", "fleet[il-76md@ivanovo].count=4,8"]),
    ("size-fleet", ["size-fleet", REF, "--type", "il-76md"]),
]


def _digest(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".json"):
        doc = json.loads(data)
        if isinstance(doc, dict):
            doc.pop("tool", None)
        data = json.dumps(doc, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in COMMANDS:
            out = Path(tmp) / name
            proc = subprocess.run([sys.executable, "-m", "sim", *args, "-o", str(out)],
                                  cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name}: exit {proc.returncode}\n{proc.stderr}", file=sys.stderr)
                return 1
            for f in sorted(out.rglob("*")):
                if f.suffix in (".csv", ".json"):
                    print(_digest(f), f.relative_to(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
