"""report.html in a real browser (headless Chromium through Selenium and chromedriver).

Checks: the report copied alone into another folder renders with no console error and no request
leaving the machine; hovering a Gantt bar shows that sortie; the map's slider moves the aircraft and
the people in theatre (both checked against sorties.csv and in_theatre.csv); a click on a header sorts
a table and typing in its box filters it; the printed PDF (Chrome's Page.printToPDF, read back with
pdftotext) holds the resolved scenario, every column of the widest table on landscape pages, and the
header and footer; the banner is shown when the scenario sets one. Screenshots go to tests/artifacts/.
Skipped, with the reason, only when Chromium or chromedriver (or, for the PDF, pdftotext) is not
installed (.ci/run installs them).
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import REFERENCE_SCENARIO, ROOT, TINY_SCENARIO

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
PDFTOTEXT = shutil.which("pdftotext")
BANNER = "EXERCISE EXERCISE EXERCISE"

pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Chromium and chromedriver "
                                       "(Debian: apt-get install chromium chromium-driver)")
needs_pdftotext = pytest.mark.skipif(not PDFTOTEXT, reason="needs pdftotext (Debian: apt-get install poppler-utils)")


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The reference scenario's output folder."""
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["run", str(REFERENCE_SCENARIO), "-o", str(out)]) == 0
    return out


def _open(driver, report: Path) -> None:
    driver.get_log("performance")  # drop what came before this page
    driver.get_log("browser")
    driver.set_window_size(1280, 1000)
    driver.get(report.resolve().as_uri())
    driver.execute_script("return document.readyState")


def _inspect(driver, report: Path, shot: str) -> dict:
    _open(driver, report)
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width,"
        " i.getBoundingClientRect().height, i.alt])")
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 100, 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / shot))
    driver.set_window_size(1280, 1000)
    return {"images": images, "requests": requests + resources, "errors": errors}


def _assert_offline_and_rendered(seen: dict) -> None:
    assert not seen["errors"], f"console errors: {seen['errors']}"
    assert seen["images"], "the report shows no chart"
    for complete, natural_w, w, h, alt in seen["images"]:
        assert complete and natural_w > 0 and w > 0 and h > 0, f"image {alt!r} did not render"
    outside = [u for u in seen["requests"] if not u.startswith(("file:", "data:"))]
    assert not outside, f"requests left the machine: {outside}"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_run_report_alone_renders_offline(browser, reference, tmp_path):
    """Copied alone into another folder (no CSV, no PNG beside it), the report still draws everything."""
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.copy(reference / "report.html", alone / "report.html")
    seen = _inspect(browser, alone / "report.html", "report-run.png")
    _assert_offline_and_rendered(seen)
    assert len(seen["images"]) >= 7
    from selenium.webdriver.common.by import By

    summary = json.loads((reference / "summary.json").read_text())
    rows = browser.find_elements(By.CSS_SELECTOR, "#t-lines tbody tr")
    assert len(rows) == len(summary["lines"]), "one movement-table row per line"
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == summary["lines"][0]["id"]
    n_sorties = len(_csv(reference / "sorties.csv"))
    assert browser.execute_script("return document.querySelectorAll('#t-sorties tbody tr').length") == n_sorties
    assert browser.execute_script("return document.querySelectorAll('#chart-gantt rect.bar').length") >= n_sorties
    assert browser.execute_script("return document.querySelectorAll('#chart-lines rect.hit').length") == len(
        summary["lines"])
    assert browser.find_element(By.ID, "map-svg").get_attribute("data-airborne") is not None
    assert browser.execute_script("return document.querySelectorAll('#map-svg path.land').length") > 0, "borders"
    assert browser.execute_script("return window.simReport.readyMs") > 0


def _hover(driver, element) -> str:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    ActionChains(driver).move_to_element(element).perform()
    tip = driver.find_element(By.ID, "sim-tip")
    assert tip.is_displayed(), "no tooltip"
    return tip.text


def test_hovering_a_gantt_bar_shows_its_sortie(browser, reference):
    from selenium.webdriver.common.by import By

    _open(browser, reference / "report.html")
    sorties = _csv(reference / "sorties.csv")
    loaded = [k for k, r in enumerate(sorties) if r["phase"] != "reposition"]
    for k in (loaded[0], loaded[len(loaded) // 2], loaded[-1]):
        bar = browser.find_element(By.CSS_SELECTOR, f'#chart-gantt rect.bar[data-k="{k}"]')
        text = _hover(browser, bar)
        row = sorties[k]
        assert row["tail"] in text and row["line"] in text, f"sortie {k + 1}: {text!r}"
        taken_off = datetime.fromisoformat(row["takeoff"]).strftime("%d %b %H:%M")
        assert taken_off in text, f"take-off {taken_off} (local) not in {text!r}"
    line = json.loads((reference / "summary.json").read_text())["lines"][0]
    text = _hover(browser, browser.find_element(By.CSS_SELECTOR, '#chart-lines rect.hit[data-k="0"]'))
    assert line["id"] in text and line["status"] in text and "slack" in text


def _slide_to(driver, when: datetime) -> dict:
    """Move the map's slider to a time (as a user's drag ends: the input event) and read the map."""
    return driver.execute_script("""
        const s = document.getElementById('map-slider'), svg = document.getElementById('map-svg');
        const lo = +svg.dataset.time - s.value * 5 * 60000;
        s.value = Math.round((arguments[0] - lo) / 300000);
        s.dispatchEvent(new Event('input', {bubbles: true}));
        return {airborne: +svg.dataset.airborne, time: +svg.dataset.time,
                tails: Array.from(svg.querySelectorAll('g.ac')).map(g => g.dataset.tail).sort(),
                total: document.getElementById('theatre-total').textContent,
                nations: Object.fromEntries(Array.from(document.querySelectorAll('#theatre-now td[data-nation]'))
                                            .map(td => [td.dataset.nation, td.textContent]))};
    """, when.timestamp() * 1000)


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp() * 1000


def _quiet(reference: Path, when: str) -> datetime:
    """The first time on the slider's 5-minute grid from `when` on with no take-off, landing or change in
    theatre within a minute of it: the CSV files write times to the minute, the page holds them exact."""
    events = [_ms(r[k]) for r in _csv(reference / "sorties.csv") for k in ("takeoff", "landing")]
    events += [_ms(r["time"]) for r in _csv(reference / "in_theatre.csv")]
    t = _ms(when)
    while any(abs(t - e) <= 60_000 for e in events):
        t += 300_000
    return datetime.fromtimestamp(t / 1000)


def _expected_at(reference: Path, t_ms: float) -> tuple[list[str], dict[str, str]]:
    """From the CSV files: the tails in the air at that time, and the people in theatre."""
    flying = sorted(r["tail"] for r in _csv(reference / "sorties.csv")
                    if _ms(r["takeoff"]) <= t_ms < _ms(r["landing"]))
    theatre = [r for r in _csv(reference / "in_theatre.csv") if _ms(r["time"]) <= t_ms][-1]
    return flying, {k: f"{int(v):,}" for k, v in theatre.items() if k != "time"}


def test_map_slider_moves_aircraft_and_people(browser, reference):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, reference / "report.html")
    seen = []
    for when in ("2022-01-07T16:20+06:00", "2022-01-08T10:00+06:00", "2022-01-12T12:00+06:00"):
        page = _slide_to(browser, _quiet(reference, when))
        tails, people = _expected_at(reference, page["time"])
        assert page["tails"] == tails, f"aircraft in the air at {when}"
        assert page["airborne"] == len(tails)
        assert page["total"] == people.pop("total") and page["nations"] == people, f"people in theatre at {when}"
        seen.append(page)
    assert seen[0]["tails"] != seen[1]["tails"] and seen[0]["total"] != seen[1]["total"]
    assert seen[2]["airborne"] == 0, "nothing flies between the deployment and the withdrawal"
    slider = browser.find_element(By.ID, "map-slider")  # the keyboard moves it too
    before = browser.find_element(By.ID, "map-svg").get_attribute("data-time")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "map-svg").get_attribute("data-time") != before
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.find_element(By.ID, "chart-map").screenshot(str(ARTIFACTS / "report-map.png"))


def _column(driver, table: str, col: int) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(`#${arguments[0]} tbody tr`)).filter(r => !r.hidden)"
        ".map(r => r.cells[arguments[1]].textContent)", table, col)


def test_headers_sort_and_the_box_filters(browser, reference):
    from selenium.webdriver.common.by import By

    _open(browser, reference / "report.html")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#t-sorties thead th")]
    troops, takeoff = headers.index("troops"), headers.index("take-off")
    th = browser.find_elements(By.CSS_SELECTOR, "#t-sorties thead th")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", th[troops])
    th[troops].click()
    values = [int(x) for x in _column(browser, "t-sorties", troops)]
    assert values == sorted(values) and values[0] < values[-1]
    th[troops].click()
    assert [int(x) for x in _column(browser, "t-sorties", troops)] == sorted(values, reverse=True)
    sorties = _csv(reference / "sorties.csv")
    for _ in range(2):  # local times ('09 Jan 16:24') sort as times, either way
        th[takeoff].click()
        times = [_ms(sorties[int(k) - 1]["takeoff"]) for k in _column(browser, "t-sorties", 0)]
        assert times in (sorted(times), sorted(times, reverse=True)) and times[0] != times[-1]
    box = browser.find_element(By.CSS_SELECTOR, '.tablebar[data-for="t-sorties"] input')
    box.send_keys("kg-deploy")
    shown = _column(browser, "t-sorties", headers.index("line"))
    assert shown and set(shown) == {"kg-deploy"}
    assert len(shown) == sum(r["line"] == "kg-deploy" for r in sorties)
    count = browser.find_element(By.CSS_SELECTOR, '.tablebar[data-for="t-sorties"] .count').text
    assert count == f"{len(shown)} of {len(sorties)} rows"
    lines = browser.find_elements(By.CSS_SELECTOR, "#t-lines thead th")  # every table sorts, the small ones too
    lines[0].click()
    ids = _column(browser, "t-lines", 0)
    assert ids == sorted(ids)


def _pdf_pages(driver, report: Path, out: Path) -> list[tuple[str, bool]]:
    """Print the page to PDF as Chrome does; each page's text (pdftotext) and whether it is landscape."""
    _open(driver, report)
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    out.write_bytes(base64.b64decode(pdf["data"]))
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(out)], capture_output=True, text=True).stdout
    sizes = [line.split(":", 1)[1].split()[:3] for line in info.splitlines() if line.startswith("Page") and
             " size:" in line]
    pages = []
    for k, (w, _x, h) in enumerate(sizes, start=1):
        text = subprocess.run([PDFTOTEXT, "-f", str(k), "-l", str(k), "-layout", str(out), "-"], capture_output=True,
                              text=True).stdout
        pages.append((text, float(w) > float(h)))
    return pages


@needs_pdftotext
def test_printout_holds_everything(browser, reference):
    pages = _pdf_pages(browser, reference / "report.html", ARTIFACTS / "report-run.pdf")
    n = len(pages)
    name = "CSTO peacekeeping mission, Kazakhstan 2022"
    for k, (text, _wide) in enumerate(pages, start=1):
        assert name in text and f"page {k} of {n}" in text, f"header or footer missing on page {k}"
    everything = "\n".join(t for t, _ in pages)
    resolved = (reference / "scenario.resolved.yaml").read_text()
    short = [x.strip() for x in resolved.splitlines() if ": " in x and len(x) < 60]
    for line in [*short[::20], resolved.splitlines()[-1].strip()]:
        assert line in everything, f"resolved scenario line {line!r} not printed"
    sortie_pages = [(t, wide) for t, wide in pages if "take-off" in t and "on blocks" in t]
    assert len(sortie_pages) >= 3 and all(wide for _, wide in sortie_pages), "the sorties table on landscape pages"
    portrait = [t for t, wide in pages if not wide]
    assert portrait and "Movement lines" in portrait[0]
    for text, _ in sortie_pages:  # its last column on every page: the table is not cut at the right edge
        assert "other" in text and "waits" in text
    last = _csv(reference / "sorties.csv")[-1]
    assert any(last["tail"] in t for t, _ in sortie_pages), "every sortie is printed"


def test_banner_on_screen_and_on_every_printed_page(browser, tmp_path):
    scen = tmp_path / "exercise.yaml"
    scen.write_text(TINY_SCENARIO.read_text() + f"report: {{banner: {BANNER}}}\n")
    out = tmp_path / "run"
    assert main(["run", str(scen), "-o", str(out)]) == 0
    seen = _inspect(browser, out / "report.html", "report-banner.png")
    _assert_offline_and_rendered(seen)
    from selenium.webdriver.common.by import By

    banners = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".banner")]
    assert banners == [BANNER, BANNER], "top and bottom of the page"
    if PDFTOTEXT:
        pages = _pdf_pages(browser, out / "report.html", tmp_path / "report.pdf")
        assert len(pages) > 1
        for k, (text, _) in enumerate(pages, start=1):
            lines = [x for x in text.splitlines() if x.strip()]
            assert BANNER in lines[0] and BANNER in lines[-1], f"page {k}: the banner at the top and the bottom"


def test_no_banner_unless_set(reference):
    assert 'class="banner' not in (reference / "report.html").read_text()


def test_compare_report_renders_offline(browser, tmp_path):
    out = tmp_path / "cmp"
    scen = ROOT / "scenarios"
    assert main(["compare", str(scen / "csto_kazakhstan_2022.yaml"), str(scen / "csto_all_released_13jan.yaml"),
                 "-o", str(out), "--workers", "1"]) == 0
    seen = _inspect(browser, out / "report.html", "report-compare.png")
    _assert_offline_and_rendered(seen)
    assert len(seen["images"]) == 3


def test_scenario_text_is_escaped(browser, tmp_path):
    evil = "<script>alert(1)</script>"
    scen = tmp_path / "evil.yaml"
    scen.write_text(TINY_SCENARIO.read_text().replace("name: tiny shuttle", f"name: '{evil}\"; }} body {{ x'") +
                    f"report: {{banner: '{evil}'}}\n")
    out = tmp_path / "run"
    assert main(["run", str(scen), "-o", str(out)]) == 0
    text = (out / "report.html").read_text()
    assert evil not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.count("<script") == 3, "only the report's own scripts: the data block, tables.js, charts.js"
    seen = _inspect(browser, out / "report.html", "report-escaped.png")
    _assert_offline_and_rendered(seen)
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - no script ran
    assert browser.find_element(By.TAG_NAME, "h1").text == f'{evil}"; }} body {{ x'
    data = json.loads(browser.execute_script("return document.getElementById('sim-data').textContent"))
    assert data["meta"]["name"].startswith(evil) and data["meta"]["banner"] == evil
