"""docs/tutorials/notebook.ipynb, generated from docs/tutorials/notebook.md (`python -m sim.docgen`).

The Markdown page is the one source: its ```python blocks become code cells, in order, and the
text between them markdown cells (HTML comments, which carry directives for the docs test, are
left out). The page's Python blocks are run by tests/test_docs.py in one namespace, as a notebook
runs its cells, so the notebook is tested without a Jupyter kernel. The output is nbformat 4.5
JSON with no outputs and stable cell ids, so regenerating it changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re

FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```\s*$", re.S | re.M)
COMMENT = re.compile(r"^<!--.*?-->\s*\n", re.S | re.M)


def _lines(text: str) -> list[str]:
    """A cell's source as nbformat stores it: lines that keep their newline, the last without."""
    return text.splitlines(keepends=True)


def _cell(kind: str, text: str) -> dict[str, object]:
    cell: dict[str, object] = {"cell_type": kind, "id": hashlib.sha1(text.encode()).hexdigest()[:8],
                               "metadata": {}, "source": _lines(text)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_json(markdown: str) -> str:
    """The notebook of a tutorial page: markdown and code cells in the page's order."""
    cells = []
    pos = 0
    for match in FENCE.finditer(markdown):
        prose = COMMENT.sub("", markdown[pos:match.start()]).strip()
        if prose:
            cells.append(_cell("markdown", prose))
        cells.append(_cell("code", match.group(1).rstrip("\n")))
        pos = match.end()
    tail = COMMENT.sub("", markdown[pos:]).strip()
    if tail:
        cells.append(_cell("markdown", tail))
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                      "name": "python3"},
                                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
