"""Home accessibility modification: the workflow with working-day deadlines, its refusals
(acceptance before works, payment before acceptance, an ineligible household), the payable cap on
exact amounts, photo limits and EXIF stripping, the maker-checker batch, the quarterly report."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from rehabservices_world import EXIF_MARK, adult, hardship, jpeg, photo, project

from canlian.domains.rehabservices import actions, selectors
from canlian.domains.rehabservices.actions.modification import payable_amount
from canlian.domains.rehabservices.models import (
    ContractorBatch,
    ContractorPayment,
    ModificationPhoto,
    ModificationProject,
    ModificationStandard,
    ModificationStep,
)
from canlian.platform.errors import InvalidState, PermissionDenied, ValidationFailed
from canlian.platform.photos import MAX_BYTES
from canlian.programs.workdays import add_working_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _eligible(**kw):
    person = adult(**kw)
    hardship(person)
    return person


def _state():
    return (
        tuple(
            ModificationProject.objects.order_by("pk").values_list("pk", "status", "step_due_on", "payable")
        ),
        ModificationStep.objects.count(),
        ModificationPhoto.objects.count(),
        ContractorPayment.objects.count(),
    )


def test_the_whole_workflow_with_deadlines_in_working_days(regions, media):
    person = _eligible()
    p = project(person, upto="applied")
    assert p.number == "WZA-2026-0001" and p.status == "applied"
    assert p.step_due_on == add_working_days(dt.date(2026, 3, 2), 10)
    assert [c["passed"] for c in p.eligibility] == [True, True, True]
    p = project(_eligible(), upto="accepted")
    assert p.status == "accepted"
    assert p.budget == Decimal("4200.00") and p.payable == Decimal("4200.00")
    assert p.notice_until == add_working_days(dt.date(2026, 3, 11), 5)
    assert p.step_due_on == add_working_days(dt.date(2026, 4, 20), 20)
    assert list(p.steps.values_list("status", flat=True)) == [
        "applied",
        "assessed",
        "planned",
        "notice",
        "works",
        "accepted",
    ]
    stages = sorted(p.photos.values_list("stage", flat=True))
    assert stages == ["after", "assessment", "before", "progress", "signed_form"]


def test_acceptance_before_the_works_is_refused(regions, media):
    p = project(_eligible(), upto="notice")
    before = _state()
    with pytest.raises(InvalidState):
        actions.modification_accept(
            actor=None,
            project_id=p.pk,
            accepted_on=dt.date(2026, 4, 1),
            final_cost="1000",
            federation="a",
            family="b",
            contractor="c",
        )
    assert _state() == before


def test_acceptance_needs_before_and_after_photos(regions, media):
    p = project(_eligible(), upto="notice")
    p = actions.modification_start_works(
        actor=None,
        project_id=p.pk,
        started_on=dt.date(2026, 3, 23),
        contractor="施工队",
        contractor_account="6222020200112233445",
    )
    actions.modification_photo_add(actor=None, project_id=p.pk, stage="before", photo=photo())
    before = _state()
    with pytest.raises(InvalidState) as exc:
        actions.modification_accept(
            actor=None,
            project_id=p.pk,
            accepted_on=dt.date(2026, 4, 1),
            final_cost="1000",
            federation="a",
            family="b",
            contractor="c",
        )
    assert exc.value.code == "photos_missing"
    assert _state() == before


def test_works_cannot_start_during_the_public_notice(regions, media):
    p = project(_eligible(), upto="notice")
    with pytest.raises(ValidationFailed) as exc:
        actions.modification_start_works(
            actor=None,
            project_id=p.pk,
            started_on=p.notice_until,
            contractor="x",
            contractor_account="6222020200112233445",
        )
    assert exc.value.errors[0].field == "started_on"


def test_the_plan_needs_the_photo_of_the_signed_form(regions, media):
    p = project(_eligible(), upto="assessed")
    before = _state()
    with pytest.raises(ValidationFailed) as exc:
        actions.modification_plan(
            actor=None,
            project_id=p.pk,
            agreed_on=dt.date(2026, 3, 10),
            plan="x",
            costs={"handrails": "1", "doorways": "1"},
            signed_form=None,
        )
    assert exc.value.errors[0].field == "signed_form"
    assert _state() == before


def test_payment_before_acceptance_is_refused(regions, media, make_user):
    payer = make_user("county_admin", "370502")
    project(_eligible(), upto="works")
    before = _state()
    with pytest.raises(InvalidState) as exc:
        actions.batch_generate(actor=payer, region_code="370502")
    assert exc.value.code == "nothing_to_pay"
    assert _state() == before and not ContractorBatch.objects.exists()


@pytest.mark.parametrize(
    ("grade", "hardship_kind", "house", "failing"),
    [
        (3, "dibao", True, "grade"),
        (2, None, True, "hardship"),
        (1, "tekun", False, "house"),
    ],
)
def test_an_ineligible_household_is_refused_with_its_rule(regions, grade, hardship_kind, house, failing):
    person = adult(grade=grade)
    if hardship_kind:
        hardship(person, hardship_kind)
    with pytest.raises(InvalidState) as exc:
        actions.modification_apply(
            actor=None,
            person_id=person.pk,
            applied_on=dt.date(2026, 3, 2),
            need_found="x",
            house_modifiable=house,
        )
    assert exc.value.code == "not_eligible"
    from canlian.domains.rehabservices.choices import EligibilityCheck

    assert str(EligibilityCheck(failing).label) in exc.value.message
    assert not ModificationProject.objects.exists() and not ModificationStep.objects.exists()


def test_grade_two_passes_and_a_stricter_regional_standard_applies_from_its_day(regions):
    person = adult(grade=2)
    hardship(person)
    ModificationStandard.objects.create(
        region_code="3705", valid_from=dt.date(2026, 3, 3), max_grade=1, cap=Decimal("6000.00")
    )
    p = actions.modification_apply(
        actor=None, person_id=person.pk, applied_on=dt.date(2026, 3, 2), need_found="x", house_modifiable=True
    )
    assert p.standard.region_code == ""  # the day before the city's rule
    other = adult(grade=2)
    hardship(other)
    with pytest.raises(InvalidState):
        actions.modification_apply(
            actor=None,
            person_id=other.pk,
            applied_on=dt.date(2026, 3, 3),
            need_found="x",
            house_modifiable=True,
        )


@pytest.mark.parametrize(
    ("cost", "paid"), [("4999.99", "4999.99"), ("5000.00", "5000.00"), ("5000.01", "5000.00")]
)
def test_the_contractor_is_paid_the_final_cost_capped_per_household(regions, media, cost, paid):
    p = project(_eligible(), cost=cost)
    assert p.payable == Decimal(paid)
    assert payable_amount(Decimal(cost), Decimal("5000.00")) == Decimal(paid)


def test_maker_checker_batch_pays_and_archives(regions, media, make_user):
    maker = make_user("county_admin", "370502")
    checker = make_user("city_admin", "3705")
    p1 = project(_eligible(), cost="4200.00")
    p2 = project(_eligible(), cost="6100.00")
    batch = actions.batch_generate(actor=maker, region_code="370502")
    assert (batch.line_count, batch.total_amount) == (2, Decimal("9200.00"))
    assert set(ModificationProject.objects.values_list("status", flat=True)) == {"batched"}
    with pytest.raises(PermissionDenied):
        actions.batch_approve(actor=maker, batch_id=batch.pk)
    with pytest.raises(InvalidState):
        actions.batch_mark_paid(actor=maker, batch_id=batch.pk, paid_on=dt.date(2026, 12, 1))
    with pytest.raises(InvalidState):
        actions.modification_archive(actor=maker, project_id=p1.pk, archived_on=dt.date(2026, 12, 1))
    actions.batch_approve(actor=checker, batch_id=batch.pk)
    today = timezone.localdate()
    actions.batch_mark_paid(actor=maker, batch_id=batch.pk, paid_on=today)
    p1.refresh_from_db()
    assert p1.status == "paid" and p1.paid_on == today and p1.step_due_on is None
    assert p1.steps.filter(status="paid").count() == 1
    p1 = actions.modification_archive(actor=maker, project_id=p1.pk, archived_on=today)
    assert p1.status == "archived"
    with pytest.raises(InvalidState):
        actions.batch_generate(actor=maker, region_code="370502")
    assert ContractorPayment.objects.get(project=p2).amount == Decimal("5000.00")


def test_photo_limits_and_exif_is_stripped(regions, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = project(_eligible(), upto="applied")
    row = actions.modification_photo_add(actor=None, project_id=p.pk, stage="before", photo=photo())
    data = row.file.read()
    assert EXIF_MARK not in data and data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")
    kept = actions.modification_photo_add(
        actor=None, project_id=p.pk, stage="before", photo=photo(), keep_metadata=True
    )
    assert EXIF_MARK in kept.file.read()
    count = ModificationPhoto.objects.count()
    with pytest.raises(ValidationFailed):
        actions.modification_photo_add(
            actor=None,
            project_id=p.pk,
            stage="before",
            photo=SimpleUploadedFile("x.jpg", b"GIF89a....", content_type="image/jpeg"),
        )
    big = SimpleUploadedFile("big.jpg", jpeg(size=MAX_BYTES), content_type="image/jpeg")
    with pytest.raises(ValidationFailed):
        actions.modification_photo_add(actor=None, project_id=p.pk, stage="before", photo=big)
    just = SimpleUploadedFile("ok.jpg", jpeg(size=MAX_BYTES - 200), content_type="image/jpeg")
    assert (
        actions.modification_photo_add(actor=None, project_id=p.pk, stage="before", photo=just).size
        <= MAX_BYTES
    )
    with pytest.raises(InvalidState):
        actions.modification_photo_add(actor=None, project_id=p.pk, stage="after", photo=photo())
    assert ModificationPhoto.objects.count() == count + 1


def test_overdue_steps_are_listed(regions, media, make_user):
    p = project(_eligible(), upto="applied")
    worker = make_user("township_worker", "370502001")
    assert list(selectors.overdue_projects(worker, on=p.step_due_on)) == []
    assert list(selectors.overdue_projects(worker, on=p.step_due_on + dt.timedelta(days=1))) == [p]
    assert (
        list(selectors.overdue_projects(make_user("township_worker", "370505001"), on=dt.date(2026, 12, 1)))
        == []
    )


def test_quarterly_report_against_the_target(regions, media, make_user):
    from canlian.reporting.steering.targets import target_set

    admin = make_user("county_admin", "370502")
    target_set(
        actor=None, indicator="services.modifications", region_code="370502", year=2026, value=4, note=""
    )
    project(_eligible(), upto="assessed")
    accepted = project(_eligible())
    project(_eligible(), upto="applied")
    batch = actions.batch_generate(actor=admin, region_code="370502")
    actions.batch_approve(actor=None, batch_id=batch.pk)
    actions.batch_mark_paid(actor=admin, batch_id=batch.pk, paid_on=timezone.localdate())
    q1 = selectors.quarterly_report(admin, region_code="370502", year=2026, quarter=1)
    assert (q1.total.applied, q1.total.assessed, q1.total.under_way, q1.total.accepted, q1.total.paid) == (
        3,
        2,
        2,
        0,
        0,
    )
    q4 = selectors.quarterly_report(admin, region_code="370502", year=2026, quarter=4)
    t = q4.total
    assert (t.planned, t.applied, t.assessed, t.under_way, t.accepted, t.paid, t.money) == (
        Decimal("4"),
        3,
        2,
        1,
        1,
        1,
        Decimal("4200.00"),
    )
    assert t.progress == Decimal("25.0")
    village = next(r for r in q4.rows if r.region_code == "370502001")
    assert village.accepted == 1
    from canlian.domains.rehabservices import exports

    data = exports.report_docx(actor=admin, report=q4)
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "4200.00" in text
    assert accepted.number


def test_overdue_steps_reach_the_home_page_to_do(regions, media, make_user, client):
    from canlian.reporting.steering.todo import todo_for

    p = project(_eligible(), upto="applied")
    worker = make_user("township_worker", "370502001")
    key = "services.modification_overdue"
    assert not [i for i in todo_for(worker, today=p.step_due_on) if i.key == key and i.count]
    [item] = [i for i in todo_for(worker, today=p.step_due_on + dt.timedelta(days=1)) if i.key == key]
    assert item.count == 1 and item.urgency == "overdue" and "state=overdue" in item.url
    leader = make_user("leader", "370502")  # may read the projects, takes no step: no item
    assert not [i for i in todo_for(leader, today=p.step_due_on + dt.timedelta(days=1)) if i.key == key]
