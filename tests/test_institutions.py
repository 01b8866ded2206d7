"""Institutions: registry and validation, dynamic-management history, staff and their sign-ins scoped
to their own institution (pages and API), training results, certificates, "no certificate, no duty",
and the missing/expiring certificate lists."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from stdnum.cn import ric, uscc

from canlian.core.audit.models import AuditEvent
from canlian.core.institutions import actions, selectors
from canlian.core.institutions.models import (
    Institution,
    InstitutionStatusChange,
    StaffCertificate,
    StaffMember,
    TrainingResult,
)
from canlian.core.institutions.rules import require_certified
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()


def id_number(area: str = "370502", birth: str = "19900101", order: str = "123") -> str:
    body = f"{area}{birth}{order}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def admin(make_user, regions):
    return make_user("county_admin", "370502", username="inst_admin")


@pytest.fixture
def yantai_admin(make_user, regions):
    return make_user("county_admin", "370602", username="yt_admin")


def make_institution(actor, code="I-1", name="东营康复中心", region="370502001", **extra):
    return actions.institution_create(
        actor=actor, code=code, name=name, kind="rehab", region_code=region, **extra
    )


# --- registry and validation -------------------------------------------------------------------------


def test_create_validates_and_records_history(admin):
    code = credit_code("91370502MA3C4XQE2")
    inst = make_institution(admin, credit_code=code.lower(), categories=["8", "5"], capacity="30")
    assert inst.credit_code == code
    assert inst.categories == "58"
    assert inst.status == "active"
    assert inst.serves("5") and not inst.serves("1")
    history = list(inst.status_changes.all())
    assert [(h.from_status, h.to_status) for h in history] == [("", "active")]
    assert AuditEvent.objects.filter(event_type="institution.created", object_id=str(inst.pk)).exists()


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("91370502MA3C4XQE2", "18 characters"),
        ("91370502MA3C4XQEIO", "capital letters"),
        ("91370502MA3C4XQE2A", "check character"),
    ],
)
def test_bad_credit_code_names_the_field(admin, value, needle):
    with pytest.raises(ValidationFailed) as err:
        make_institution(admin, credit_code=value)
    assert err.value.field == "credit_code"
    assert needle in err.value.message
    assert not Institution.objects.exists()


def test_credit_codes_of_authorities_n_and_y_are_accepted(admin):
    # python-stdnum rejects a letter as the first character; N and Y are real registering authorities.
    y_code = credit_code("Y1370502MA3C4XQE2")
    n_code = credit_code("N2370502MA3C4XQE2")
    assert make_institution(admin, code="I-Y", credit_code=y_code).credit_code == y_code
    assert make_institution(admin, code="I-N", credit_code=n_code).credit_code == n_code
    bad = y_code[:-1] + ("0" if y_code[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as err:
        make_institution(admin, code="I-Y2", credit_code=bad)
    assert err.value.field == "credit_code"


def test_create_refuses_region_outside_scope_duplicates_and_villages(admin):
    with pytest.raises(ValidationFailed) as err:
        make_institution(admin, region="370602")
    assert err.value.field == "region_code"
    with pytest.raises(ValidationFailed) as err:
        make_institution(admin, region="370502001001")
    assert err.value.field == "region_code"
    make_institution(admin)
    with pytest.raises(Conflict) as err:
        make_institution(admin, name="另一个")
    assert err.value.field == "code"
    with pytest.raises(ValidationFailed) as err:
        make_institution(admin, code="I-2", contact_phone="123")
    assert err.value.field == "contact_phone"


def test_create_page_shows_field_error(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("institutions:institution-create"),
        {"code": "P-1", "name": "页面机构", "kind": "rehab", "region_code": "370502", "credit_code": "123"},
    )
    assert response.status_code == 400
    assert "credit_code" in response.context["form"].errors
    response = client.post(
        reverse("institutions:institution-create"),
        {
            "code": "P-1",
            "name": "页面机构",
            "kind": "home",
            "region_code": "370502",
            "categories": ["4", "5"],
        },
    )
    inst = Institution.objects.get(code="P-1")
    assert response.status_code == 302 and response["Location"].endswith(f"/institutions/{inst.pk}/")
    assert inst.categories == "45"


# --- status and rating --------------------------------------------------------------------------------


def test_status_change_history_and_page(client, admin, make_user):
    inst = make_institution(admin)
    actions.institution_set_status(actor=admin, institution_id=inst.pk, status="warned", reason="整改逾期")
    change = actions.institution_set_status(
        actor=admin, institution_id=inst.pk, status="suspended", reason="复查不合格", source="notice:7"
    )
    inst.refresh_from_db()
    assert inst.status == "suspended" and inst.status_since == TODAY
    assert change.from_status == "warned" and change.source == "notice:7"
    assert InstitutionStatusChange.objects.filter(institution=inst).count() == 3
    with pytest.raises(InvalidState):
        actions.institution_set_status(actor=admin, institution_id=inst.pk, status="suspended", reason="x")
    with pytest.raises(ValidationFailed) as err:
        actions.institution_set_status(actor=admin, institution_id=inst.pk, status="active", reason="")
    assert err.value.field == "reason"
    leader = make_user("leader", "370502")
    with pytest.raises(PermissionDenied):
        actions.institution_set_status(actor=leader, institution_id=inst.pk, status="active", reason="恢复")
    client.force_login(admin)
    page = client.get(reverse("institutions:institution-detail", args=[inst.pk]))
    body = page.content.decode()
    assert "复查不合格" in body and "notice:7" in body and "整改逾期" in body
    response = client.post(
        reverse("institutions:institution-status", args=[inst.pk]), {"status": "active", "reason": "整改完成"}
    )
    assert response.status_code == 302
    inst.refresh_from_db()
    assert inst.status == "active"
    assert AuditEvent.objects.filter(event_type="institution.status_changed").count() == 3


def test_set_status_and_rating_out_of_region_is_not_found(admin, yantai_admin):
    inst = make_institution(admin)
    with pytest.raises(NotFound):
        actions.institution_set_status(
            actor=yantai_admin, institution_id=inst.pk, status="warned", reason="x"
        )
    with pytest.raises(NotFound):
        actions.institution_set_rating(actor=yantai_admin, institution_id=inst.pk, score=90, on=TODAY)
    actions.institution_set_rating(actor=admin, institution_id=inst.pk, score="88.5", on=TODAY)
    inst.refresh_from_db()
    assert inst.rating_score == Decimal("88.5") and inst.rated_on == TODAY
    with pytest.raises(ValidationFailed) as err:
        actions.institution_set_rating(actor=admin, institution_id=inst.pk, score=101, on=TODAY)
    assert err.value.field == "score"


def test_qualification_and_agreement_expiry_filters(admin):
    soon = make_institution(admin, code="Q-1", name="甲")
    lapsed = make_institution(admin, code="Q-2", name="乙")
    fine = make_institution(admin, code="Q-3", name="丙")
    actions.qualification_add(
        actor=admin,
        institution_id=soon.pk,
        kind="education",
        number="E1",
        valid_until=TODAY + dt.timedelta(days=20),
    )
    actions.qualification_add(
        actor=admin,
        institution_id=lapsed.pk,
        kind="medical",
        number="M1",
        valid_until=TODAY - dt.timedelta(days=1),
    )
    # Renewed: the old licence lapsed but a new one of the same kind is in force.
    actions.qualification_add(
        actor=admin,
        institution_id=fine.pk,
        kind="medical",
        number="M2",
        valid_until=TODAY - dt.timedelta(days=5),
    )
    actions.qualification_add(
        actor=admin,
        institution_id=fine.pk,
        kind="medical",
        number="M3",
        valid_until=TODAY + dt.timedelta(days=900),
    )
    actions.agreement_add(
        actor=admin,
        institution_id=fine.pk,
        number="A1",
        valid_from=TODAY - dt.timedelta(days=300),
        valid_until=TODAY + dt.timedelta(days=10),
    )
    with pytest.raises(ValidationFailed) as err:
        actions.agreement_add(
            actor=admin,
            institution_id=soon.pk,
            number="A2",
            valid_from=TODAY,
            valid_until=TODAY - dt.timedelta(days=1),
        )
    assert err.value.field == "valid_until"

    def names(expiry):
        return sorted(i.name for i in selectors.institutions_visible(user=admin, expiry=expiry))

    assert names("qualification_expiring") == ["甲"]
    assert names("qualification_expired") == ["乙"]
    assert names("agreement_expiring") == ["丙"]
    assert names("agreement_expired") == ["乙", "甲"]


# --- staff and their sign-ins ---------------------------------------------------------------------------


def test_staff_add_validates_and_masks_in_lists(client, admin):
    inst = make_institution(admin)
    number = id_number()
    staff = actions.staff_add(
        actor=admin,
        institution_id=inst.pk,
        name="王老师",
        post="teacher",
        id_number=number,
        phone="138 0000 1234",
    )
    assert staff.phone == "13800001234"
    with pytest.raises(ValidationFailed) as err:
        actions.staff_add(actor=admin, institution_id=inst.pk, name="李", post="teacher", id_number="123")
    assert err.value.field == "id_number"
    with pytest.raises(ValidationFailed) as err:
        actions.staff_add(actor=admin, institution_id=inst.pk, name="李", post="chef")
    assert err.value.field == "post"
    with pytest.raises(Conflict):
        actions.staff_add(actor=admin, institution_id=inst.pk, name="王二", post="doctor", id_number=number)
    client.force_login(admin)
    for url in (
        reverse("institutions:staff-list"),
        reverse("institutions:institution-detail", args=[inst.pk]),
        reverse("institutions:staff-detail", args=[staff.pk]),
        reverse("institutions:staff-edit", args=[staff.pk]),
        reverse("api:institution-staff-list"),
    ):
        body = client.get(url).content.decode()
        assert "王老师" in body, url
        assert number not in body and "13800001234" not in body, url
        assert "138****1234" in body or "138\\*\\*\\*\\*1234" in body, url


@pytest.fixture
def two_institutions(admin):
    mine = make_institution(admin, code="X", name="机构X")
    other = make_institution(admin, code="Y", name="机构Y")
    staff = actions.staff_add(actor=admin, institution_id=mine.pk, name="张治疗师", post="therapist")
    colleague_y = actions.staff_add(actor=admin, institution_id=other.pk, name="赵治疗师", post="therapist")
    return mine, other, staff, colleague_y


def test_sign_in_sees_own_institution_only(client, admin, two_institutions):
    mine, other, staff, colleague_y = two_institutions
    with pytest.raises(ValidationFailed) as err:
        actions.staff_create_sign_in(actor=admin, staff_id=staff.pk, username="zhang_x", password="123")
    assert err.value.field == "password"
    user = actions.staff_create_sign_in(
        actor=admin, staff_id=staff.pk, username="zhang_x", password="Kangfu-2026!"
    )
    staff.refresh_from_db()
    assert staff.user == user
    assignment = user.role_assignments.get()
    assert (assignment.role, assignment.institution_id, assignment.region_code) == (
        "institution_staff",
        mine.pk,
        mine.region_code,
    )
    assert AuditEvent.objects.filter(event_type="staff.sign_in_created", object_id=str(staff.pk)).exists()
    with pytest.raises(Conflict):
        actions.staff_create_sign_in(
            actor=admin, staff_id=staff.pk, username="zhang_x2", password="Kangfu-2026!"
        )

    assert user.check_password("Kangfu-2026!") and user.is_active
    client.force_login(user)
    assert client.get(reverse("institutions:institution-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("institutions:institution-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("institutions:staff-detail", args=[colleague_y.pk])).status_code == 404
    assert client.get(reverse("institutions:staff-add", args=[other.pk])).status_code == 404
    listing = client.get(reverse("institutions:institution-list")).content.decode()
    assert "机构X" in listing and "机构Y" not in listing
    staff_listing = client.get(reverse("institutions:staff-list")).content.decode()
    assert "张治疗师" in staff_listing and "赵治疗师" not in staff_listing
    api = client.get(reverse("api:institution-list")).json()
    assert [row["id"] for row in api["results"]] == [mine.pk]
    assert client.get(reverse("api:institution-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("api:institution-staff-detail", args=[colleague_y.pk])).status_code == 404
    staff_api = client.get(reverse("api:institution-staff-list")).json()
    assert {row["id"] for row in staff_api["results"]} == {staff.pk}
    actions.certificate_issue(actor=admin, staff_id=colleague_y.pk, number="CERT-OF-Y", issued_on=TODAY)
    for url in (
        reverse("institutions:certificate-list"),
        reverse("institutions:certificate-gaps"),
        reverse("api:staff-certificate-list"),
        reverse("api:institution-staff-certificate-gaps"),
    ):
        body = client.get(url).content.decode()
        assert "CERT-OF-Y" not in body and "赵治疗师" not in body and "机构Y" not in body, url
    gaps = client.get(reverse("api:institution-staff-certificate-gaps")).json()["results"]
    assert [row["name"] for row in gaps] == ["张治疗师"]

    # Institution staff keep their own institution's staff list, not another's.
    response = client.post(
        reverse("institutions:staff-add", args=[mine.pk]), {"name": "新同事", "post": "caregiver"}
    )
    assert response.status_code == 302
    assert StaffMember.objects.filter(institution=mine, name="新同事").exists()
    assert (
        client.post(
            reverse("institutions:staff-add", args=[other.pk]), {"name": "入侵", "post": "caregiver"}
        ).status_code
        == 404
    )
    response = client.post(
        reverse("api:institution-staff-list"),
        {"institution": other.pk, "name": "入侵", "post": "caregiver"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not StaffMember.objects.filter(name="入侵").exists()
    # They may edit their contact fields, not the federation's fields; they cannot change the status.
    actions.institution_update(actor=user, institution_id=mine.pk, contact_name="刘主任", address="新址")
    with pytest.raises(PermissionDenied):
        actions.institution_update(actor=user, institution_id=mine.pk, region_code="370505")
    with pytest.raises(PermissionDenied):
        actions.institution_set_status(actor=user, institution_id=mine.pk, status="removed", reason="x")
    assert (
        client.post(
            reverse("institutions:institution-status", args=[mine.pk]), {"status": "removed", "reason": "x"}
        ).status_code
        == 403
    )
    mine.refresh_from_db()
    assert mine.contact_name == "刘主任" and mine.status == "active"


def test_sign_in_writes_the_accounts_audit_rows(admin, two_institutions):
    """A staff sign-in is an account like any other: its user.created and role.granted rows name the
    actor, the institution's region and the bound institution (from the command line too)."""
    mine, _other, staff, colleague_y = two_institutions
    user = actions.staff_create_sign_in(
        actor=admin, staff_id=staff.pk, username="zhang_a", password="Kangfu-2026!"
    )
    rows = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
    created = rows.get(event_type="user.created")
    granted = rows.get(event_type="role.granted")
    for row in (created, granted):
        assert row.actor == admin
        assert row.region_code == mine.region_code
        assert row.new_values["role"] == "institution_staff"
        assert row.new_values["institution"] == mine.pk
    assert created.new_values["username"] == "zhang_a"

    from canlian.platform.access import SYSTEM

    system_user = actions.staff_create_sign_in(
        actor=SYSTEM, staff_id=colleague_y.pk, username="zhao_a", password="Kangfu-2026!"
    )
    system_rows = AuditEvent.objects.filter(object_id=str(system_user.pk), object_type="accounts.user")
    assert sorted(system_rows.values_list("event_type", flat=True)) == ["role.granted", "user.created"]
    assert all(row.actor is None for row in system_rows)


def test_leaving_deactivates_the_sign_in(admin, two_institutions):
    _mine, _other, staff, _y = two_institutions
    user = actions.staff_create_sign_in(
        actor=admin, staff_id=staff.pk, username="leaver", password="Kangfu-2026!"
    )
    actions.staff_leave(actor=admin, staff_id=staff.pk, left_on=TODAY)
    user.refresh_from_db()
    assert not user.is_active
    with pytest.raises(InvalidState):
        actions.staff_leave(actor=admin, staff_id=staff.pk)


# --- training, certificates, "no certificate, no duty" --------------------------------------------------


@pytest.fixture
def course(admin):
    return actions.course_create(
        actor=admin,
        name="孤独症康复培训",
        starts_on=TODAY - dt.timedelta(days=30),
        ends_on=TODAY - dt.timedelta(days=20),
        pass_written=60,
        pass_practical=70,
        certificate_years=2,
    )


def test_results_record_passes_on_both_marks_and_is_all_or_nothing(
    admin, course, two_institutions, yantai_admin
):
    _mine, _other, a, b = two_institutions
    assert course.region_code == "370502"
    with pytest.raises(ValidationFailed) as err:
        actions.results_record(
            actor=admin,
            course_id=course.pk,
            results=[
                {"staff_id": a.pk, "written_score": 90, "practical_score": 80},
                {"staff_id": b.pk, "written_score": "abc", "practical_score": 120},
            ],
        )
    rows = [(e.row, e.field) for e in err.value.errors]
    assert rows == [(2, "written_score"), (2, "practical_score")]
    assert "赵治疗师" in err.value.errors[0].message
    assert not TrainingResult.objects.exists()
    saved = actions.results_record(
        actor=admin,
        course_id=course.pk,
        results=[
            {"staff_id": a.pk, "written_score": 60, "practical_score": 70},
            {"staff_id": b.pk, "written_score": 95, "practical_score": "69.5"},
        ],
    )
    assert [r.passed for r in saved] == [True, False]
    # Re-recording replaces the earlier result.
    actions.results_record(
        actor=admin,
        course_id=course.pk,
        results=[{"staff_id": b.pk, "written_score": 95, "practical_score": 75}],
    )
    assert TrainingResult.objects.get(staff=b).passed
    with pytest.raises(NotFound):
        actions.results_record(actor=yantai_admin, course_id=course.pk, results=[])


def test_results_page_table_errors_name_the_row(client, admin, course, two_institutions):
    _mine, _other, a, b = two_institutions
    client.force_login(admin)
    url = reverse("institutions:results-record", args=[course.pk])
    page = client.get(reverse("institutions:course-detail", args=[course.pk])).content.decode()
    assert f'name="written_{a.pk}"' in page and f'name="written_{b.pk}"' in page
    response = client.post(
        url,
        {"staff": [a.pk, b.pk], f"written_{a.pk}": "80", f"practical_{a.pk}": "80", f"written_{b.pk}": "x"},
    )
    assert response.status_code == 400
    assert "赵治疗师" in response.content.decode()
    assert not TrainingResult.objects.exists()
    response = client.post(
        url,
        {"staff": [a.pk, b.pk], f"written_{a.pk}": "80", f"practical_{a.pk}": "80"},
    )
    assert response.status_code == 302
    assert list(TrainingResult.objects.values_list("staff_id", "passed")) == [(a.pk, True)]
    response = client.post(reverse("institutions:course-certificates", args=[course.pk]))
    assert response.status_code == 302
    assert StaffCertificate.objects.get().staff_id == a.pk


def test_certificate_issue_expiry_and_revoke(admin, course, two_institutions):
    _mine, _other, a, b = two_institutions
    actions.results_record(
        actor=admin,
        course_id=course.pk,
        results=[
            {"staff_id": a.pk, "written_score": 80, "practical_score": 80},
            {"staff_id": b.pk, "written_score": 80, "practical_score": 10},
        ],
    )
    with pytest.raises(ValidationFailed) as err:
        actions.certificate_issue(actor=admin, staff_id=b.pk, course_id=course.pk)
    assert err.value.field == "course" and "did not pass" in err.value.message
    day = dt.date(TODAY.year, 3, 1) if TODAY >= dt.date(TODAY.year, 3, 1) else TODAY
    cert = actions.certificate_issue(
        actor=admin, staff_id=a.pk, course_id=course.pk, issued_on=max(day, course.ends_on)
    )
    assert cert.number == f"KF{cert.issued_on.year}000001"
    assert cert.valid_until == cert.issued_on.replace(year=cert.issued_on.year + 2)
    other = actions.certificate_issue(actor=admin, staff_id=b.pk, number="SD-2026-7", issued_on=TODAY)
    assert other.valid_until == TODAY.replace(year=TODAY.year + 3)  # no course: three years
    assert actions.certificate_issue(
        actor=admin, staff_id=b.pk, issued_on=TODAY
    ).number == f"KF{TODAY.year}000002" or (cert.issued_on.year != TODAY.year)
    with pytest.raises(Conflict) as err:
        actions.certificate_issue(actor=admin, staff_id=b.pk, number="sd-2026-7")
    assert err.value.field == "number"
    actions.certificate_revoke(actor=admin, certificate_id=cert.pk, reason="违规")
    cert.refresh_from_db()
    assert cert.revoked_on == TODAY
    with pytest.raises(InvalidState):
        actions.certificate_revoke(actor=admin, certificate_id=cert.pk)
    assert not StaffCertificate.objects.filter(pk=cert.pk).valid_on(TODAY).exists()


def test_require_certified_messages(admin, two_institutions):
    _mine, _other, a, _b = two_institutions
    with pytest.raises(ValidationFailed) as err:
        require_certified(a, TODAY)
    assert err.value.field == "therapist" and "holds no staff certificate" in err.value.message
    old = actions.certificate_issue(
        actor=admin, staff_id=a.pk, number="OLD-1", issued_on=TODAY - dt.timedelta(days=3 * 366 + 10)
    )
    with pytest.raises(ValidationFailed) as err:
        require_certified(a, TODAY, field="staff")
    assert err.value.field == "staff" and "OLD-1" in err.value.message and "expired" in err.value.message
    new = actions.certificate_issue(actor=admin, staff_id=a.pk, number="NEW-1", issued_on=TODAY)
    require_certified(a, TODAY)
    actions.certificate_revoke(actor=admin, certificate_id=new.pk)
    with pytest.raises(ValidationFailed) as err:
        require_certified(a, TODAY)
    assert "revoked" in err.value.message and "NEW-1" in err.value.message
    assert old.pk != new.pk
    actions.certificate_issue(actor=admin, staff_id=a.pk, number="NEW-2", issued_on=TODAY)
    require_certified(a, TODAY)
    actions.staff_leave(actor=admin, staff_id=a.pk, left_on=TODAY)
    a.refresh_from_db()
    with pytest.raises(ValidationFailed) as err:
        require_certified(a, TODAY)
    assert "left the institution" in err.value.message


def test_missing_expiring_and_expired_lists(client, admin, yantai_admin):
    inst = make_institution(admin)
    missing = actions.staff_add(actor=admin, institution_id=inst.pk, name="无证甲", post="therapist")
    expiring = actions.staff_add(actor=admin, institution_id=inst.pk, name="将到期乙", post="teacher")
    expired = actions.staff_add(actor=admin, institution_id=inst.pk, name="已过期丙", post="therapist")
    fine = actions.staff_add(actor=admin, institution_id=inst.pk, name="有证丁", post="therapist")
    actions.staff_add(
        actor=admin, institution_id=inst.pk, name="厨师戊", post="other"
    )  # not a certified post
    actions.certificate_issue(
        actor=admin,
        staff_id=expiring.pk,
        number="E-1",
        issued_on=TODAY.replace(year=TODAY.year - 3) + dt.timedelta(days=30),
    )
    actions.certificate_issue(actor=admin, staff_id=expired.pk, number="X-1", issued_on=dt.date(2015, 1, 1))
    actions.certificate_issue(actor=admin, staff_id=fine.pk, number="F-1", issued_on=TODAY)

    def names(**kw):
        return [s.name for s in selectors.certificate_gaps(user=admin, on=TODAY, **kw)]

    assert sorted(names()) == sorted(["无证甲", "将到期乙", "已过期丙"])
    assert names(state="missing") == ["无证甲"]
    assert names(state="expiring") == ["将到期乙"]
    assert names(state="expiring", days=10) == []
    assert names(state="expired") == ["已过期丙"]
    assert list(selectors.certificate_gaps(user=yantai_admin)) == []
    assert missing.pk

    client.force_login(admin)
    page = client.get(reverse("institutions:certificate-gaps"), {"state": "expiring"}).content.decode()
    assert "将到期乙" in page and "无证甲" not in page
    response = client.get(reverse("institutions:certificate-gaps-export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert "无证甲" in cells and "有证丁" not in cells
    assert AuditEvent.objects.filter(event_type="record.exported").exists()
    api = client.get(reverse("api:institution-staff-certificate-gaps"), {"state": "missing"}).json()
    assert [(r["name"], r["state"]) for r in api["results"]] == [("无证甲", "missing")]


def test_api_create_and_actions(client, admin, yantai_admin):
    client.force_login(admin)
    response = client.post(
        reverse("api:institution-list"),
        {"code": "API-1", "name": "接口机构", "kind": "care", "region_code": "370502", "credit_code": "bad"},
        content_type="application/json",
    )
    assert response.status_code == 422  # well-formed, refused by the domain (decision 0004)
    assert response.json()["error"]["field"] == "credit_code"
    response = client.post(
        reverse("api:institution-list"),
        {"code": "API-1", "name": "接口机构", "kind": "care", "region_code": "370502", "categories": ["4"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    inst_id = response.json()["id"]
    response = client.post(
        reverse("api:institution-set-status", args=[inst_id]),
        {"status": "warned", "reason": "检查发现问题"},
        content_type="application/json",
    )
    assert response.status_code == 201
    history = client.get(reverse("api:institution-history", args=[inst_id])).json()
    assert [h["to_status"] for h in history] == ["warned", "active"]
    staff = client.post(
        reverse("api:institution-staff-list"),
        {"institution": inst_id, "name": "接口治疗师", "post": "therapist", "phone": "13900001111"},
        content_type="application/json",
    ).json()
    assert staff["phone"] == "139****1111"
    course = client.post(
        reverse("api:training-course-list"),
        {"name": "接口课程", "starts_on": "2026-01-05", "ends_on": "2026-01-09"},
        content_type="application/json",
    ).json()
    response = client.post(
        reverse("api:training-course-results", args=[course["id"]]),
        {"results": [{"staff_id": staff["id"], "written_score": "88", "practical_score": "91"}]},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()[0]["passed"] is True
    cert = client.post(
        reverse("api:staff-certificate-list"),
        {"staff": staff["id"], "course": course["id"], "issued_on": "2026-02-01"},
        content_type="application/json",
    ).json()
    assert cert["valid_until"] == "2029-02-01"
    response = client.post(
        reverse("api:staff-certificate-revoke", args=[cert["id"]]), {}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["revoked_on"]
    client.force_login(yantai_admin)
    assert client.get(reverse("api:institution-detail", args=[inst_id])).status_code == 404
    assert client.get(reverse("api:staff-certificate-detail", args=[cert["id"]])).status_code == 404
    assert client.get(reverse("api:training-course-detail", args=[course["id"]])).status_code == 404
    assert client.get(reverse("api:institution-list")).json()["results"] == []


def test_pages_render_for_federation(client, admin, course, two_institutions):
    mine, _other, a, _b = two_institutions
    actions.qualification_add(actor=admin, institution_id=mine.pk, kind="medical", number="MED-1")
    client.force_login(admin)
    for url in (
        reverse("institutions:institution-list"),
        reverse("institutions:institution-list")
        + "?kind=rehab&status=active&region_code=370502&expiry=agreement_expired",
        reverse("institutions:institution-create"),
        reverse("institutions:institution-detail", args=[mine.pk]),
        reverse("institutions:institution-edit", args=[mine.pk]),
        reverse("institutions:staff-add", args=[mine.pk]),
        reverse("institutions:staff-detail", args=[a.pk]),
        reverse("institutions:certificate-list"),
        reverse("institutions:certificate-gaps"),
        reverse("institutions:course-list"),
        reverse("institutions:course-create"),
        reverse("institutions:course-detail", args=[course.pk]),
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("institutions:staff-sign-in", args=[a.pk]), {"username": "page_user", "password": "short"}
    )
    assert response.status_code == 400
    assert (
        "password" in response.context["sign_in_form"].errors
        or response.context["sign_in_form"].non_field_errors()
    )
    response = client.post(
        reverse("institutions:certificate-issue", args=[a.pk]), {"number": "", "issued_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert StaffCertificate.objects.filter(staff=a).exists()
    assert timezone.localdate()
