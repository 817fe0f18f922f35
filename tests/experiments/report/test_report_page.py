"""The HTML report in headless Chromium: no console errors, key elements visible, works offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from experiments.report.files import ReportFiles
from experiments.service import ExperimentReport

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian chromium is not installed"),
]


@pytest.fixture
def report_files(hillstrom_report: ReportFiles) -> ReportFiles:
    return hillstrom_report


def test_report_has_no_network_references(report_files) -> None:
    html = report_files.html.read_text()
    assert not re.search(r"https?://", html), "the page must not reference the network"
    assert "<script" not in html and "<link" not in html
    assert html.count('src="data:image/png;base64,') >= 9  # srm + 2 per metric x 4 + segments


class _Page:
    """A report opened in headless Chromium, recording console errors and requests."""

    def __init__(self, browser, path: Path) -> None:  # noqa: ANN001 - playwright Browser
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def charts_visible(self, minimum: int) -> None:
        charts = self.page.locator("img.chart")
        assert charts.count() >= minimum
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            loaded = chart.evaluate("img => img.complete && img.naturalWidth > 0")
            box = chart.bounding_box()
            assert loaded and box and box["width"] > 100 and box["height"] > 50, f"chart {i} not visible"

    def clean(self) -> None:
        assert self.errors == []
        assert all(u.startswith(("file:", "data:")) for u in self.requests), self.requests


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def test_platform_report_renders_with_its_day_by_day_chart(browser, demo_report: ExperimentReport, tmp_path: Path) -> None:
    view = _Page(browser, demo_report.files.html)
    page = view.page
    assert page.locator(".verdict").first.is_visible()
    for section in ("#truth", "#health", "#over-time", "#metrics", "#segments", "#methods"):
        assert page.locator(section).is_visible(), section
    view.charts_visible(6)
    page.locator("#chart-over-time").screenshot(path=str(tmp_path / "over-time.png"))
    view.clean()


def test_report_renders_in_chromium(browser, report_files, tmp_path: Path) -> None:
    view = _Page(browser, report_files.html)
    page = view.page
    verdicts = page.locator(".verdict")
    assert verdicts.count() == 2
    assert verdicts.first.is_visible()
    assert "Mens E-Mail raised spend per customer by" in verdicts.first.inner_text()
    assert page.locator("#verdict").bounding_box()["y"] < page.locator("#health").bounding_box()["y"]
    assert "passed" in page.locator("#srm-status").inner_text()
    view.charts_visible(9)
    for section in ("#health", "#metrics", "#segments", "#methods"):
        assert page.locator(section).is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / "top.png"))
    shot = page.screenshot(path=str(tmp_path / "full.png"), full_page=True)
    assert len(shot) > 50_000
    view.clean()
