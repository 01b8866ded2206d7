"""The web shell in a real browser: sign in as each kind of user, check their sidebar, open every page
of the sidebars (each once, by one of the roles that see it), switch the language, and watch a job's
progress bar.

Each page must answer below 400, log no console error, raise no JavaScript error and have an <h1>.
Runs Debian's headless Chromium (``make chromium``) against pytest-django's ``live_server``.
"""

from __future__ import annotations

import os
import re
import zlib

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run under one
# unless told that it is safe (it is here: the test thread and the server never use it concurrently).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.urls import reverse
from playwright.sync_api import expect

from canlian.core.accounts.actions import user_create
from canlian.core.accounts.models import User
from canlian.core.institutions.models import Institution
from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.models import Job
from canlian.core.jobs.runner import run_job
from canlian.core.permissions import Role
from canlian.core.regions.actions import regions_import, regions_load_national
from canlian.core.regions.models import Region
from canlian.platform.tabular import Table

pytestmark = pytest.mark.browser

PASSWORD = "pw-Strong-2026"
#: Sidebar entries whose pages are not rendered in the shell's base template (drf-spectacular's Swagger UI).
OUTSIDE_SHELL = {"/api/docs/"}

REGISTRY_LISTS = [
    "registry:person-list",
    "registry:certificates-expiring",
    "registry:certificates-expired",
    "registry:certificates-cancelled",
    "registry:household-list",
    "registry:screening-list",
]
BENEFITS = [
    "programs:enrollment-list",
    "programs:enrollment-overdue",
    "programs:cycle-list",
    "programs:warnings",
    "programs:recovery-list",
    "programs:program-list",
]
CARE_READ = [
    "care:today",
    "care:pairing-list",
    "care:contact-list",
    "care:need-list",
]
PETITIONS_READ = [
    "petitions:list",
    "petitions:overdue",
    "petitions:invitation-list",
    "petitions:festival-list",
]
CARE_ALL = [
    *CARE_READ,
    "care:unpaired",
    "care:pairing-upload",
    *PETITIONS_READ,
    "petitions:festival-import",
]
REHAB_ALL = [
    "rehab:application-list",
    "rehab:plan-list",
    "rehab:attendance-index",
    "rehab:training-days",
    "rehab:device-list",
    "rehab:surgery-list",
    "rehab:settlement-batch-list",
    "rehab:settlement-rule-list",
]
INSTITUTIONS_ALL = [
    "institutions:institution-list",
    "institutions:staff-list",
    "institutions:certificate-gaps",
    "institutions:certificate-list",
    "institutions:course-list",
    "supervision:notice-list",
    "supervision:inspection-list",
    "supervision:plan-list",
    "supervision:rating-list",
]
#: The group "statistics and dispatch": the figures pages and the work cadence.
STEERING_ALL = [
    "steering:dashboard",
    "steering:targets",
    "steering:bulletin",
    "steering:schemes",
    "subsidies:statistics",
    "reporting:rehab",
    "care:weekly",
    "care:monthly",
    "care:bulletin",
    "care:yearly",
]
#: The groups of the domains after steering (community, rehabilitation services, education and
#: employment, data comparison), as the navigation declares them, for a role's permissions.
_DOMAIN_SECTIONS = {"community", "services", "education_employment", "matching"}


def domain_entries(role: str | None, *, institution: bool = False) -> list[str]:
    from canlian.core.permissions import permissions_of
    from canlian.web.navigation import NAV, SECTIONS

    held = permissions_of(role) if role else None
    order = list(SECTIONS)
    return [
        item.url_name
        for item in sorted(NAV, key=lambda i: order.index(i.section))  # the sidebar shows them by group
        if item.section in _DOMAIN_SECTIONS
        and (held is None or item.permission in held)
        and not (institution and item.region_only)
    ]


#: What an institution's staff see: their own institution's pages, no region-wide lists.
INSTITUTION_STAFF_ENTRIES = [
    "home",
    "jobs:list",
    *(
        n
        for n in REHAB_ALL
        if n not in {"rehab:application-list", "rehab:surgery-list", "rehab:settlement-rule-list"}
    ),
    *(n for n in INSTITUTIONS_ALL if n not in {"supervision:plan-list", "supervision:rating-list"}),
    *domain_entries(Role.INSTITUTION_STAFF, institution=True),
    "reporting:rehab",
]
ALL_ENTRIES = [
    "home",
    "jobs:list",
    *REGISTRY_LISTS,
    "registry:import",
    "regions:browse",
    "regions:import",
    *BENEFITS,
    *REHAB_ALL,
    *CARE_ALL,
    *INSTITUTIONS_ALL,
    *domain_entries(None),
    *STEERING_ALL,
    "accounts:user-list",
    "audit:list",
    "calendar:index",
    "api-docs",
]
ADMIN_ENTRIES = [
    name
    for name in ALL_ENTRIES
    if name != "audit:list" and (name not in domain_entries(None) or name in domain_entries(Role.CITY_ADMIN))
]
AUDITOR_ENTRIES = [
    name
    for name in ALL_ENTRIES
    if name
    not in {
        "regions:import",
        "registry:import",
        "care:unpaired",
        "care:pairing-upload",
        "petitions:festival-import",
        "rehab:attendance-index",
        "supervision:plan-list",
        "steering:schemes",
    }
    and (name not in domain_entries(None) or name in domain_entries(Role.AUDITOR))
]
STAFF_ENTRIES = [
    "home",
    "jobs:list",
    *REGISTRY_LISTS,
    "registry:import",
    "regions:browse",
    *BENEFITS,
    *CARE_ALL,
    *domain_entries(Role.TOWNSHIP_WORKER),
    *(n for n in STEERING_ALL if n not in {"reporting:rehab", "steering:schemes"}),
    "api-docs",
]

#: username -> (role, region code, superuser?, the sidebar entries (URL names) the user sees, in order)
USERS = {
    "dy_city": (Role.CITY_ADMIN, "3705", False, ADMIN_ENTRIES),
    "dy_county": (Role.COUNTY_ADMIN, "370502", False, ADMIN_ENTRIES),
    "dy_auditor": (Role.AUDITOR, "3705", False, AUDITOR_ENTRIES),
    "wh_worker": (Role.TOWNSHIP_WORKER, "370502001", False, STAFF_ENTRIES),
    "root": (Role.SYSADMIN, "37", True, ALL_ENTRIES),
    "jg_staff": (Role.INSTITUTION_STAFF, "370502001", False, INSTITUTION_STAFF_ENTRIES),
}


@pytest.fixture
def shell_users(live_server) -> dict[str, User]:
    """The national region list, a township and a village below 东营区, and the users in USERS.

    ``live_server`` brings ``transactional_db``: the data is committed, so the server thread sees it,
    and the tables are flushed after each test."""
    regions_load_national()
    regions_import(
        actor=None,
        table=Table(header=["code", "name"], rows=[["370502001", "文汇街道"], ["370502001001", "王家村"]]),
    )
    users: dict[str, User] = {}
    home = Institution.objects.create(code="JG-1", name="文汇康复中心", kind="rehab", region_code="370502001")
    for username, (role, code, superuser, _entries) in USERS.items():
        user = user_create(
            actor=None,
            username=username,
            password=PASSWORD,
            role=role,
            region=Region.objects.get(code=code),
            display_name=username,
            check_password=False,
            institution=home if role == Role.INSTITUTION_STAFF else None,
        )
        if superuser:
            User.objects.filter(pk=user.pk).update(is_superuser=True)
            user.refresh_from_db()
        users[username] = user
    return users


def sign_in(page, live_server, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form.stacked button[type=submit]").click()
    assert page.url == f"{live_server.url}/", f"{username} did not land on the home page but on {page.url}"
    expect(page.get_by_test_id("current-user")).to_be_visible()


def sidebar_links(page) -> list[str]:
    return page.eval_on_selector_all("nav.sidebar a[data-nav]", "els => els.map(a => a.getAttribute('href'))")


def assert_page_clean(page, what: str) -> None:
    problems = page.problems.all()
    assert not problems, f"{what}:\n" + "\n".join(problems)
    assert page.locator("h1").count() >= 1, f"{what}: the page has no <h1>"


def visitor_of(name: str) -> str:
    """The one user who opens the sidebar entry ``name`` in the browser: chosen among the users who see
    it by a stable hash of the name, so every entry is opened once, by a role that has it, and the
    openings are spread over the users (each user's sidebar itself is checked in full)."""
    seers = [username for username, spec in USERS.items() if name in spec[3]]
    return seers[zlib.crc32(name.encode()) % len(seers)]


STYLESHEET_LOADED = """() => [...document.styleSheets].some(
    s => (s.href || "").endsWith("/static/canlian/app.css") && s.cssRules.length > 0)"""


@pytest.mark.parametrize("username", list(USERS))
def test_every_sidebar_page_loads(page, live_server, shell_users, username):
    """The user signs in, sees exactly the entries of their roles, and the entries this user is the
    visitor of (``visitor_of``) open cleanly."""
    sign_in(page, live_server, username)
    assert_page_clean(page, f"home page of {username}")
    # The shell's own assets were served and work: the stylesheet is applied, htmx is loaded.
    assert page.evaluate(STYLESHEET_LOADED), "/static/canlian/app.css was not loaded"
    assert page.evaluate("getComputedStyle(document.querySelector('nav.sidebar')).display") != "none"
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"

    links = sidebar_links(page)
    expected = [reverse(name) for name in USERS[username][3]]
    assert links == expected, f"{username} should see exactly {expected} in the sidebar, not {links}"
    mine = {reverse(name) for name in USERS[username][3] if visitor_of(name) == username}
    for href in (h for h in links if h in mine):
        page.problems.clear()
        response = page.goto(href)
        assert response is not None, f"{username}: no response for {href}"
        assert response.status < 400, f"{username}: {href} answered HTTP {response.status}"
        if href in OUTSIDE_SHELL:
            # Swagger UI fetches the schema after the load event; wait until it has rendered it.
            # the schema of ~220 operations is generated on request: give it time on a busy machine
            expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
        assert_page_clean(page, f"{username} on {href}")
        if href not in OUTSIDE_SHELL:
            # The shell's navigation marks the current entry.
            current = page.locator(f'nav.sidebar a[data-nav][href="{href}"]')
            expect(current).to_have_class(re.compile(r"\bactive\b"))
            # ... and its group is the one open (collapsible groups, nothing kept on the server).
            expect(current).to_be_visible()
            open_groups = page.locator("nav.sidebar details.nav-group[open]")
            expect(open_groups).to_have_count(1)
            expect(open_groups.locator(f'a[data-nav][href="{href}"]')).to_have_count(1)


def test_language_switch(page, live_server, shell_users):
    """The language menu in the top bar switches the interface to English and back (checked on
    <html lang>, as the translations are still being written)."""
    sign_in(page, live_server, "dy_city")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    language = page.locator(".topbar select[name=language]")

    with page.expect_navigation():
        language.select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")
    # The choice sticks on other pages (it is kept in the language cookie).
    page.goto("/jobs/")
    expect(html).to_have_attribute("lang", "en")
    assert_page_clean(page, "jobs page in English")

    with page.expect_navigation():
        language.select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    assert page.url == f"{live_server.url}/jobs/", "the language switch did not return to the same page"
    assert_page_clean(page, "jobs page back in Chinese")


def _submit_region_import(user: User, tmp_path, rows: list[tuple[str, str]]) -> Job:
    path = tmp_path / "r.csv"
    path.write_text("code,name\n" + "".join(f"{code},{name}\n" for code, name in rows), encoding="utf-8")
    return job_submit(
        actor=user,
        kind="regions.import",
        params={"path": str(path), "filename": "r.csv"},
        region_code="3705",
        enqueue=False,
    )


def test_job_page_shows_finished_job(page, live_server, shell_users, tmp_path):
    job = _submit_region_import(
        shell_users["dy_city"], tmp_path, [("370502002", "黄河路街道"), ("370502002001", "李家村")]
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error

    sign_in(page, live_server, "dy_city")
    page.goto(f"/jobs/{job.pk}/")
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert_page_clean(page, "job page")


def test_job_page_updates_live(page, live_server, shell_users, tmp_path):
    """A queued job's page polls (htmx) and turns to succeeded without a reload once the job has run."""
    job = _submit_region_import(shell_users["dy_city"], tmp_path, [("370502003", "辛店街道")])
    sign_in(page, live_server, "dy_city")

    # Hold the page's polls in the browser while the job runs in this thread: route handlers run only
    # while this thread is inside a Playwright call, so the server never reads the job mid-run (with
    # SQLite in memory the server thread shares this thread's connection).
    polls: list[str] = []

    def on_job_request(route) -> None:
        if route.request.headers.get("hx-request"):
            polls.append(route.request.url)
        route.continue_()

    page.route(f"**/jobs/{job.pk}/", on_job_request)
    page.goto(f"/jobs/{job.pk}/")
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    url_before = page.url

    run_job(job.pk)

    expect(progress).to_have_attribute("data-status", "succeeded")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert page.url == url_before, "the page was reloaded instead of updated in place"
    assert polls, "the page did not poll for progress"
    expect(progress).not_to_have_attribute("hx-get", re.compile(".*"))  # finished: polling stops
    assert_page_clean(page, "job page after the live update")
