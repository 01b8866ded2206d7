"""Statistics of the two subsidies and the generated report sentence, against figures computed by
hand from payment lines made here with the ORM."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.domains.subsidies.statistics import month_range_text, subsidy_statistics, to_wan
from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program

JAN, FEB, DEC = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2025, 12, 1)


def test_month_range_wording():
    assert month_range_text(dt.date(2026, 3, 1), dt.date(2026, 3, 1)) == "3月"
    assert month_range_text(dt.date(2026, 1, 1), dt.date(2026, 7, 1)) == "1–7月"
    assert month_range_text(dt.date(2025, 12, 1), dt.date(2026, 2, 1)) == "2025年12月–2026年2月"


def test_wan_rounds_half_up():
    assert to_wan(Decimal("10483250.00")) == Decimal("1048.33")  # 1048.325 → up
    assert to_wan(Decimal("10483249.99")) == Decimal("1048.32")
    assert to_wan(Decimal("0")) == Decimal("0.00")


@pytest.fixture
def payments(regions):
    """Nursing: P1 (文汇街道) Jan 4000 + Dec arrears 4000 (approved), Feb 4000 (closed) and a failed
    999 (excluded); P3 (垦利街道) Jan 345 (exported). Living: P1 Jan 6000 + P2 Jan 6345 (approved);
    P1 Feb 5000 in a generated cycle (not approved: excluded)."""
    nursing = Program.objects.get(code="nursing-subsidy")
    living = Program.objects.get(code="living-subsidy")
    p1 = registered(name="张甲", region_code="370502001001")
    p2 = registered(name="李乙", region_code="370502001001")
    p3 = registered(name="王丙", region_code="370505001")

    def enrollment(program, person):
        return Enrollment.objects.create(
            program=program,
            person=person,
            region_code=person.region_code,
            status="active",
            applied_on=DEC,
            application_month=DEC,
        )

    def cycle(program, county, month, status):
        return PaymentCycle.objects.create(program=program, region_code=county, month=month, status=status)

    def line(c, e, amount, period=None, status="pending", kind="regular"):
        return PaymentLine.objects.create(
            cycle=c,
            program=c.program,
            enrollment=e,
            person=e.person,
            region_code=e.region_code,
            period=period or c.month,
            amount=Decimal(amount),
            status=status,
            kind=kind,
        )

    n1, n3 = enrollment(nursing, p1), enrollment(nursing, p3)
    l1, l2 = enrollment(living, p1), enrollment(living, p2)
    c = cycle(nursing, "370502", JAN, "approved")
    line(c, n1, "4000.00", status="paid")
    line(c, n1, "4000.00", period=DEC, kind="arrears")
    c = cycle(nursing, "370502", FEB, "closed")
    line(c, n1, "4000.00", status="paid")
    line(c, n1, "999.00", period=JAN, status="failed", kind="reissue")
    line(cycle(nursing, "370505", JAN, "exported"), n3, "345.00")
    c = cycle(living, "370502", JAN, "approved")
    line(c, l1, "6000.00")
    line(c, l2, "6345.00", status="paid")
    line(cycle(living, "370502", FEB, "generated"), l1, "5000.00")
    return {"p1": p1, "p2": p2, "p3": p3}


def test_figures_and_sentence_match_hand_computed(payments, city_admin):
    stats = subsidy_statistics(user=city_admin, first=JAN, last=FEB)
    nursing, living = stats.programs["nursing-subsidy"], stats.programs["living-subsidy"]
    assert (nursing.people, nursing.times, nursing.amount) == (2, 4, Decimal("12345.00"))
    assert (living.people, living.times, living.amount) == (2, 2, Decimal("12345.00"))
    assert (stats.total.people, stats.total.times, stats.total.amount) == (3, 6, Decimal("24690.00"))
    # 1.2345 + 1.2345 = 2.469 万: each part rounds to 1.23, the total to 2.47 (not 2.46).
    assert stats.sentence == (
        "1–2月发放两项补贴2.47万元，其中重度残疾人护理补贴4人次、金额1.23万元，困难残疾人生活补贴2人次、金额1.23万元"
    )
    townships = {r.code: r for r in stats.townships}
    assert list(townships) == ["370502001", "370505001"]
    wenhui = townships["370502001"]
    assert wenhui.name == "文汇街道" and wenhui.county == "东营区"
    assert stats.many_counties and townships["370505001"].county == "垦利区"
    n, li = wenhui.programs["nursing-subsidy"], wenhui.programs["living-subsidy"]
    assert (n.people, n.times, n.amount, li.people, li.times, li.amount) == (
        1,
        3,
        Decimal("12000.00"),
        2,
        2,
        Decimal("12345.00"),
    )
    assert wenhui.amount == Decimal("24345.00")
    kenli = townships["370505001"]
    assert (kenli.programs["nursing-subsidy"].amount, kenli.programs["living-subsidy"].times) == (
        Decimal("345.00"),
        0,
    )


def test_month_range_region_and_scope(payments, city_admin, make_user):
    feb = subsidy_statistics(user=city_admin, first=FEB, last=FEB)
    assert feb.sentence == (
        "2月发放两项补贴0.40万元，其中重度残疾人护理补贴1人次、金额0.40万元，困难残疾人生活补贴0人次、金额0.00万元"
    )
    kenli = subsidy_statistics(user=city_admin, region="370505", first=JAN, last=FEB)
    assert kenli.total.amount == Decimal("345.00")
    assert kenli.sentence.startswith("1–2月发放两项补贴0.03万元，其中重度残疾人护理补贴1人次、金额0.03万元")
    # A county admin of 垦利区 sees only 垦利区, whatever region it asks for.
    own = subsidy_statistics(user=make_user("county_admin", "370505"), first=JAN, last=FEB)
    assert (own.total.times, own.total.amount) == (1, Decimal("345.00"))
    assert subsidy_statistics(user=make_user("county_admin", "3706"), first=JAN, last=FEB).total.times == 0
    across = subsidy_statistics(user=city_admin, first=DEC, last=JAN)
    assert across.months_text == "2025年12月–2026年1月"
    # No cycle of December; January's cycles: 4000 + 4000 (December's arrears) + 345 + 6000 + 6345.
    assert (across.total.times, across.total.amount) == (5, Decimal("20690.00"))


def test_one_statement(payments, city_admin):
    city_admin.scope_for("enrollments.view")  # warm the role cache
    with CaptureQueriesContext(connection) as ctx:
        subsidy_statistics(user=city_admin, first=JAN, last=FEB)
    statements = [q["sql"] for q in ctx.captured_queries]
    grouped = [s for s in statements if "GROUP BY" in s.upper()]
    # One statement for the payments, one for the recovery items (追缴) of the same months.
    assert len(grouped) == 2, statements
    assert sum("recoveryline" in s for s in grouped) == 1, statements


def test_page_and_excel_export(client, payments, city_admin):
    client.force_login(city_admin)
    query = "?start=2026-01&end=2026-02"
    page = client.get(reverse("subsidies:statistics") + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "发放两项补贴2.47万元" in html and "文汇街道" in html
    # townships of two counties: each row names its county; amounts grouped by thousands
    assert ">东营区</td>" in html and ">垦利区</td>" in html
    assert "24,345.00" in html and "12,345.00" in html
    response = client.get(reverse("subsidies:statistics-export") + query)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert cells[1][0].startswith("1–2月发放两项补贴2.47万元")
    assert cells[4][:3] == ["重度残疾人护理补贴", 2, 4]
    assert Decimal(str(cells[4][3])) == Decimal("12345")
    assert cells[6][:3] == ["合计", 3, 6]
    assert any(row and row[:3] == ["370502001", "文汇街道", "东营区"] for row in cells)
    event = AuditEvent.objects.filter(event_type="record.exported").latest("id")
    assert event.new_values["filters"]["report"] == "subsidies.statistics"
    assert event.new_values["rows"] == 2


def test_api(client, payments, city_admin):
    client.force_login(city_admin)
    data = client.get("/api/v1/subsidies/statistics/?start=2026-01&end=2026-02").json()
    assert data["sentence"].startswith("1–2月发放两项补贴2.47万元")
    assert data["programs"][0] == {
        "code": "nursing-subsidy",
        "name": "重度残疾人护理补贴",
        "people": 2,
        "person_times": 4,
        "amount": "12345.00",
        "amount_wan": "1.23",
    }
    bad = client.get("/api/v1/subsidies/statistics/?region=3706")
    assert (
        bad.status_code == 422 and bad.json()["error"]["field"] == "region"
    )  # well-formed, refused by the domain (decision 0004)
    assert client.get("/api/v1/subsidies/statistics/?start=2026-03&end=2026-01").status_code == 422
    assert client.get("/api/v1/subsidies/statistics/?start=2026-13").status_code == 400  # malformed
