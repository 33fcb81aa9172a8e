"""report.html in a real browser (headless Chromium through Selenium and chromedriver).

Checks: no console errors, every image rendered with non-zero size, the movement table has one row
per line, no request left the machine; a screenshot is saved in tests/artifacts/. Skipped, with
the reason, only when Chromium or chromedriver is not installed (.ci/run installs both).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT, TINY_SCENARIO

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Chromium and chromedriver "
                                       "(Debian: apt-get install chromium chromium-driver)")


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


def _inspect(driver, report: Path, shot: str) -> dict:
    driver.get_log("performance")  # drop what came before this page
    driver.get(report.resolve().as_uri())
    driver.execute_script("return document.readyState")
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width,"
        " i.getBoundingClientRect().height, i.alt])")
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            requests.append(msg["params"]["request"]["url"])
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 100, 16000))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / shot))
    driver.set_window_size(1280, 1000)
    return {"images": images, "requests": requests, "errors": errors}


def _assert_offline_and_rendered(seen: dict) -> None:
    assert not seen["errors"], f"console errors: {seen['errors']}"
    assert seen["images"], "the report shows no chart"
    for complete, natural_w, w, h, alt in seen["images"]:
        assert complete and natural_w > 0 and w > 0 and h > 0, f"image {alt!r} did not render"
    outside = [u for u in seen["requests"] if not u.startswith(("file:", "data:"))]
    assert not outside, f"requests left the machine: {outside}"


def test_run_report_renders_offline(browser, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"), "-o", str(out)]) == 0
    seen = _inspect(browser, out / "report.html", "report-run.png")
    _assert_offline_and_rendered(seen)
    assert len(seen["images"]) >= 7
    from selenium.webdriver.common.by import By

    summary = json.loads((out / "summary.json").read_text())
    rows = browser.find_elements(By.CSS_SELECTOR, "table")[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(summary["lines"]), "one movement-table row per line"
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == summary["lines"][0]["id"]


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
    scen.write_text(TINY_SCENARIO.read_text().replace("name: tiny shuttle", f"name: '{evil}'"))
    out = tmp_path / "run"
    assert main(["run", str(scen), "-o", str(out)]) == 0
    text = (out / "report.html").read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    seen = _inspect(browser, out / "report.html", "report-escaped.png")
    _assert_offline_and_rendered(seen)
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - no script ran
    assert browser.find_element(By.TAG_NAME, "h1").text == evil
