"""Volunteers, donations and typical cases: receipts numbered per region and year, uses never beyond
the balance (exact amounts, the cent that must pass and the one that must not), the yearly
statement, hours by activity, consent and masking, review by another person, the .docx, scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.domains.outreach import actions, selectors
from canlian.domains.outreach.models import Donation, DonationUse, TypicalCase, VolunteerHours
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed

D = dt.date


@pytest.fixture
def world(regions, make_user):
    return {
        "county": make_user("county_admin", "370502", username="county"),
        "township": make_user("township_worker", "370502001", username="wenhui"),
        "other": make_user("county_admin", "370505", username="kenli"),
        "leader": make_user("leader", "3705", username="leader"),
    }


FEB = D(2026, 2, 1)


def _donation(world, amount="1000.00", on=FEB, region="370502", **kw):
    return actions.donation_receive(
        actor=kw.pop("actor", world["county"]),
        region_code=region,
        donor="爱心企业",
        donor_kind="organisation",
        received_on=on,
        kind=kw.pop("kind", "money"),
        amount=amount,
        **kw,
    )


def test_receipts_are_numbered_per_region_and_year(world):
    a = _donation(world)
    b = _donation(world, on=D(2026, 5, 1))
    c = _donation(world, on=D(2025, 12, 31))
    d = _donation(world, region="370505", actor=world["other"])
    assert [a.number, b.number, c.number, d.number] == [
        "JZ370502-2026-0001",
        "JZ370502-2026-0002",
        "JZ370502-2025-0001",
        "JZ370505-2026-0001",
    ]
    assert AuditEvent.objects.filter(event_type="outreach.donation_received").count() == 4


def test_uses_never_exceed_the_balance(world):
    donation = _donation(world, amount="1000.00", purpose="助学", restricted=True)
    person = registered(name="受助", birth="20100101", issued=D(2021, 1, 1))
    actions.donation_use(
        actor=world["county"],
        donation_id=donation.pk,
        on=D(2026, 3, 1),
        amount="600.00",
        description="学费",
        person_id=person.pk,
    )
    with pytest.raises(ValidationFailed) as exc:
        actions.donation_use(
            actor=world["county"],
            donation_id=donation.pk,
            on=D(2026, 3, 2),
            amount="400.01",
            description="书本",
        )
    assert exc.value.field == "amount" and "400.00" in exc.value.message
    actions.donation_use(
        actor=world["county"], donation_id=donation.pk, on=D(2026, 3, 2), amount="400.00", description="书本"
    )
    assert donation.used() == Decimal("1000.00")
    with pytest.raises(ValidationFailed):
        actions.donation_use(
            actor=world["county"], donation_id=donation.pk, on=D(2026, 3, 3), amount="0.01", description="x"
        )
    other = _donation(world)
    with pytest.raises(ValidationFailed):  # before it was received
        actions.donation_use(
            actor=world["county"], donation_id=other.pk, on=D(2026, 1, 31), amount="1.00", description="x"
        )
    assert DonationUse.objects.count() == 2


def test_restricted_needs_purpose_and_goods_need_a_description(world):
    with pytest.raises(ValidationFailed):
        _donation(world, restricted=True)
    with pytest.raises(ValidationFailed):
        _donation(world, kind="goods")
    goods = _donation(world, kind="goods", goods="轮椅10台", amount="8000.00")
    assert goods.kind == "goods" and Donation.objects.count() == 1


def test_yearly_statement(world):
    old = _donation(world, amount="500.00", on=D(2025, 6, 1))
    actions.donation_use(
        actor=world["county"], donation_id=old.pk, on=D(2025, 7, 1), amount="100.00", description="a"
    )
    actions.donation_use(
        actor=world["county"], donation_id=old.pk, on=D(2026, 1, 10), amount="150.00", description="b"
    )
    new = _donation(world, amount="1000.00", on=D(2026, 2, 1))
    actions.donation_use(
        actor=world["county"], donation_id=new.pk, on=D(2026, 3, 1), amount="250.50", description="c"
    )
    spent = _donation(world, amount="80.00", on=D(2024, 1, 1))
    actions.donation_use(
        actor=world["county"], donation_id=spent.pk, on=D(2024, 2, 1), amount="80.00", description="d"
    )
    s = selectors.donation_statement(user=world["county"], year=2026)
    assert [(r.number, r.opening, r.received_in_year, r.used_in_year, r.closing) for r in s.rows] == [
        (old.number, Decimal("400.00"), Decimal("0.00"), Decimal("150.00"), Decimal("250.00")),
        (new.number, Decimal("0.00"), Decimal("1000.00"), Decimal("250.50"), Decimal("749.50")),
    ]
    assert (s.opening, s.received, s.used, s.balance) == (
        Decimal("400.00"),
        Decimal("1000.00"),
        Decimal("400.50"),
        Decimal("999.50"),
    )
    assert selectors.donation_statement(user=world["other"], year=2026).rows == []


def test_volunteer_hours_by_activity(world):
    v1 = actions.volunteer_register(
        actor=world["township"], region_code="370502001", name="志愿者甲", phone="13800138000"
    )
    v2 = actions.volunteer_register(actor=world["township"], region_code="370502001", name="志愿者乙")
    person = registered(name="服务对象", birth="19600101")
    actions.activity_record(
        actor=world["township"],
        region_code="370502001",
        title="上门理发",
        kind="home_service",
        on=D(2026, 3, 1),
        hours=[(v1.pk, "2.5"), (v2.pk, "1.0")],
        people_served=[person.pk],
    )
    actions.activity_record(
        actor=world["township"],
        region_code="370502001",
        title="助残日",
        kind="event",
        on=D(2026, 5, 17),
        hours=[(v1.pk, "4")],
    )
    totals = {v.name: v.total_hours for v in selectors.volunteers_visible(user=world["county"])}
    assert totals == {"志愿者甲": Decimal("6.5"), "志愿者乙": Decimal("1.0")}
    with pytest.raises(ValidationFailed):
        actions.activity_record(
            actor=world["township"],
            region_code="370502001",
            title="x",
            kind="event",
            on=D(2026, 5, 18),
            hours=[(v1.pk, "24.5")],
        )
    assert VolunteerHours.objects.count() == 3
    assert [v.masked_phone for v in selectors.volunteers_visible(user=world["county"]) if v.phone] == [
        "138****8000"
    ]


def test_case_consent_masking_review_and_docx(world, make_user):
    person = registered(name="王小明", birth="19800101")
    case = actions.case_save(
        actor=world["township"],
        region_code="370502001",
        title="王小明的自强路",
        story="王小明在残疾人之家学会了手工。",
        person_id=person.pk,
    )
    with pytest.raises(ValidationFailed):  # no consent recorded
        actions.case_submit(actor=world["township"], case_id=case.pk)
    case = actions.case_save(
        actor=world["township"],
        case_id=case.pk,
        title=case.title,
        story=case.story,
        person_id=person.pk,
        consent="masked",
        consent_on=D(2026, 3, 1),
        figures="月收入1200元",
    )
    assert case.shown(case.story) == "王某某在残疾人之家学会了手工。"
    actions.case_submit(actor=world["township"], case_id=case.pk)
    with pytest.raises(PermissionDenied):  # the author does not review their own case
        actions.case_review(actor=world["township"], case_id=case.pk, publish=True)
    assert selectors.cases_visible(user=world["leader"]).count() == 0  # not yet published
    actions.case_review(actor=world["county"], case_id=case.pk, publish=True)
    case.refresh_from_db()
    assert case.status == "published" and case.published_on is not None
    assert list(selectors.cases_visible(user=world["leader"])) == [case]
    with pytest.raises(InvalidState):
        actions.case_save(actor=world["township"], case_id=case.pk, title="x", story="y")
    from docx import Document

    text = "\n".join(
        p.text for p in Document(io.BytesIO(actions.case_docx(actor=world["leader"], case=case))).paragraphs
    )
    assert "王某某" in text and "王小明" not in text and "月收入1200元" in text
    assert AuditEvent.objects.filter(event_type="outreach.case_exported").count() == 1


def test_named_consent_shows_the_name(world):
    person = registered(name="李大勇", birth="19800101")
    case = actions.case_save(
        actor=world["county"],
        region_code="370502",
        title="t",
        story="李大勇创业。",
        person_id=person.pk,
        consent="named",
        consent_on=D(2026, 3, 1),
    )
    assert case.shown(case.story) == "李大勇创业。"


def test_scope(world):
    donation = _donation(world)
    with pytest.raises(NotFound):
        actions.donation_use(
            actor=world["other"], donation_id=donation.pk, on=D(2026, 3, 1), amount="1", description="x"
        )
    with pytest.raises(NotFound):
        _donation(world, actor=world["other"])
    assert not selectors.donations_visible(user=world["other"]).exists()
    assert not TypicalCase.objects.exists()


def test_pages(client, english, world):
    client.force_login(world["county"])
    response = client.post(
        reverse("outreach:donation-create"),
        {
            "region_code": "370502",
            "donor": "页面企业",
            "donor_kind": "organisation",
            "received_on": "2026-02-01",
            "kind": "money",
            "amount": "300.00",
        },
    )
    assert response.status_code == 302
    donation = Donation.objects.get()
    response = client.post(
        reverse("outreach:donation-use", args=[donation.pk]),
        {"on": "2026-03-01", "amount": "300.01", "description": "x"},
    )
    assert response.status_code == 200 and "300.00" in response.content.decode()
    client.post(
        reverse("outreach:donation-use", args=[donation.pk]),
        {"on": "2026-03-01", "amount": "100", "description": "x"},
    )
    page = client.get(reverse("outreach:donation-detail", args=[donation.pk])).content.decode()
    assert "200.00" in page
    statement = client.get(reverse("outreach:statement") + "?year=2026").content.decode()
    assert donation.number in statement
    client.force_login(world["other"])
    assert client.get(reverse("outreach:donation-detail", args=[donation.pk])).status_code == 404
    client.force_login(world["leader"])
    assert client.get(reverse("outreach:donation-create")).status_code == 403
    assert client.get(reverse("outreach:donation-list")).status_code == 200
