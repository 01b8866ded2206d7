"""爱心屋 kiosks and employment bases: the site profile on an institution of that kind (sponsor code
checked), the people it employs (a registered disabled person or a relative registered by name and
ID number, linked to the disabled person), support funds approved by another user, the indicators
and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from employment_world import new_uscc
from registry_factories import registered, resident_id

from canlian.core.institutions import actions as institutions
from canlian.domains.employment import actions, indicators
from canlian.domains.employment.models import Site, SiteFund, SiteWorker
from canlian.platform.errors import Conflict, PermissionDenied, ValidationFailed
from canlian.platform.indicators import Period, window_for

pytestmark = pytest.mark.django_db


def inst(admin, code, kind):
    return institutions.institution_create(
        actor=admin, code=code, name=f"东营{code}", kind=kind, region_code="370502001"
    )


def field_of(exc) -> str:
    return exc.value.errors[0].field if exc.value.errors else exc.value.field


def test_sites_workers_funds_and_indicators(client, regions, make_user):
    admin = make_user("county_admin", "370502", username="site_admin")
    checker = make_user("county_admin", "370502", username="site_checker")
    kiosk = inst(admin, "KIOSK1", "love_kiosk")
    base = inst(admin, "BASE1", "employment_base")
    rehab = inst(admin, "REHAB1", "rehab")
    with pytest.raises(ValidationFailed) as exc:
        actions.site_register(actor=admin, institution_id=rehab.pk, sponsor_name="某", opened_on="2025-01-01")
    assert field_of(exc) == "institution_id"
    with pytest.raises(ValidationFailed) as exc:
        actions.site_register(
            actor=admin,
            institution_id=kiosk.pk,
            sponsor_name="爱心超市",
            sponsor_uscc="91370502MA00000000",
            opened_on="2025-01-01",
        )
    assert field_of(exc) == "sponsor_uscc"
    assert not Site.objects.exists()
    site = actions.site_register(
        actor=admin,
        institution_id=kiosk.pk,
        sponsor_name="爱心超市",
        sponsor_uscc=new_uscc(),
        opened_on="2025-03-01",
    )
    with pytest.raises(Conflict):
        actions.site_register(
            actor=admin, institution_id=kiosk.pk, sponsor_name="又一", opened_on="2025-03-01"
        )
    actions.site_register(
        actor=admin, institution_id=base.pk, sponsor_name="种植基地", opened_on="2026-07-01"
    )

    disabled = registered(name="店员甲", grade=3)
    uncertified = registered(name="无证乙", category=None)
    actions.site_worker_record(
        actor=admin,
        site_id=site.pk,
        kind="disabled",
        person_id_number=disabled.id_number,
        post="店员",
        started_on="2025-03-01",
        monthly_pay="2300.00",
    )
    relative = resident_id("370502", "19700101")
    actions.site_worker_record(
        actor=admin,
        site_id=site.pk,
        kind="relative",
        person_id_number=disabled.id_number,
        relative_name="王芳",
        relative_id_number=relative,
        relationship="配偶",
        post="收银",
        started_on="2025-04-01",
        monthly_pay="2200.00",
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.site_worker_record(
            actor=admin,
            site_id=site.pk,
            kind="relative",
            person_id_number=disabled.id_number,
            relative_name="李四",
            relative_id_number="",
            relationship="子女",
            post="理货",
            started_on="2025-04-01",
            monthly_pay="2200.00",
        )
    assert field_of(exc) == "relative_id_number"
    with pytest.raises(ValidationFailed) as exc:
        actions.site_worker_record(
            actor=admin,
            site_id=site.pk,
            kind="disabled",
            person_id_number=uncertified.id_number,
            post="店员",
            started_on="2025-03-01",
            monthly_pay="2300.00",
        )
    assert field_of(exc) == "person_id_number"
    with pytest.raises(Conflict):
        actions.site_worker_record(
            actor=admin,
            site_id=site.pk,
            kind="disabled",
            person_id_number=disabled.id_number,
            post="店员",
            started_on="2025-06-01",
            monthly_pay="2300.00",
        )
    assert SiteWorker.objects.count() == 2

    fund = actions.site_fund_propose(
        actor=admin, site_id=site.pk, year=2025, amount="8000.00", purpose="房租补贴"
    )
    with pytest.raises(PermissionDenied):
        actions.site_fund_approve(actor=admin, fund_id=fund.pk)
    assert SiteFund.objects.get().status == "proposed"
    client.force_login(checker)
    assert client.post(f"/employment/site-funds/{fund.pk}/approve/").status_code == 302
    fund.refresh_from_db()
    assert fund.status == "approved" and fund.approved_by == checker

    june = window_for(Period.SNAPSHOT, 2026, 6)  # the base opens on 1 July
    assert sum(r["numerator"] for r in indicators.sites_leaf(june)) == 1
    assert sum(r["numerator"] for r in indicators.sites_leaf(window_for(Period.SNAPSHOT, 2026, 7))) == 2
    march = window_for(Period.SNAPSHOT, 2025, 3)  # the relative starts on 1 April
    assert sum(r["numerator"] for r in indicators.site_workers_leaf(march)) == 1
    assert sum(r["numerator"] for r in indicators.site_workers_leaf(june)) == 2

    listing = client.get("/employment/sites/").content.decode()
    assert "爱心超市" in listing and "种植基地" in listing
    detail = client.get(f"/employment/sites/{site.pk}/").content.decode()
    assert "王芳" in detail and relative not in detail and "8000.00" in detail
    response = client.post(
        f"/employment/sites/{site.pk}/",
        {"form": "fund", "fund-year": "2026", "fund-amount": "abc", "fund-purpose": "设备"},
    )
    assert response.status_code == 400 and SiteFund.objects.count() == 1
    outsider = make_user("county_admin", "370602", username="site_outsider")
    client.force_login(outsider)
    assert client.get(f"/employment/sites/{site.pk}/").status_code == 404
    assert "爱心超市" not in client.get("/employment/sites/").content.decode()
    assert dt.date(2025, 3, 1) == Site.objects.get(pk=site.pk).opened_on
