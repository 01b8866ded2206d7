"""The outreach indicators on exact figures, each with the neighbouring case that must not count:
volunteers registered (by the month's end, active), volunteer hours of the month's activities,
donations received and used in the month (yuan), typical cases published in the month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from canlian.domains.outreach import actions
from canlian.domains.outreach.indicators import INDICATORS
from canlian.domains.outreach.models import Volunteer
from canlian.platform.indicators import get_indicator, window_for

D = dt.date


def _figures(code: str, month: int) -> dict[str, Decimal]:
    indicator = next(i for i in INDICATORS if i.code == code)
    window = window_for(indicator.period, 2026, month)
    return {r["region"]: Decimal(r["numerator"]) for r in indicator.leaf(window)}


@pytest.fixture
def world(regions, make_user):
    county = make_user("county_admin", "370502", username="county")
    other = make_user("county_admin", "370505", username="kenli")
    reviewer = make_user("county_admin", "370502", username="county2")
    return {"county": county, "other": other, "reviewer": reviewer}


def _volunteer(actor, on, region="370502", name="志愿者"):
    return actions.volunteer_register(actor=actor, region_code=region, name=name, registered_on=on)


def test_the_indicators_are_registered(db):
    assert {i.code for i in INDICATORS} == {
        "outreach.volunteers_registered",
        "outreach.volunteer_hours",
        "outreach.donations_received",
        "outreach.donations_used",
        "outreach.cases_published",
    }
    assert get_indicator("outreach.donations_used").unit == "amount"


def test_exact_figures_with_their_neighbours(world, make_user):
    county, other = world["county"], world["other"]
    a = _volunteer(county, D(2026, 1, 5))
    b = _volunteer(county, D(2026, 2, 28))  # the month's last day: counts in February
    _volunteer(county, D(2026, 3, 1))  # the next day: not in February
    gone = _volunteer(county, D(2026, 1, 6))
    Volunteer.objects.filter(pk=gone.pk).update(active=False)  # no longer active: not counted
    k = _volunteer(other, D(2026, 2, 1), region="370505")
    assert _figures("outreach.volunteers_registered", 2) == {"370502": 2, "370505": 1}

    def activity(actor, on, hours, region="370502"):
        return actions.activity_record(
            actor=actor, region_code=region, title="服务", kind="visit", on=on, hours=hours
        )

    activity(county, D(2026, 2, 1), [(a.pk, "2.5"), (b.pk, "1.5")])
    activity(county, D(2026, 2, 28), [(a.pk, "0.1")])
    activity(county, D(2026, 3, 1), [(a.pk, "3.0")])  # March
    activity(county, D(2026, 1, 31), [(a.pk, "4.0")])  # January
    activity(other, D(2026, 2, 10), [(k.pk, "6.0")], region="370505")
    assert _figures("outreach.volunteer_hours", 2) == {"370502": Decimal("4.1"), "370505": Decimal("6.0")}
    assert _figures("outreach.volunteer_hours", 3) == {"370502": Decimal("3.0")}

    def donation(on, amount, actor=county, region="370502", kind="money", goods=""):
        return actions.donation_receive(
            actor=actor,
            region_code=region,
            donor="爱心企业",
            donor_kind="organisation",
            received_on=on,
            kind=kind,
            amount=amount,
            goods=goods,
        )

    d1 = donation(D(2026, 2, 1), "1000.00")
    donation(D(2026, 2, 28), "250.50", kind="goods", goods="轮椅")  # goods at their value
    d0 = donation(D(2026, 1, 31), "99.99")  # January
    d3 = donation(D(2026, 2, 15), "10.00", actor=other, region="370505")
    assert _figures("outreach.donations_received", 2) == {
        "370502": Decimal("1250.50"),
        "370505": Decimal("10.00"),
    }
    assert _figures("outreach.donations_received", 1) == {"370502": Decimal("99.99")}

    def use(d, on, amount, actor=county):
        actions.donation_use(actor=actor, donation_id=d.pk, on=on, amount=amount, description="用途")

    use(d1, D(2026, 2, 1), "300.00")
    use(d0, D(2026, 2, 28), "99.99")  # a January donation used in February counts in February
    use(d1, D(2026, 3, 1), "0.01")  # March
    use(d3, D(2026, 2, 20), "10.00", actor=other)
    assert _figures("outreach.donations_used", 2) == {"370502": Decimal("399.99"), "370505": Decimal("10.00")}
    assert _figures("outreach.donations_used", 3) == {"370502": Decimal("0.01")}

    def case(title, publish_on=None):
        c = actions.case_save(actor=county, region_code="370502", title=title, story="故事")
        if publish_on is not None:
            actions.case_submit(actor=county, case_id=c.pk)
            actions.case_review(actor=world["reviewer"], case_id=c.pk, publish=True, on=publish_on)
        return c

    case("二月一", D(2026, 2, 1))
    case("二月底", D(2026, 2, 28))
    case("三月", D(2026, 3, 1))
    submitted = case("待审")
    actions.case_submit(actor=county, case_id=submitted.pk)  # submitted, not published
    assert _figures("outreach.cases_published", 2) == {"370502": 2}

    # The drill-down lists stay in the reader's scope.
    window = window_for(get_indicator("outreach.donations_used").period, 2026, 2)
    rows = get_indicator("outreach.donations_used").records(other, window, "")
    assert [(r.donation.region_code, r.amount) for r in rows] == [("370505", Decimal("10.00"))]
    rows = get_indicator("outreach.volunteers_registered").records(other, window, "")
    assert [v.pk for v in rows] == [k.pk]
