"""The proportional-employment review end to end: the declaration import (refusals name row and field,
nothing half-written), the review page with every step, the second claim rejected naming the other
employer, non-reporters, the rules pages, and the list for the tax authority."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from employment_world import employer, new_uscc, wages
from openpyxl import Workbook, load_workbook
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.domains.employment import actions
from canlian.domains.employment.models import Declaration, DeclaredEmployee, Employer, LocalWage, QuotaRule
from canlian.platform.errors import NotFound, ValidationFailed
from canlian.platform.tabular import Table

pytestmark = pytest.mark.django_db

HEADER = [
    "统一社会信用代码",
    "单位名称",
    "年度",
    "在职职工平均人数",
    "职工年平均工资",
    "残疾职工姓名",
    "残疾人证号",
    "劳动合同起始日",
    "劳动合同终止日",
    "月工资",
    "是否缴纳社会保险",
]


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="emp_review_admin")


@pytest.fixture
def world(regions, admin):
    wages()
    severe = registered(name="重度丙", grade=1)
    mild = registered(name="轻度丁", grade=4)
    return {"admin": admin, "severe": severe, "mild": mild}


def cert(person) -> str:
    return person.certificates.get().number


def row(code, name, staff, wage, person=None, **over):
    values = [code, name, "2025", staff, wage]
    if person is None:
        values += ["", "", "", "", "", ""]
    else:
        values += [person.name, cert(person), "2025-01-01", "2027-12-31", "3000", "是"]
    for index, value in over.items():
        values[int(index[1:])] = value
    return values


def table(rows) -> Table:
    return Table(header=list(HEADER), rows=[[str(v) for v in r] for r in rows])


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_then_review_rejects_the_second_claim(world, client):
    admin, severe, mild = world["admin"], world["severe"], world["mild"]
    first, second = new_uscc(), new_uscc()
    content = xlsx(
        [
            row(first, "甲科技公司", "200", "80000", severe),
            row(first, "甲科技公司", "200", "80000", mild),
            row(second, "乙物流公司", "100", "70000", severe),
            row(new_uscc(), "丙无残疾人公司", "50", "60000"),
        ]
    )
    client.force_login(admin)
    response = client.post(
        reverse("employment:declaration-import"),
        {"region_code": "370502", "file": SimpleUploadedFile("申报.xlsx", content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Declaration.objects.count() == 3 and DeclaredEmployee.objects.count() == 3
    assert Employer.objects.count() == 3
    d1 = Declaration.objects.get(employer__uscc=first)
    d2 = Declaration.objects.get(employer__uscc=second)
    # the first employer's review counts the grade-1 employee twice, the grade-4 once: 3 = 200 × 1.5%
    client.post(reverse("employment:declaration-review", args=[d1.pk]))
    d1.refresh_from_db()
    assert d1.counted == 3 and d1.fund_due == Decimal("0.00")
    client.post(reverse("employment:declaration-review", args=[d2.pk]))
    d2.refresh_from_db()
    claim = d2.employees.get()
    assert claim.reason == "counted_elsewhere" and "甲科技公司" in claim.reason_note
    # 1.5 × 70,000 = 105,000; nobody counted (0% < 1%): 90%
    assert d2.fund_due == Decimal("94500.00")
    page = client.get(reverse("employment:declaration-detail", args=[d2.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "甲科技公司" in text and "94500.00" in text
    assert "100 × 1.50%" in text and "1.5 × 70000.00" in text
    # ID numbers masked on the page
    assert severe.id_number not in text


def test_import_refusals_name_row_and_field_and_write_nothing(world):
    admin, severe = world["admin"], world["severe"]
    good = new_uscc()
    rows = [
        row(good, "好公司", "200", "80000", severe),
        row("91370502MA00000000", "坏代码", "200", "80000"),  # bad check character
        row(good, "好公司", "201", "80000"),  # staff differs from row 2
        row(new_uscc(), "坏证号", "100", "80000", severe, c6="12345"),
        row(new_uscc(), "坏日期", "100", "80000", severe, c7="2025/13/01"),
        row(new_uscc(), "坏年度", "100", "80000", c2="1999"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        actions.declarations_import(actor=admin, table=table(rows), region_code="370502")
    where = {(e.row, e.field) for e in caught.value.errors}
    assert {(3, "uscc"), (4, "staff"), (5, "certificate_number"), (6, "contract_start"), (7, "year")} <= where
    assert not Declaration.objects.exists() and not Employer.objects.exists()
    assert not AuditEvent.objects.filter(event_type="employment.declarations_imported").exists()


def test_import_refuses_a_missing_column_and_a_declared_year(world):
    admin, severe = world["admin"], world["severe"]
    broken = Table(header=HEADER[:5], rows=[["x"] * 5])
    with pytest.raises(ValidationFailed) as caught:
        actions.declarations_import(actor=admin, table=broken, region_code="370502")
    assert {e.field for e in caught.value.errors} >= {"name", "certificate_number"}
    code = new_uscc()
    actions.declarations_import(
        actor=admin, table=table([row(code, "重复公司", "100", "80000")]), region_code="370502"
    )
    with pytest.raises(ValidationFailed) as again:
        actions.declarations_import(
            actor=admin, table=table([row(code, "重复公司", "100", "80000", severe)]), region_code="370502"
        )
    assert [(e.row, e.field) for e in again.value.errors] == [(2, "year")]
    assert DeclaredEmployee.objects.count() == 0


def test_import_refuses_an_employer_of_another_region(world, make_user):
    admin = world["admin"]
    other = make_user("county_admin", "370505", username="emp_kl")
    foreign = employer(other, "垦利企业", region_code="370505")
    with pytest.raises(ValidationFailed) as caught:
        actions.declarations_import(
            actor=admin, table=table([row(foreign.uscc, "垦利企业", "100", "80000")]), region_code="370502"
        )
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "uscc")]
    with pytest.raises(NotFound):
        actions.declarations_import(actor=admin, table=table([]), region_code="370505")


def test_tax_list_is_scoped_and_audited(world, client, make_user):
    admin = world["admin"]
    emp = employer(admin, "纳税企业")
    d = actions.declaration_record(
        actor=admin, employer_id=emp.pk, year=2025, staff="100", average_wage="80000"
    )
    actions.declaration_review(actor=admin, declaration_id=d.pk)
    other = make_user("county_admin", "370505", username="emp_kl2")
    foreign = employer(other, "垦利纳税企业", region_code="370505")
    fd = actions.declaration_record(
        actor=other, employer_id=foreign.pk, year=2025, staff="100", average_wage="80000"
    )
    actions.declaration_review(actor=other, declaration_id=fd.pk)
    client.force_login(admin)
    response = client.get(reverse("employment:tax-list"), {"year": 2025})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "统一社会信用代码"
    assert [r[1] for r in rows[1:]] == ["纳税企业"]
    assert rows[1][11] == "108000.00" or Decimal(str(rows[1][11])) == Decimal("108000.00")
    assert (
        AuditEvent.objects.filter(
            event_type="record.exported", new_values__list="employment.tax_list"
        ).count()
        == 1
    )


def test_pages_render(world, client):
    admin = world["admin"]
    emp = employer(admin, "页面企业", staff_known="100", wage_known="60000")
    client.force_login(admin)
    for name in (
        "employment:employer-list",
        "employment:declaration-list",
        "employment:rule-list",
        "employment:employer-create",
        "employment:declaration-import",
    ):
        assert client.get(reverse(name)).status_code == 200
    assert "页面企业" in client.get(reverse("employment:employer-list")).content.decode()
    response = client.post(
        reverse("employment:employer-detail", args=[emp.pk]),
        {"year": 2025, "staff": "40", "average_wage": "50000"},
    )
    assert response.status_code == 302
    assert Declaration.objects.filter(employer=emp, source="entered").exists()
    response = client.post(reverse("employment:non-reporters"), {"year": 2024, "region_code": "370502"})
    assert response.status_code == 302
    assert Declaration.objects.filter(employer=emp, year=2024, source="not_reported").exists()
    response = client.post(
        reverse("employment:employer-create"),
        {"uscc": new_uscc(), "name": "新企业", "kind": "enterprise", "region_code": "370502"},
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("employment:employer-create"),
        {"uscc": "123", "name": "坏企业", "kind": "enterprise", "region_code": "370502"},
    )
    assert bad.status_code == 400 and not Employer.objects.filter(name="坏企业").exists()


def test_rules_pages_and_actions(world, client, city_admin):
    admin = world["admin"]
    client.force_login(city_admin)
    response = client.post(
        reverse("employment:quota-rule-create"),
        {
            "region_code": "3705",
            "valid_from": "2026-01-01",
            "quota_ratio": "1.6%",
            "wage_cap_multiple": "2",
            "exempt_staff_max": "30",
            "band_ratio": "1%",
            "band_share": "0.5",
            "below_band_share": "0.9",
        },
    )
    assert response.status_code == 302
    rule = QuotaRule.objects.get(region_code="3705")
    assert rule.quota_ratio == Decimal("0.0160")
    # half a reduction band is refused, nothing saved
    response = client.post(
        reverse("employment:quota-rule-create"),
        {
            "region_code": "3705",
            "valid_from": "2027-01-01",
            "quota_ratio": "1.6%",
            "wage_cap_multiple": "2",
            "band_ratio": "1%",
        },
    )
    assert response.status_code == 400 and QuotaRule.objects.filter(region_code="3705").count() == 1
    response = client.post(
        reverse("employment:local-wage-create"),
        {
            "region_code": "3705",
            "valid_from": "2026-01-01",
            "minimum_wage_month": "2300",
            "average_wage_year": "65000",
        },
    )
    assert response.status_code == 302
    assert LocalWage.objects.filter(region_code="3705").count() == 1
    # a county admin cannot set the national rule
    client.force_login(admin)
    before = QuotaRule.objects.count()
    response = client.post(
        reverse("employment:quota-rule-create"),
        {"region_code": "", "valid_from": "2030-01-01", "quota_ratio": "2%", "wage_cap_multiple": "2"},
    )
    assert response.status_code in (400, 404) and QuotaRule.objects.count() == before
    page = client.get(reverse("employment:rule-list")).content.decode()
    assert "0.0160" in page and "2300.00" in page


def test_api_lists_reviews_and_masks(world, client, make_user):
    admin, severe = world["admin"], world["severe"]
    emp = employer(admin, "接口企业")
    d = actions.declaration_record(
        actor=admin,
        employer_id=emp.pk,
        year=2025,
        staff="100",
        average_wage="80000",
        employees=[
            {
                "name": severe.name,
                "certificate_number": cert(severe),
                "contract_start": "2025-01-01",
                "monthly_wage": "3000",
                "insurance_paid": "是",
            }
        ],
    )
    client.force_login(admin)
    listed = client.get("/api/v1/employment/declarations/", {"year": 2025})
    assert listed.status_code == 200
    assert [r["employer_name"] for r in listed.json()["results"]] == ["接口企业"]
    reviewed = client.post(f"/api/v1/employment/declarations/{d.pk}/review/")
    assert reviewed.status_code == 200, reviewed.content
    body = reviewed.json()
    # 1.5 − 2 < 0: quota met by the grade-1 employee counted twice
    assert body["counted"] == 2 and body["fund_due"] == "0.00"
    assert body["employees"][0]["id_number"] != severe.id_number
    assert body["steps"][-1]["value"] == "0.00"
    again = client.post(f"/api/v1/employment/declarations/{d.pk}/review/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    outsider = make_user("county_admin", "370505", username="emp_api_kl")
    client.force_login(outsider)
    assert client.get(f"/api/v1/employment/declarations/{d.pk}/").status_code == 404
    assert client.get("/api/v1/employment/employers/").json()["results"] == []
    leader = make_user("leader", "370502", username="emp_api_leader")
    client.force_login(leader)
    assert client.get(f"/api/v1/employment/employers/{emp.pk}/").status_code == 200


def test_person_page_shows_declarations_and_placements(world, client):
    from canlian.domains.education import actions as education

    admin, severe = world["admin"], world["severe"]
    emp = employer(admin, "时间线企业")
    d = actions.declaration_record(
        actor=admin,
        employer_id=emp.pk,
        year=2025,
        staff="100",
        average_wage="80000",
        employees=[
            {
                "name": severe.name,
                "certificate_number": cert(severe),
                "contract_start": "2025-01-01",
                "monthly_wage": "3000",
                "insurance_paid": "否",
            }
        ],
    )
    actions.declaration_review(actor=admin, declaration_id=d.pk)
    kid = registered(name="时间线童", birth="20150301")
    education.placement_record(actor=admin, person_id=kid.pk, school_year=2025, placement="home_teaching")
    client.force_login(admin)
    page = client.get(reverse("registry:person-detail", args=[severe.pk])).content.decode()
    assert "时间线企业" in page and reverse("employment:declaration-detail", args=[d.pk]) in page
    kid_page = client.get(reverse("registry:person-detail", args=[kid.pk])).content.decode()
    assert "2025–2026" in kid_page
