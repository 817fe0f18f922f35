"""The HTML report in headless Chromium: no console errors, key elements visible, works offline."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest


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
def report_files(hillstrom_report: dict[str, Path]) -> dict[str, Path]:
    return hillstrom_report


def test_report_has_no_network_references(report_files) -> None:
    html = report_files["html"].read_text()
    assert not re.search(r"https?://", html), "the page must not reference the network"
    assert "<script" not in html and "<link" not in html
    assert html.count('src="data:image/png;base64,') >= 9  # srm + 2 per metric x 4 + segments


def test_report_renders_in_chromium(report_files, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_files["html"].as_uri(), wait_until="load")
            verdicts = page.locator(".verdict")
            assert verdicts.count() == 2
            assert verdicts.first.is_visible()
            assert "Mens E-Mail raised spend per customer by" in verdicts.first.inner_text()
            assert page.locator("#verdict").bounding_box()["y"] < page.locator("#health").bounding_box()["y"]
            assert "passed" in page.locator("#srm-status").inner_text()
            charts = page.locator("img.chart")
            assert charts.count() >= 9
            for i in range(charts.count()):
                chart = charts.nth(i)
                chart.scroll_into_view_if_needed()
                loaded = chart.evaluate("img => img.complete && img.naturalWidth > 0")
                box = chart.bounding_box()
                assert loaded and box and box["width"] > 100 and box["height"] > 50, f"chart {i} not visible"
            for section in ("#health", "#metrics", "#segments", "#methods"):
                assert page.locator(section).is_visible()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(tmp_path / "top.png"))
            shot = page.screenshot(path=str(tmp_path / "full.png"), full_page=True)
            assert len(shot) > 50_000
        finally:
            browser.close()
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
