"""The reference scenario's report.html: its size, and how soon it is interactive in headless Chromium (issue 16).

`python -m sim run` of the reference scenario writes the folder once (a subprocess, from the repository
root); then, for each repeat, a fresh headless Chromium (Selenium and chromedriver) opens the report
from file:// and reads `window.simReport.readyMs`: the time from navigation start until the page's
scripts have drawn every chart, the tables are sortable, and the next frame has been painted. The
first load of a fresh browser is the cold figure (what a user who double-clicks the file sees); the
median of all is reported too, with the page's own DOMContentLoaded time. Without Chromium,
chromedriver or selenium, the section reports why and the size alone.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000")


def write_reference(out: Path) -> Path:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(REFERENCE), "-o", str(out)], capture_output=True,
                          text=True, cwd=str(ROOT), env=env, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"sim run exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return out / "report.html"


def _browser():
    """A fresh headless Chromium driven by chromedriver, or (None, why not)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        return None, "Chromium or chromedriver not installed"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None, "selenium not installed (pip install -e '.[test]')"
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in CHROME_ARGS:
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=opts), ""


def _load(driver, report: Path) -> tuple[float, float]:
    """(interactive, DOMContentLoaded) in seconds from navigation start."""
    driver.get(report.resolve().as_uri())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = driver.execute_script("return window.simReport && window.simReport.readyMs")
        if ready:
            dcl = driver.execute_script(
                "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
            return ready / 1000, dcl / 1000
        time.sleep(0.02)
    raise RuntimeError("the report never became interactive (no window.simReport.readyMs after 30 s)")


def bench_report(repeats: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="sim-bench-report-") as tmp:
        report = write_reference(Path(tmp) / "run")
        out: dict = {"scenario": REFERENCE.name, "report_mb": report.stat().st_size / 1e6, "repeats": repeats}
        cold, warm, dcl = [], [], []
        for _ in range(repeats):
            driver, why = _browser()
            if driver is None:
                out["browser"] = why
                return out
            try:
                first = _load(driver, report)
                second = _load(driver, report)
            finally:
                driver.quit()
            cold.append(first[0])
            warm.append(second[0])
            dcl.append(first[1])
        out.update({"interactive_cold_s": statistics.median(cold), "interactive_warm_s": statistics.median(warm),
                    "dom_content_loaded_s": statistics.median(dcl), "interactive_cold_all_s": cold,
                    "browser": "headless Chromium"})
        return out
