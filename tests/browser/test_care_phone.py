"""Issue 6's "done when" in a real browser the size of a phone: a cadre signs in, the Today page lists
a paired person whose contacts are overdue (3 contacts and 1 home visit by late November), the cadre
records a home visit in the contact form, and the person moves from "due" to "on track"."""

from __future__ import annotations

import datetime as dt
import os
from importlib import import_module

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from registry_factories import registered

from canlian.core.accounts.actions import user_create
from canlian.core.regions.actions import regions_import, regions_load_national
from canlian.core.regions.models import Region
from canlian.domains.care import actions as care_actions
from canlian.domains.care.models import Contact
from canlian.platform.tabular import Table

pytestmark = pytest.mark.browser

PASSWORD = "pw-Strong-2026"
TODAY = dt.date(2026, 11, 23)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def paired(live_server, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # The server thread runs in this process: it sees the same fixed date.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    # live_server flushes every table after each test, data migrations' rows included: seed again
    # the province measure (4 contacts, 2 home visits a year) exactly as the migration does.
    from django.apps import apps

    seed_rule = import_module("canlian.domains.care.migrations.0002_province_rule").seed
    seed_rule(apps, None)
    regions_load_national()
    regions_import(
        actor=None,
        table=Table(header=["code", "name"], rows=[["370502001", "文汇街道"], ["370502001001", "王家村"]]),
    )
    admin = user_create(
        actor=None,
        username="dyq_admin",
        password=PASSWORD,
        role="county_admin",
        region=Region.objects.get(code="370502"),
        display_name="区残联",
        check_password=False,
    )
    cadre = user_create(
        actor=None,
        username="cadre_li",
        password=PASSWORD,
        role="cadre",
        region=Region.objects.get(code="370502"),
        display_name="李干部",
        check_password=False,
    )
    person = registered(name="赵重残", region_code="370502001001", grade=1)
    pairing = care_actions.pairing_create(
        actor=admin, person_id=person.pk, cadre_id=cadre.pk, started_on=dt.date(2026, 1, 1)
    )
    for day, way in (
        (dt.date(2026, 2, 1), "phone"),
        (dt.date(2026, 5, 1), "wechat"),
        (dt.date(2026, 8, 1), "home_visit"),
    ):
        Contact.objects.create(
            person=person, pairing=pairing, cadre=cadre, region_code=person.region_code, way=way, on=day
        )
    return person


def test_cadre_records_a_visit_on_a_phone_and_the_person_is_done(browser, live_server, paired):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "cadre_li")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("form.stacked button[type=submit]").click()

    page.goto(reverse("care:today"))
    due = page.get_by_test_id("today-due")
    done = page.get_by_test_id("today-done")
    expect(due.locator(f'[data-person="{paired.pk}"]')).to_have_count(1)
    expect(done.locator(f'[data-person="{paired.pk}"]')).to_have_count(0)
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    # The menu is closed, the header is one short band, and the page's main action is on the first
    # screen without scrolling (16–18 menu links came first before).
    expect(page.get_by_test_id("sidebar")).to_be_hidden()
    assert page.locator("header.topbar").bounding_box()["height"] <= 110
    record = page.get_by_test_id(f"record-{paired.pk}").bounding_box()
    assert record is not None and record["y"] + record["height"] <= PHONE["height"], record
    page.get_by_test_id("menu-button").click()
    expect(page.get_by_test_id("sidebar")).to_be_visible()
    page.get_by_test_id("menu-button").click()
    expect(page.get_by_test_id("sidebar")).to_be_hidden()

    page.get_by_test_id(f"record-{paired.pk}").click()
    page.wait_for_load_state()
    page.locator('input[name="way"][value="home_visit"]').check()
    page.fill('[name="discussed"]', "上门看望，了解护理情况")
    page.fill('[name="needs_found"]', "需要助行器")
    with page.expect_navigation():
        page.get_by_test_id("save-contact").click()

    assert page.url == live_server.url + reverse("care:today"), page.url
    expect(page.get_by_test_id("today-done").locator(f'[data-person="{paired.pk}"]')).to_have_count(1)
    expect(page.get_by_test_id("today-due").locator(f'[data-person="{paired.pk}"]')).to_have_count(0)
    contact = Contact.objects.get(person=paired, on=TODAY)
    assert contact.way == "home_visit" and contact.needs_found == "需要助行器"
    context.close()
