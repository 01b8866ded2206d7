"""Fixtures for the browser tests: one headless Chromium per module, one fresh page per test.

The browser is Debian's Chromium at /usr/bin/chromium (``make chromium`` installs it); Playwright's own
browser download is not used. A missing browser fails the tests instead of skipping them: the browser
test guards the web shell and must not go quietly green.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; without this Django's ORM refuses to run
# (SynchronousOnlyOperation) in test code that creates data between browser calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def _chromium_problem() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} does not exist or is not executable"
    try:
        subprocess.run([CHROMIUM, "--version"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"`{CHROMIUM} --version` failed: {exc}"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _chromium_problem()
    if problem:
        pytest.fail(
            f"The browser tests need Debian's Chromium: {problem}. Install it with `make chromium` "
            "(scripts/ensure-chromium.sh runs `apt-get install chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:
            pytest.fail(f"Could not launch {CHROMIUM} through Playwright: {exc}", pytrace=False)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageProblems:
    """What went wrong in the browser: console errors, uncaught exceptions and failed requests
    (HTTP >= 400 or network failures), each naming the page it happened on."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.bad_responses.clear()

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.bad_responses]


#: Where each browser test leaves a screenshot of the page it ended on (a CI artifact: var/ is kept).
SCREENSHOTS = Path(os.environ.get("CANLIAN_VAR_DIR", "var")) / "screenshots"


@pytest.fixture
def page(browser, live_server, request) -> Iterator[Any]:
    """A page in a fresh context (no cookies, Chinese browser locale) with ``page.problems``; its
    last view is saved as var/screenshots/<test>.png."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems()

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            problems.console_errors.append(f"console error on {page.url}: {msg.text} ({msg.location})")

    def on_page_error(exc: Any) -> None:
        problems.page_errors.append(f"page error on {page.url}: {exc}")

    def on_response(resp: Any) -> None:
        if resp.status >= 400:
            problems.bad_responses.append(f"HTTP {resp.status} for {resp.url} (page {page.url})")

    def on_request_failed(req: Any) -> None:
        problems.bad_responses.append(f"request failed: {req.url} ({req.failure})")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.problems = problems
    try:
        yield page
        if page.url.startswith("http"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:120]
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
