"""The steering dashboard in a real browser: ECharts is loaded from this site's /static/ and draws
each chart (an <svg> inside the chart element), no request leaves the server, htmx swaps the board
and the charts are drawn again, the printed page keeps the charts without the navigation, and the
drill-down goes from the city to a township.

Runs Debian's headless Chromium (``make chromium``) against pytest-django's ``live_server``.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import expect
from registry_factories import registered
from tree_world import build_regions, user_maker

from canlian.reporting.models import Target
from canlian.reporting.steering.refresh import indicator_refresh

pytestmark = pytest.mark.browser

PASSWORD = "pw-Strong-2026"
CODE = "registry.certified"
YEAR = 2025
PROGRESS = "#chart-progress-registry-certified"
RANKING = "#chart-ranking-registry-certified"


@pytest.fixture
def leader(live_server):
    """东营市 with certified people refreshed for 2025 and targets; the city's administrator."""
    regions = build_regions()
    registered(name="张甲", region_code="370502001001", issued=dt.date(2025, 2, 10))
    registered(name="李乙", region_code="370502001001", issued=dt.date(2024, 5, 1))
    registered(name="王丙", region_code="370505001", issued=dt.date(2025, 4, 1))
    indicator_refresh(indicators=[CODE], year=YEAR)
    for region, value in (("3705", 6), ("370502", 2), ("370505", 4)):
        Target.objects.create(indicator=CODE, region_code=region, year=YEAR, value=Decimal(value))
    return user_maker(regions)("city_admin", "3705", username="dy_leader", password=PASSWORD)


def sign_in(page, live_server, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form.stacked button[type=submit]").click()
    assert page.url == f"{live_server.url}/"


def test_echarts_loads_from_static_and_draws_offline(page, live_server, leader):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server, leader.username)

    with page.expect_response(lambda r: r.url.endswith("/static/vendor/echarts/echarts.min.js")) as script:
        page.goto(f"/steering/?year={YEAR}&month=4&indicator={CODE}")
    assert script.value.status == 200
    expect(page.locator(f"{PROGRESS} svg")).to_have_count(1)
    expect(page.locator(f"{RANKING} svg")).to_have_count(1)
    assert page.evaluate("window.echarts.version") == "6.1.0"
    # the chart has drawn its bars (SVG paths) and labels the months
    assert page.locator(f"{PROGRESS} svg path").count() > 4
    expect(page.locator(f"{PROGRESS} svg text", has_text="4")).not_to_have_count(0)
    # the data table under the chart holds the same numbers
    expect(page.get_by_test_id("chart-progress-registry-certified-table").locator("tbody tr")).to_have_count(
        4
    )

    # a narrower window: the chart follows the element's width
    before = page.evaluate(f"document.querySelector('{PROGRESS} svg').getAttribute('width')")
    page.set_viewport_size({"width": 700, "height": 900})
    wait_until(page, f"document.querySelector('{PROGRESS} svg').getAttribute('width') !== {before!r}")

    # htmx: another month without a full reload; the new board's charts are drawn too
    page.evaluate("window.__same_document = true")
    page.select_option("#id_month", "3")
    page.get_by_test_id("steering-filters").locator("button[type=submit]").click()
    expect(page.get_by_test_id("chart-progress-registry-certified-table").locator("tbody tr")).to_have_count(
        3
    )
    expect(page.locator(f"{PROGRESS} svg")).to_have_count(1)
    assert page.evaluate("window.__same_document") is True
    assert "month=3" in page.url

    # printed: the navigation goes, the charts stay and are drawn again at the printed width
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.sidebar')).display") == "none"
    expect(page.locator(f"{PROGRESS} svg")).to_be_visible()
    wait_until(
        page,
        f"""(() => {{ const el = document.querySelector('{PROGRESS}');
        return Math.abs(Number(el.querySelector('svg').getAttribute('width')) - el.clientWidth) <= 1; }})()""",
    )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)",)
    page.emulate_media(media="screen")

    # drill down: the card opens the indicator, a county row opens the county
    page.get_by_test_id(f"card-{CODE}").locator("h4 a").click()
    expect(page.locator(f"{PROGRESS} svg")).to_have_count(1)
    page.get_by_test_id("drill-370502").click()
    expect(page.get_by_test_id("drill-370502001")).to_be_visible()
    expect(page.locator(f"{PROGRESS} svg")).to_have_count(1)

    host = urlsplit(live_server.url).netloc
    outside = [u for u in requested if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != host]
    assert outside == [], outside
    assert not page.problems.all(), "\n".join(page.problems.all())


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll ``expression`` from the test side: Playwright's wait_for_function evaluates a string in
    the page, which the site's Content-Security-Policy (no eval) refuses, as it should."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {expression}")
        page.wait_for_timeout(100)
