"""Hostile text in outputs and on the terminal, and what `sim view --serve` serves (issue 18).

- CSV cells a spreadsheet would run as a formula get a leading quote; numbers and offsets do not.
- The workbook stores every text cell as text, never as a formula.
- Scenario names, labels and notes refuse control characters and bidirectional overrides, text of
  only spaces, and text beyond the limits (200 characters for a name, 2,000 for a note).
- Terminal tables show control characters as escapes and cut absurdly long cells.
- A terminal that cannot encode a character gets '?' instead of a crash.
- `sim view --serve` serves the report's own files only, checks the Host header, and refuses
  ports outside 0-65535 before anything.
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.report import movements_csv, sorties_csv
from sim.serve import host_allowed, make_server, served_file
from sim.tables import csv_cell, csv_text, render, terminal_text
from tests.helpers import BASE, scenario

HOSTILE = '=HYPERLINK("http://x","y")'

# ------------------------------------------------------------------ CSV cells


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    (HOSTILE, "'" + HOSTILE),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("+d1", "'+d1"),            # a cell reference, not a number
    ("-", "'-"),                # a lone sign is not a number either
    ("-3.5", "-3.5"),           # numbers as text stay as they are
    ("+1", "+1"),
    ("-0.25", "-0.25"),
    ("1e-3", "1e-3"),
    ("+06:00", "+06:00"),       # UTC offsets and signed durations are data
    ("-03:30", "-03:30"),
    ("+36h", "+36h"),
    ("2022-01-06T00:00+06:00", "2022-01-06T00:00+06:00"),
    ("almaty", "almaty"),
    ("a=b", "a=b"),             # only the first character counts
    ("", ""),
    (-3.5, -3.5),               # non-text cells are never touched
    (7, 7),
    (None, None),
])
def test_csv_cell_neutralises_formulas_only(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


def test_csv_text_quotes_formula_cells_and_keeps_numbers() -> None:
    text = csv_text(["id", "nation", "slack_h"], [["ru", "=1+2", -3.5], ["by", "-1", "+06:00"]])
    assert text == "id,nation,slack_h\nru,'=1+2,-3.5\nby,-1,+06:00\n"


def test_hostile_nation_reaches_the_run_csvs_neutralised() -> None:
    res = sim.run(scenario(contingents=[{"id": "x", "nation": HOSTILE, "troops": 100, "home": "home"}])).results
    for text in (movements_csv(res), sorties_csv(res)):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and {r["nation"] for r in rows} == {"'" + HOSTILE}


# ------------------------------------------------------------------ the workbook


def test_workbook_keeps_a_formula_like_name_as_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from sim.workbook import write_xlsx

    data = {"name": HOSTILE, "contingents": [{"id": "x", "nation": HOSTILE, "troops": 100, "home": "home"}],
            "airfields": [{**BASE["airfields"][0], "name": "=1+1"}, BASE["airfields"][1]]}
    path = write_xlsx(sim.run(scenario(**data)).results, tmp_path / "w.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    hostile = [c for c in cells if c.value in (HOSTILE, "=1+1")]
    # the scenario's name and the nation (Lines, Sorties, In theatre's header, Scenario sheet), an airfield's name
    assert len(hostile) >= 5
    assert all(c.data_type == "s" for c in hostile), [(c.coordinate, c.data_type) for c in hostile]
    assert not [c for c in cells if c.data_type == "f"]


# ------------------------------------------------------------------ scenario text


def _refusal(**overrides: object) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario(**overrides)
    return str(info.value)


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"name": "tiny\x1b[31m"}, "name: holds U+001B at character 5"),
    ({"name": "\x07"}, "name: holds U+0007 at character 1"),
    ({"name": "a\u202ebc"}, "name: holds U+202E at character 2"),
    ({"name": "ok\x85"}, "name: holds U+0085 at character 3"),
    ({"name": "line\nbreak"}, "name: holds U+000A at character 5"),
    ({"name": "   "}, "name: must not be only spaces"),
    ({"name": "x" * 201}, "name: is too long (201 characters; at most 200)"),
    ({"name": "x" * 100_000}, "name: is too long (100000 characters; at most 200)"),
    ({"description": "y" * 2001}, "description: is too long (2001 characters; at most 2000)"),
    ({"description": "a\rb"}, "description: holds U+000D at character 2"),
    ({"contingents": [{"id": "x", "nation": "\u2067X", "troops": 1, "home": "home"}]},
     "contingents[0].nation: holds U+2067 at character 1"),
    ({"contingents": [{"id": "x", "nation": "X", "troops": 1, "home": "home", "note": "\x00"}]},
     "contingents[0].note: holds U+0000 at character 1"),
])
def test_hostile_scenario_text_is_refused_with_the_field_and_the_reason(overrides: dict, fragment: str) -> None:
    message = _refusal(**overrides)
    assert fragment in message
    assert "\x1b" not in message and "\u202e" not in message  # the message never carries the character itself


@pytest.mark.parametrize("overrides", [
    {"name": "x" * 200},                                         # at the limit
    {"name": "CSTO 2022 \u2014 Almaty, \u0410\u043b\u043c\u0430\u0442\u044b"},  # any printable Unicode
    {"description": "two lines\nwith\ta tab", "name": "ok"},     # a note or description may break lines
    {"contingents": [{"id": "x", "nation": "X", "troops": 1, "home": "home", "note": "z" * 2000}]},
])
def test_plain_text_is_accepted(overrides: dict) -> None:
    assert scenario(**overrides).name


def test_ids_already_refuse_formula_starts_and_control_characters() -> None:
    for bad in ("=x", "+x", "-x", "@x", "a\x1bb", "a\nb"):
        assert "may use only letters" in _refusal(contingents=[{"id": bad, "nation": "X", "troops": 1,
                                                                "home": "home"}])


# ------------------------------------------------------------------ the terminal


@pytest.mark.parametrize(("value", "expected"), [
    ("red \x1b[31mX", "red \\x1b[31mX"),
    ("bell\x07", "bell\\x07"),
    ("a\u202eb", "a\\u202eb"),
    ("tab\tnew\nline", "tab\\tnew\\nline"),
    ("plain \u2014 text", "plain \u2014 text"),
    (12, "12"),
])
def test_terminal_text_escapes_control_characters(value: object, expected: str) -> None:
    assert terminal_text(value) == expected


def test_terminal_text_cuts_long_cells_with_an_ellipsis() -> None:
    assert terminal_text("abcdef", limit=4) == "abc\u2026"
    assert terminal_text("abcd", limit=4) == "abcd"


def test_render_shows_no_control_character_and_no_absurd_width() -> None:
    table = render(["name", "n"], [["\x1b]0;owned\x07", "1"], ["y" * 10_000, "2"]], "lr")
    assert "\x1b" not in table and "\x07" not in table
    lines = table.split("\n")
    # the long cell is cut to 120 characters (119 and an ellipsis); the column is that wide, plus 2 and "n"
    assert lines[3] == "y" * 119 + "\u2026  2"
    assert lines[2] == "\\x1b]0;owned\\x07" + " " * (120 - 16) + "  1"


def test_a_terminal_that_cannot_encode_utf8_gets_question_marks(tmp_path: Path, monkeypatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    path = tmp_path / "s.yaml"
    text = (Path(__file__).parent / "data" / "tiny.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("name: tiny shuttle", "name: tiny \u2014 shuttle"), encoding="utf-8")
    assert main(["run", str(path), "-o", str(tmp_path / "out")]) == 0
    sys.stdout.flush()
    assert b"tiny ? shuttle" in raw.getvalue()


# ------------------------------------------------------------------ --serve: the port


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_serve_refuses_a_port_out_of_range_before_anything(port: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", str(tmp_path / "nowhere"), "--serve", port]) == 2
    err = capsys.readouterr().err
    assert "--serve" in err and "nowhere" not in err  # refused as a usage error, before the folder is looked at


def test_make_server_refuses_a_port_out_of_range(tmp_path: Path) -> None:
    for port in (-1, 65536):
        with pytest.raises(ValueError, match="0 to 65535"):
            make_server(tmp_path, port)


# ------------------------------------------------------------------ --serve: what is served


@pytest.fixture
def report_folder(tmp_path: Path) -> Path:
    """A report folder: report.html, a chart, a CSV, a marker, a subfolder, a script, and two symlinks."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "report.html").write_text("<h1>report</h1>", encoding="utf-8")
    (folder / "in_theatre.png").write_bytes(b"\x89PNG fake")
    (folder / "sorties.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / ".sim-output").write_text("marker", encoding="utf-8")
    (folder / "notes.py").write_text("print()", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "x.csv").write_text("hidden", encoding="utf-8")
    (tmp_path / "secret.csv").write_text("secret", encoding="utf-8")
    (folder / "out.csv").symlink_to(tmp_path / "secret.csv")
    (folder / "alias.csv").symlink_to(folder / "sorties.csv")
    return folder


@pytest.mark.parametrize(("path", "served"), [
    ("/report.html", "report.html"),
    ("/sorties.csv?x=1", "sorties.csv"),
    ("/in_theatre.png", "in_theatre.png"),
    ("/", None), ("/sub", None), ("/sub/", None), ("/sub/x.csv", None), ("/../secret.csv", None),
    ("/%2e%2e/secret.csv", None), ("/..%2fsecret.csv", None), ("/.sim-output", None), ("/notes.py", None),
    ("/out.csv", None), ("/alias.csv", None), ("/missing.csv", None), ("/report.html%00.png", None),
])
def test_served_file_names_only_the_reports_own_files(report_folder: Path, path: str, served: str | None) -> None:
    got = served_file(report_folder, path)
    assert (got.name if got else None) == served


@pytest.mark.parametrize(("host", "port", "ok"), [
    ("127.0.0.1:8000", 8000, True), ("localhost:8000", 8000, True), ("LOCALHOST:8000", 8000, True),
    ("127.0.0.1:8001", 8000, False), ("evil.example:8000", 8000, False), ("127.0.0.1", 8000, False),
    ("127.0.0.1", 80, True), (None, 8000, False), ("", 8000, False),
])
def test_host_header_must_name_this_server(host: str | None, port: int, ok: bool) -> None:
    assert host_allowed(host, port) is ok


@pytest.fixture
def server(report_folder: Path) -> Iterator[int]:
    """The report folder served on a free port, in a thread; yields the port."""
    srv = make_server(report_folder, 0)
    assert srv.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(srv.server_address[1])
    finally:
        srv.shutdown()
        srv.server_close()


def _get(port: int, path: str, host: str | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_server_gives_the_report_and_its_files(server: int) -> None:
    status, headers, body = _get(server, "/report.html")
    assert (status, body) == (200, b"<h1>report</h1>")
    assert headers["content-type"].startswith("text/html")
    assert _get(server, "/sorties.csv", host=f"localhost:{server}")[::2] == (200, b"a,b\n1,2\n")
    status, headers, body = _get(server, "/sorties.csv", method="HEAD")
    assert (status, headers["content-length"], body) == (200, "8", b"")


def test_server_redirects_the_root_to_the_report_and_lists_nothing(server: int) -> None:
    status, headers, body = _get(server, "/")
    assert (status, headers["location"]) == (302, "/report.html")
    assert b"sorties.csv" not in body


@pytest.mark.parametrize("path", ["/sub/", "/sub/x.csv", "/../secret.csv", "/%2e%2e/secret.csv", "/out.csv",
                                  "/alias.csv", "/.sim-output", "/notes.py", "//etc/passwd"])
def test_server_refuses_everything_else(server: int, path: str) -> None:
    status, _headers, body = _get(server, path)
    assert status == 404
    assert b"secret" not in body and b"hidden" not in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1:1", "[::1]"])
def test_server_refuses_another_host(server: int, host: str) -> None:
    status, _headers, body = _get(server, "/report.html", host=host)
    assert status == 421
    assert b"<h1>report</h1>" not in body


def test_server_answers_only_get_and_head(server: int) -> None:
    assert _get(server, "/report.html", method="POST")[0] == 501


def test_a_symlink_to_the_folder_serves_the_same_files(tmp_path: Path, report_folder: Path) -> None:
    # a symlink to the folder is the folder: its files are served, and only its files
    link = tmp_path / "link"
    link.symlink_to(report_folder, target_is_directory=True)
    assert served_file(link, "/report.html") is not None
    assert served_file(link, "/out.csv") is None
    assert os.path.realpath(report_folder / "out.csv").endswith("secret.csv")


def test_every_file_the_report_links_to_is_served(tmp_path: Path) -> None:
    folder = sim.run(Path(__file__).parent / "data" / "tiny.yaml").write(tmp_path / "run")
    links = re.findall(r'href="([^"#][^"]*)"', (folder / "report.html").read_text(encoding="utf-8"))
    local = [h for h in links if "://" not in h]
    assert "sorties.csv" in local and "summary.json" in local
    assert [h for h in local if served_file(folder, "/" + h) is None] == []


def test_characters_the_chart_font_lacks_print_no_warnings(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A name with CJK and emoji (DejaVu Sans has neither) runs without one line on stderr: matplotlib
    warned once per glyph, chart and format (about 60 lines for this name)."""
    from tests.conftest import TINY_SCENARIO

    text = TINY_SCENARIO.read_text(encoding="utf-8").replace("name: tiny shuttle", 'name: "tiny \\U0001F680 中文"')
    src = tmp_path / "glyphs.yaml"
    src.write_text(text, encoding="utf-8")
    assert main(["run", str(src), "-q", "-o", str(tmp_path / "out")]) == 0
    assert capfd.readouterr().err == ""
