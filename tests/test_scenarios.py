"""Every shipped scenario validates; the reference scenario tells the story of the public record."""

from __future__ import annotations

from datetime import datetime

import pytest

from sim.engine import simulate
from sim.loading import load
from sim.results import analyse
from tests.conftest import REFERENCE_SCENARIO, SCENARIOS_DIR

SCENARIOS = sorted(SCENARIOS_DIR.glob("*.yaml"))
REFERENCE = REFERENCE_SCENARIO
SHIPPED = {"csto_kazakhstan_2022.yaml", "csto_all_released_13jan.yaml", "csto_russia_first.yaml",
           "csto_30_il76_no_an124.yaml", "csto_almaty_mog4_zhetygen_closed.yaml", "csto_kazakhstan_2022_uncertain.yaml"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_is_valid(path):
    scenario, _warnings = load(path)
    assert scenario.movements


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_passes_the_editor_schema_it_names(path):
    """What an editor with the YAML extension shows: no marks on a file sim accepts."""
    import json

    import jsonschema
    import yaml

    text = path.read_text()
    raw = yaml.safe_load(text)
    schema_name = "scenario-variant.schema.json" if "extends" in raw else "scenario.schema.json"
    if path.name in SHIPPED or "yaml-language-server" in text:  # files a user adds may leave the line out
        assert text.startswith(f"# yaml-language-server: $schema=../docs/{schema_name}"), "schema line"
    schema = json.loads((path.parents[1] / "docs" / schema_name).read_text())
    raw = json.loads(json.dumps(raw, default=str))  # YAML dates as the strings the editor sees
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(raw), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_reference_scenario_reproduces_the_record():
    scenario, warnings = load(REFERENCE)
    assert not warnings
    res = analyse(simulate(scenario))
    day = lambda h: scenario.to_datetime(h).date()  # noqa: E731
    # CSTO force commander: deployment complete on 9 January (ref timeline)
    assert day(res.phases["deploy"].closed_h) <= datetime(2022, 1, 9).date()
    # Russian MoD: withdrawal complete by 19 January
    assert day(res.phases["withdraw"].closed_h) == datetime(2022, 1, 19).date()
    assert all(r.status == "MET" for r in res.lines)
    # allies leave on the 14th; Kyrgyzstan by road
    for cid in ("am", "by", "tj", "kg"):
        assert day(res.contingents[cid].phases["withdraw"].closed_h) == datetime(2022, 1, 14).date(), cid
    assert any(t.contingent == "kg" and t.mode == "road" for t in res.run.trips)
    # ~2,030 personnel delivered (CSTO Secretary General)
    assert res.phases["deploy"].troops == 2030
