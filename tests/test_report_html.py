"""report.html without a browser: its size, what it links to, every sortie in it, and the escaping of
scenario text in its data blocks and printed header (the browser checks are in test_report_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim import htmlreport
from sim.cli import main
from sim.reportdata import json_script
from tests.conftest import REFERENCE_SCENARIO, TINY_SCENARIO

MAX_REPORT_BYTES = 5_000_000  # issue 16: the reference report stays under 5 MB


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["run", str(REFERENCE_SCENARIO), "-o", str(out)]) == 0
    return out


def test_reference_report_is_under_5_mb(reference):
    size = (reference / "report.html").stat().st_size
    assert size < MAX_REPORT_BYTES, f"report.html is {size / 1e6:.2f} MB"


def test_every_sortie_is_in_the_report(reference):
    text = (reference / "report.html").read_text()
    table = text[text.index('id="t-sorties"'):]
    table = table[:table.index("</table>")]
    n = len((reference / "sorties.csv").read_text().splitlines()) - 1
    assert n > 300 and table.count("<tr") == n + 1, "a header row and one row per sortie"
    data = json.loads(re.search(r'<script type="application/json" id="sim-data">(.*?)</script>', text, re.S)[1])
    assert len(data["sorties"]["rows"]) == n


def test_links_to_the_files_beside_it(reference):
    text = (reference / "report.html").read_text()
    links = set(re.findall(r'<a href="([^"#]+)">', text))
    present = {p.name for p in reference.iterdir()}
    for name in ("sorties.csv", "movements.csv", "legs.csv", "in_theatre.csv", "summary.json",
                 "scenario.resolved.yaml"):
        assert name in links
    assert links <= present, f"links to files that are not there: {links - present}"
    assert "workbook.xlsx" not in links


def test_tiny_run_links_only_what_it_wrote(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(TINY_SCENARIO), "-o", str(out)]) == 0
    text = (out / "report.html").read_text()
    assert 'href="surface.csv"' not in text and not (out / "surface.csv").exists()


def test_json_block_cannot_be_closed_by_text():
    block = json_script("d", {"name": "</script><script>alert(1)</script> & <!--"})
    body = block[block.index(">") + 1:block.rindex("</script>")]
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body) == {"name": "</script><script>alert(1)</script> & <!--"}


@pytest.mark.parametrize("text", ['a"b', "x\\y", "</style><script>", "é, ünïcode", "new\nline", "a b"])
def test_css_strings_escape_everything_but_letters_and_digits(text):
    literal = htmlreport.css_string(text)
    assert literal[0] == literal[-1] == '"'
    inner = literal[1:-1]
    assert re.fullmatch(r"(?:[A-Za-z0-9]|\\[0-9a-f]{6})*", inner), inner
    decoded = re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m[1], 16)), inner)
    assert decoded == text


def test_banner_is_escaped_in_the_printed_header():
    rules = htmlreport.page_rules("name", "run now", 'EX"}</style>')
    assert "</style>" not in rules and '"}' not in rules.replace('"page " counter(page) " of " counter(pages)', "")
    assert rules.count("@top-center") == 1 and rules.count("@bottom-center") == 1
    assert "@top-center" not in htmlreport.page_rules("name", "run now", "")
