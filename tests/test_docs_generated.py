"""The generated scenario reference and JSON Schema match the model (no drift)."""

from sim import docgen
from tests.conftest import DOCS_DIR


def test_scenario_reference_and_schema_are_current() -> None:
    stale = [str(p) for p, text in docgen.outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert not stale, f"out of date: {stale}; run: python -m sim.docgen"


def test_every_model_field_is_documented() -> None:
    for _title, model, _ in docgen.SECTIONS:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"


def test_every_output_column_is_documented() -> None:
    from sim.report import LEG_COLUMNS, MOVEMENT_COLUMNS, SORTIE_COLUMNS, TRIP_COLUMNS

    text = (DOCS_DIR / "outputs.md").read_text(encoding="utf-8")
    missing = [c for c in SORTIE_COLUMNS + MOVEMENT_COLUMNS + LEG_COLUMNS + TRIP_COLUMNS if f"| `{c}` |" not in text]
    assert not missing, f"docs/outputs.md does not describe columns {missing}"


def test_validation_tables_are_current() -> None:
    """docs/validation.md's forecast-beside-record tables are what the engine gives today."""
    from sim import validation

    text = validation.DOC.read_text(encoding="utf-8")
    assert validation.updated_doc(text) == text, "out of date; run: python -m sim.validation"
