"""The versions behind the byte-identical claim (.ci/constraints.txt) are the ones installed: the
README's set-up commands install with them, and the golden files were made with them."""

from __future__ import annotations

from importlib import metadata

import pytest

from tests.conftest import ROOT

# the libraries whose version can change an output's bytes (numbers, CSV/JSON text, PNG pixels, xlsx)
SHAPE_OUTPUTS = ("simpy", "numpy", "matplotlib", "pydantic", "pydantic_core", "PyYAML", "pillow", "pandas",
                 "pyarrow", "openpyxl")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("-", "_")] = version
    return pins


@pytest.mark.parametrize("lib", SHAPE_OUTPUTS)
def test_the_libraries_that_shape_outputs_are_at_their_pinned_versions(lib: str) -> None:
    pinned = _pins()[lib.lower().replace("-", "_")]
    installed = metadata.version(lib)
    assert installed == pinned, (f"{lib} {installed} is installed but .ci/constraints.txt pins {pinned}: install with "
                                 "pip install -c .ci/constraints.txt -e '.[test]' (the README's command)")


def test_every_core_dependency_is_pinned() -> None:
    """pyproject's dependencies all appear in the constraints file."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower().replace("-", "_") for d in deps}
    assert names <= set(_pins()), names - set(_pins())


def test_every_package_is_shipped() -> None:
    """Each folder of sim/ with an __init__.py is listed in pyproject's packages: a plain `pip install .`
    (the README's first command) installs only those, unlike the editable install the tests use."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert found <= listed, f"not shipped by pip install .: {sorted(found - listed)}"
