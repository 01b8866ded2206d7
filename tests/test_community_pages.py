"""Pages, API, imports and scope of community services: a home's staff see only their home, the
tablet sign-in toggles, the attendance and member uploads (all or nothing), the statement print,
the wage sheet pages with maker-checker and the bank file, the API."""

from __future__ import annotations

import datetime as dt
import io

import community_world as cw
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from canlian.core.audit.models import AuditEvent
from canlian.domains.community import actions
from canlian.domains.community.models import FeeStatement, HomeAttendance, HomeMember, WageSheet, Worker

pytestmark = pytest.mark.usefixtures("english")
YEAR = cw.YEAR
JUNE = dt.date(YEAR, 6, 1)


def xlsx(rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("sheet.xlsx", out.getvalue())


@pytest.fixture
def setup(regions, county_admin):
    home = cw.home("370502001", name="文汇如康家园")
    other = cw.home("370502001", name="另一家园")
    p = cw.person(name="李明")
    member = actions.member_enrol(actor=None, home_id=home.pk, person_id=p.pk, starts_on=JUNE)
    q = cw.person(name="赵强")
    other_member = actions.member_enrol(actor=None, home_id=other.pk, person_id=q.pk, starts_on=JUNE)
    return {"home": home, "other": other, "member": member, "other_member": other_member, "person": p}


def test_home_staff_see_only_their_home(client, setup, make_user):
    staff = make_user("institution_staff", "370502", institution=setup["home"].institution)
    client.force_login(staff)
    body = client.get(reverse("community:home-list")).content.decode()
    assert "文汇如康家园" in body and "另一家园" not in body
    assert (
        client.get(reverse("community:home-detail", kwargs={"home_id": setup["other"].pk})).status_code == 404
    )
    page = client.get(
        reverse("community:attendance-tablet", kwargs={"home_id": setup["home"].pk}) + f"?on={JUNE}"
    )
    assert page.status_code == 200 and "李明" in page.content.decode() and "赵强" not in page.content.decode()
    # a toggle on the other home's member is refused and writes nothing
    response = client.post(
        reverse("community:attendance-tablet", kwargs={"home_id": setup["other"].pk}),
        {"member": setup["other_member"].pk, "on": JUNE.isoformat()},
    )
    assert response.status_code == 404
    assert not HomeAttendance.objects.exists()


def test_tablet_toggle_and_sign_in_all(client, setup, county_admin):
    client.force_login(county_admin)
    url = reverse("community:attendance-tablet", kwargs={"home_id": setup["home"].pk})
    response = client.post(
        url, {"member": setup["member"].pk, "on": JUNE.isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'aria-pressed="true"' in response.content.decode()
    assert HomeAttendance.objects.filter(member=setup["member"], on=JUNE).exists()
    response = client.post(
        url,
        {"member": setup["member"].pk, "on": (JUNE - dt.timedelta(days=1)).isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "Not a member on this day" in response.content.decode()
    client.post(
        reverse("community:attendance-all", kwargs={"home_id": setup["home"].pk}),
        {"on": (JUNE + dt.timedelta(days=1)).isoformat()},
    )
    assert HomeAttendance.objects.filter(member__home=setup["home"]).count() == 2


def test_attendance_upload_grid_all_or_nothing(client, setup, county_admin):
    client.force_login(county_admin)
    url = reverse("community:attendance-upload", kwargs={"home_id": setup["home"].pk})
    p = setup["person"]
    bad = xlsx(
        [
            ["身份证号", "姓名", "1", "2", "3"],
            [p.id_number, p.name, "√", "√", ""],
            ["370502199001019999", "某某", "√", "", ""],
        ]
    )
    response = client.post(url, {"file": bad, "month": f"{YEAR}-06"})
    assert response.status_code == 400 and "Not a member of this home" in response.content.decode()
    assert not HomeAttendance.objects.exists()
    good = xlsx([["身份证号", "姓名", "1", "2", "3"], [p.id_number, p.name, "√", "√", ""]])
    assert client.post(url, {"file": good, "month": f"{YEAR}-06"}).status_code == 302
    assert HomeAttendance.objects.filter(member=setup["member"]).count() == 2
    assert AuditEvent.objects.filter(event_type="community.attendance_imported").exists()


def test_member_import_and_export(client, setup, county_admin):
    client.force_login(county_admin)
    new = cw.person(name="孙丽", category=4, grade=1)
    bad = cw.person(name="周杰", category=1, grade=1)
    url = reverse("community:member-import", kwargs={"home_id": setup["home"].pk})
    response = client.post(
        url,
        {
            "file": xlsx(
                [
                    ["身份证号", "姓名", "入会日期"],
                    [new.id_number, new.name, f"{YEAR}-06-01"],
                    [bad.id_number, bad.name, f"{YEAR}-06-01"],
                ]
            )
        },
    )
    assert response.status_code == 400 and "not eligible" in response.content.decode()
    assert not HomeMember.objects.filter(person=new).exists()
    client.post(
        url, {"file": xlsx([["身份证号", "姓名", "入会日期"], [new.id_number, new.name, f"{YEAR}-06-01"]])}
    )
    assert HomeMember.objects.filter(person=new, home=setup["home"]).exists()
    export = client.get(reverse("community:member-export"))
    assert export.status_code == 200 and AuditEvent.objects.filter(event_type="record.exported").exists()


def test_statement_pages_and_print(client, regions, county_admin):
    care = cw.institution("care", "370502", name="县托养中心")
    p = cw.person(name="钱伟")
    r = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=p.pk,
        mode="day",
        admitted_on=dt.date(YEAR, 1, 1),
        monthly_fee="400",
    )
    cw.paid_line(p, "nursing-subsidy", JUNE, "150.00")
    client.force_login(county_admin)
    client.post(
        reverse("community:statement-generate", kwargs={"care_institution_id": care.pk}),
        {"month": f"{YEAR}-06"},
    )
    assert FeeStatement.objects.get(resident=r).fee == 150
    body = client.get(
        reverse("community:statement-list", kwargs={"care_institution_id": care.pk}) + f"?month={YEAR}-06"
    ).content.decode()
    assert "钱伟" in body
    printed = client.get(
        reverse("community:statement-print", kwargs={"resident_id": r.pk}) + f"?month={YEAR}-06"
    ).content.decode()
    assert 'data-testid="statement-fee"><strong>150.00' in printed


def test_wage_sheet_pages_maker_checker_and_bank_file(client, regions, county_admin, make_user):
    workshop = cw.institution("employment", "370502", name="阳光工坊")
    project = actions.project_save(
        actor=None, region_code="370502", code="BEAD", name="串珠", product="手串", piece_rate="1.2"
    )
    p = cw.person(name="吴敏", birth="19960101")
    w = actions.worker_sign(
        actor=None,
        institution_id=workshop.pk,
        person_id=p.pk,
        agreement_number="A",
        agreement_from=dt.date(YEAR, 1, 1),
        bank_name="工商银行",
        bank_account="6222020000001112223",
        account_holder=p.name,
    )
    client.force_login(county_admin)
    client.post(
        reverse("community:output-create", kwargs={"ae_worker_id": w.pk}),
        {"month": f"{YEAR}-06", "project": project.pk, "pieces": "500"},
    )
    response = client.post(
        reverse("community:sheet-generate"), {"institution": workshop.pk, "month": f"{YEAR}-06"}
    )
    sheet = WageSheet.objects.get()
    assert response.status_code == 302 and sheet.total_amount == 600
    detail = client.get(
        reverse("community:sheet-detail", kwargs={"wage_sheet_id": sheet.pk})
    ).content.decode()
    assert "6222 **** 2223" in detail and "6222020000001112223" not in detail
    client.post(reverse("community:sheet-approve", kwargs={"wage_sheet_id": sheet.pk}))
    assert WageSheet.objects.get().status == "generated"  # the generator may not approve
    client.force_login(make_user("county_admin", "370502", username="second"))
    client.post(reverse("community:sheet-approve", kwargs={"wage_sheet_id": sheet.pk}))
    assert WageSheet.objects.get().status == "approved"
    bank = client.post(reverse("community:sheet-export", kwargs={"wage_sheet_id": sheet.pk}), {"fmt": "csv"})
    assert bank.status_code == 200 and "6222020000001112223" in b"".join(bank.streaming_content).decode(
        "utf-8-sig"
    )
    reveal = client.post(reverse("community:worker-reveal", kwargs={"ae_worker_id": w.pk}))
    assert "6222020000001112223" in reveal.content.decode()
    assert AuditEvent.objects.filter(event_type="community.account_revealed").exists()


def test_api_lists_and_maker_checker(client, regions, county_admin, make_user):
    home = cw.home("370502001", name="API家园")
    p = cw.person(name="郑娜")
    client.force_login(county_admin)
    response = client.post(
        "/api/v1/community/members/",
        {"home": home.pk, "person": p.pk, "starts_on": str(JUNE)},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get("/api/v1/community/homes/").json()["results"][0]["name"] == "API家园"
    old = cw.person(name="冯涛", category=1, grade=1)
    refused = client.post(
        "/api/v1/community/members/",
        {"home": home.pk, "person": old.pk, "starts_on": str(JUNE)},
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_eligible"
    workers = client.get("/api/v1/community/workers/")
    assert workers.status_code == 200
    assert Worker.objects.count() == 0


def test_overview_and_coverage_pages(client, regions, city_admin):
    cw.home("370502001", name="覆盖家园")
    client.force_login(city_admin)
    body = client.get(reverse("community:coverage")).content.decode()
    assert "文汇街道" in body and "垦利街道" in body and "50.0%" in body
    overview = client.get(reverse("community:index")).content.decode()
    assert "cover 1 of 2 townships" in overview


def test_person_page_shows_home_care_and_work(client, regions, county_admin):
    home = cw.home("370502001", name="时间线家园")
    p = cw.person(name="陈静", birth="19920101")
    actions.member_enrol(actor=None, home_id=home.pk, person_id=p.pk, starts_on=JUNE)
    care = cw.institution("care", "370502", name="时间线托养中心")
    actions.resident_admit(actor=None, institution_id=care.pk, person_id=p.pk, mode="day", admitted_on=JUNE)
    shop = cw.institution("employment", "370502", name="时间线工坊")
    actions.worker_sign(
        actor=None,
        institution_id=shop.pk,
        person_id=p.pk,
        agreement_number="T1",
        agreement_from=JUNE,
        bank_name="b",
        bank_account="6222020000000009999",
        account_holder=p.name,
        wage_basis="hours",
        hourly_rate="10",
    )
    client.force_login(county_admin)
    body = client.get(reverse("registry:person-detail", kwargs={"person_id": p.pk})).content.decode()
    assert "Member of 时间线家园" in body
    assert "at 时间线托养中心" in body and "Assisted employment at 时间线工坊" in body


def test_rules_page_and_saving_rules(client, regions, county_admin, make_user):
    from canlian.domains.community.models import EligibilityRuleSet, FeeRule

    client.force_login(county_admin)
    assert "Eligibility rule lists" in client.get(reverse("community:rules")).content.decode()
    bad = client.post(
        reverse("community:rules-save"),
        {
            "purpose": "member",
            "region_code": "370502",
            "valid_from": "2025-01-01",
            "rules": '[{"rule": "nonsense"}]',
        },
    )
    assert bad.status_code == 400 and not EligibilityRuleSet.objects.filter(region_code="370502").exists()
    good = client.post(
        reverse("community:rules-save"),
        {
            "purpose": "member",
            "region_code": "370502",
            "valid_from": "2025-01-01",
            "rules": '[{"rule": "alive"}, {"rule": "certificate", "categories": [5, 6]}]',
        },
    )
    assert good.status_code == 302
    # The county's list now decides: a severely physically disabled person no longer qualifies there.
    home = cw.home("370502001")
    with pytest.raises(Exception, match="not eligible"):
        actions.member_enrol(
            actor=None, home_id=home.pk, person_id=cw.person(category=4, grade=1).pk, starts_on=JUNE
        )
    no_amount = client.post(
        reverse("community:fee-rule-save"),
        {
            "region_code": "370502",
            "valid_from": "2025-01-01",
            "hardship_kinds": "dibao",
            "allowance_kinds": "dibao",
            "subsidy_programs": "nursing-subsidy",
            "cap_basis": "fixed",
        },
    )
    assert no_amount.status_code == 400 and not FeeRule.objects.filter(region_code="370502").exists()
    outsider = make_user("county_admin", "370505")
    client.force_login(outsider)
    response = client.post(
        reverse("community:care-standard-save"),
        {
            "region_code": "370502",
            "mode": "day",
            "valid_from": "2025-01-01",
            "yearly_amount": "800",
            "min_days": 15,
        },
    )
    assert response.status_code == 404
