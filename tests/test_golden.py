"""The reference scenario's summary matches the reviewed golden file.

After an intended change: `python tests/golden/refresh.py`, then review `git diff tests/golden`.
"""

import json

import pytest

from tests.golden.refresh import GOLDEN, golden_summary


@pytest.mark.parametrize("scenario,golden", GOLDEN.items(), ids=lambda p: p.name)
def test_summary_matches_golden(scenario, golden):
    expected = json.loads(golden.read_text())
    actual = json.loads(json.dumps(golden_summary(scenario)))
    for key in expected:
        assert actual.get(key) == expected[key], (
            f"summary[{key!r}] changed; if intended run `python tests/golden/refresh.py` and review the diff"
        )
    assert actual.keys() == expected.keys()
