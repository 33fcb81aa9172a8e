"""The optional analysis libraries (pandas, pyarrow, openpyxl) and the atomic file writes of their outputs.

Nothing here imports those libraries at import time: `require` imports one when a feature first
needs it, and says what to install when it is missing.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from pathlib import Path
from types import ModuleType

EXTRA = "analysis"  # the extra that brings pandas, pyarrow and openpyxl


def install_hint(extra: str) -> str:
    """How to install one of sim's extras: from the clone (a package named "sim" on PyPI is another project)."""
    return f"pip install -c .ci/constraints.txt -e '.[{extra}]' in the clone"


INSTALL_HINT = install_hint(EXTRA)


class MissingDependency(ImportError):
    """An optional library that a feature needs is not installed; the message says what to install."""


def require(module: str, feature: str) -> ModuleType:
    """Import an optional library, or raise MissingDependency, e.g.
    "DataFrames need pandas: pip install -c .ci/constraints.txt -e '.[analysis]' in the clone"."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(f"{feature} need {module}: {INSTALL_HINT}", name=module) from exc


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file beside it and one rename: a reader sees the old
    file or the new one, never half of it; on an error the old file stays. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
