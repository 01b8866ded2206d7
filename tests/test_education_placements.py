"""Education: placements per school year, the compulsory enrolment rate's arithmetic (ages 6–15 on
1 September, certified, unrecorded children count as not enrolled), the not-enrolled list, the
student-list import (column mapping, unmatched rows listed, refusals naming row and field), schools,
and the 50 yuan/month allowance paid by the engine to the eligible and not their neighbours."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from registry_factories import registered

from canlian.core.audit.models import AuditEvent
from canlian.core.registry.models import HardshipStatus
from canlian.domains.education import actions, selectors
from canlian.domains.education.models import PlacementRecord, School
from canlian.domains.education.presets import ALLOWANCE
from canlian.platform.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import Table
from canlian.programs.cycles import actions as cycles
from canlian.programs.models import Enrollment, PaymentLine, Program

pytestmark = pytest.mark.django_db
YEAR = 2025  # counted on 2025-09-01
_names = ("".join(p) for p in itertools.product("甲乙丙丁戊己庚辛壬癸", repeat=2))


def child(birth: str, **extra):
    return registered(name="学生" + next(_names), birth=birth, grade=extra.pop("grade", 3), **extra)


@pytest.fixture
def admin(make_user):
    return make_user("county_admin", "370502", username="edu_admin")


@pytest.fixture
def kids(regions):
    return {
        "six": child("20190901"),  # 6 on 1 Sept 2025: school age
        "five": child("20190902"),  # one day short of 6: not yet
        "fifteen": child("20091231"),  # 15: school age
        "sixteen": child("20090901"),  # 16 on the day: past compulsory age
        "home": child("20140301"),
        "none": child("20150501"),  # no placement recorded
        "uncertified": child("20150601", category=None),
    }


def test_enrolment_rate_arithmetic(admin, kids):
    actions.placement_record(
        actor=admin, person_id=kids["six"].pk, school_year=YEAR, placement="regular_class"
    )
    actions.placement_record(
        actor=admin, person_id=kids["fifteen"].pk, school_year=YEAR, placement="special_school"
    )
    actions.placement_record(
        actor=admin, person_id=kids["home"].pk, school_year=YEAR, placement="home_teaching"
    )
    actions.placement_record(actor=admin, person_id=kids["five"].pk, school_year=YEAR, placement="preschool")
    actions.placement_record(
        actor=admin, person_id=kids["sixteen"].pk, school_year=YEAR, placement="regular_class"
    )
    figures = selectors.enrolment_figures(user=admin, school_year=YEAR)
    # school age: six, fifteen, home, none (five too young, sixteen too old, uncertified not counted)
    assert figures.children == 4
    assert figures.enrolled == 3
    assert figures.rate == Decimal("0.7500")
    assert figures.by_placement["regular_class"] == 1 and figures.by_placement["home_teaching"] == 1
    assert figures.by_placement["unrecorded"] == 1
    missing = list(selectors.not_enrolled(user=admin, school_year=YEAR))
    assert missing == [kids["none"]]
    # recorded as not enrolled with a reason: still on the list, the rate unchanged
    actions.placement_record(
        actor=admin, person_id=kids["none"].pk, school_year=YEAR, placement="not_enrolled", reason="health"
    )
    assert selectors.enrolment_figures(user=admin, school_year=YEAR).rate == Decimal("0.7500")
    assert list(selectors.not_enrolled(user=admin, school_year=YEAR)) == [kids["none"]]
    # a second record of the year replaces the first (audited old → new)
    actions.placement_record(
        actor=admin, person_id=kids["none"].pk, school_year=YEAR, placement="home_teaching"
    )
    assert PlacementRecord.objects.filter(person=kids["none"], school_year=YEAR).count() == 1
    assert selectors.enrolment_figures(user=admin, school_year=YEAR).rate == Decimal("1.0000")
    last = AuditEvent.objects.filter(event_type="education.placement_recorded").order_by("-pk").first()
    assert last.old_values["placement"] == "not_enrolled"


def test_placement_refusals(admin, kids, make_user):
    with pytest.raises(ValidationFailed) as caught:
        actions.placement_record(
            actor=admin,
            person_id=kids["six"].pk,
            school_year=YEAR,
            placement="regular_class",
            reason="health",
        )
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(ValidationFailed):
        actions.placement_record(
            actor=admin, person_id=kids["six"].pk, school_year=YEAR, placement="boarding"
        )
    other = make_user("county_admin", "370505", username="edu_kl")
    with pytest.raises(NotFound):
        actions.placement_record(
            actor=other, person_id=kids["six"].pk, school_year=YEAR, placement="regular_class"
        )
    leader = make_user("leader", "370502", username="edu_leader")
    with pytest.raises(PermissionDenied):
        actions.placement_record(
            actor=leader, person_id=kids["six"].pk, school_year=YEAR, placement="regular_class"
        )
    assert not PlacementRecord.objects.exists()
    actions.school_create(actor=admin, name="东营区实验小学", region_code="370502", resource_room=True)
    with pytest.raises(Conflict):
        actions.school_create(actor=admin, name="东营区实验小学", region_code="370502")
    assert School.objects.count() == 1


def test_import_with_mapping_lists_unmatched_rows(admin, kids):
    school = actions.school_create(
        actor=admin, name="东营区特殊教育学校", region_code="370502", kind="special"
    )
    from registry_factories import resident_id

    stranger = resident_id("370502", "20150101")
    table = Table(
        header=["序号", "学生身份证", "学生姓名", "就读方式", "所在学校", "原因"],
        rows=[
            ["1", kids["six"].id_number, kids["six"].name, "随班就读", "别的小学", ""],
            ["2", kids["fifteen"].id_number, kids["fifteen"].name, "特教学校", "东营区特殊教育学校", ""],
            ["3", stranger, "外来学生", "随班就读", "", ""],
            ["4", kids["none"].id_number, kids["none"].name, "未入学", "", "缓学"],
        ],
    )
    mapping = {
        "id_number": "学生身份证",
        "name": "学生姓名",
        "placement": "就读方式",
        "school": "所在学校",
        "reason": "原因",
    }
    result = actions.placements_import(actor=admin, table=table, school_year=YEAR, mapping=mapping)
    assert result.as_dict() == {"imported": 3, "updated": 0, "unmatched": 1}
    assert result.unmatched[0]["row"] == 4 and stranger not in str(result.unmatched)
    assert PlacementRecord.objects.get(person=kids["fifteen"]).school == school
    regular = PlacementRecord.objects.get(person=kids["six"])
    assert regular.school is None and regular.note == "别的小学" and regular.source == "imported"
    assert PlacementRecord.objects.get(person=kids["none"]).reason == "deferred"
    # a bad placement refuses the whole file, naming row and field
    bad = Table(header=table.header, rows=[table.rows[0], ["5", kids["home"].id_number, "", "住校", "", ""]])
    with pytest.raises(ValidationFailed) as caught:
        actions.placements_import(actor=admin, table=bad, school_year=YEAR + 1, mapping=mapping)
    assert [(e.row, e.field) for e in caught.value.errors] == [(3, "placement")]
    assert not PlacementRecord.objects.filter(school_year=YEAR + 1).exists()
    with pytest.raises(ValidationFailed) as unmapped:
        actions.placements_import(actor=admin, table=table, school_year=YEAR, mapping={"id_number": "无此列"})
    assert {e.field for e in unmapped.value.errors} == {"id_number", "placement"}


def test_pages(admin, kids, client):
    client.force_login(admin)
    actions.placement_record(
        actor=admin, person_id=kids["six"].pk, school_year=YEAR, placement="regular_class"
    )
    page = client.get(reverse("education:placement-list"), {"year": YEAR})
    text = page.content.decode()
    assert page.status_code == 200 and kids["six"].name in text and kids["six"].id_number not in text
    assert "25.00%" in text  # 1 of 4
    listed = client.get(reverse("education:not-enrolled"), {"year": YEAR}).content.decode()
    assert kids["none"].name in listed and kids["six"].name not in listed
    for name in ("education:school-list", "education:placement-create", "education:placement-import"):
        assert client.get(reverse(name)).status_code == 200
    response = client.post(
        reverse("education:placement-create"),
        {"id_number": kids["home"].id_number, "school_year": YEAR, "placement": "home_teaching"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("education:school-create"), {"name": "新学校", "kind": "regular", "region_code": "370502"}
    )
    assert response.status_code == 302 and School.objects.filter(name="新学校").exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = f"身份证号,姓名,安置方式\n{kids['fifteen'].id_number},{kids['fifteen'].name},送教上门\n".encode()
    response = client.post(
        reverse("education:placement-import"),
        {
            "school_year": YEAR,
            "file": SimpleUploadedFile("名单.csv", csv),
            "col_id_number": "身份证号",
            "col_name": "姓名",
            "col_placement": "安置方式",
        },
    )
    assert response.status_code == 200
    assert PlacementRecord.objects.get(person=kids["fifteen"]).placement == "home_teaching"


def test_allowance_pays_50_a_month_to_the_eligible_only(regions, make_user):
    program = Program.objects.get(code=ALLOWANCE)
    maker = make_user("county_admin", "370502", username="edu_maker")

    def enrol(birth, dibao=True):
        person = child(birth)
        if dibao:
            HardshipStatus.objects.create(
                person=person, kind="dibao", valid_from=dt.date(2024, 1, 1), source="manual"
            )
        return Enrollment.objects.create(
            program=program,
            person=person,
            region_code=person.region_code,
            status="active",
            applied_on=dt.date(2026, 3, 5),
            application_month=dt.date(2026, 3, 1),
            grade=3,
            category=4,
            bank_account="6228480012345678901",
            account_holder="家长",
        )

    pupil = enrol("20150501")  # 10, 低保: pays
    not_poor = enrol("20150502", dibao=False)  # no hardship: does not
    aged_15 = enrol("20110315")  # 15 in March 2026: pays
    aged_16 = enrol("20100301")  # 16 on 1 March 2026: does not
    result = cycles.cycle_generate(
        actor=maker, region_code="370502", month=dt.date(2026, 3, 1), program=program
    )
    paid = dict(PaymentLine.objects.filter(cycle=result.cycle).values_list("enrollment_id", "amount"))
    assert paid == {pupil.pk: Decimal("50.00"), aged_15.pk: Decimal("50.00")}
    assert not_poor.pk not in paid and aged_16.pk not in paid
    assert result.total_amount == Decimal("100.00")
