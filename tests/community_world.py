"""Community services for tests: helpers making a home, a care centre and a workshop with people, and
region A's objects for the authorization world (tests/authorization_world.py): ``build`` returns them
under their URL keyword names, ``MARKERS`` the text no other region's page may show, ``snapshot``
what a refused request must leave unchanged."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

_seq = itertools.count(1)

#: A past year, so that no day of it lies in the future.
YEAR = 2025
#: A valid USCC (GB 32100-2015 check character).
USCC = "91370502MA3C8XXX0Y"


def valid_uscc() -> str:
    from stdnum.cn import uscc

    body = "91370502MA3C8XXX0"
    return body + uscc.calc_check_digit(body)


_GIVEN = "明华强丽军芳伟娜磊静洋敏杰燕涛艳斌"


def chinese_name(n: int, surname: str = "王") -> str:
    """A valid person name from a number (names hold letters only)."""
    return surname + _GIVEN[n % len(_GIVEN)] + _GIVEN[(n // len(_GIVEN)) % len(_GIVEN)]


def person(
    region_code: str = "370502001001",
    *,
    name: str | None = None,
    birth: str = "19900101",
    category: int | None = 5,
    grade: int = 2,
    **extra: Any,
):
    from registry_factories import registered

    return registered(
        name=name or chinese_name(next(_seq)),
        region_code=region_code,
        birth=birth,
        category=category,
        grade=grade,
        issued=dt.date(2020, 5, 1),
        **extra,
    )


def home(
    region_code: str = "370502001",
    *,
    name: str | None = None,
    opened_on: dt.date = dt.date(2020, 3, 1),
    **extra: Any,
):
    from canlian.domains.community.actions import home_create

    n = next(_seq)
    return home_create(
        actor=None,
        name=name or f"如康家园{n}",
        code=f"HOME-{region_code}-{n}",
        region_code=region_code,
        opened_on=opened_on,
        construction_model="employment",
        capacity=40,
        staff_count=4,
        functions=["day_care", "employment", "rehab", "training"],
        **extra,
    )


def institution(kind: str, region_code: str = "370502", *, name: str | None = None, **extra: Any):
    from canlian.core.institutions.models import Institution

    n = next(_seq)
    return Institution.objects.create(
        code=f"{kind.upper()}-{region_code}-{n}",
        name=name or f"{kind}{n}",
        kind=kind,
        region_code=region_code,
        capacity=200,
        **extra,
    )


def paid_line(person: Any, program_code: str, month: dt.date, amount: str, *, status: str = "paid"):
    """A line of the engine paid to ``person`` for ``month`` under ``program_code`` (a cycle per call)."""
    from canlian.programs.models import Enrollment, PaymentCycle, PaymentLine, Program

    program = Program.objects.get(code=program_code)
    cycle, _ = PaymentCycle.objects.get_or_create(
        program=program, region_code=person.region_code[:6], month=month, defaults={"status": "closed"}
    )
    enrollment, _ = Enrollment.objects.get_or_create(
        program=program,
        person=person,
        defaults={
            "region_code": person.region_code,
            "status": "active",
            "applied_on": month,
            "application_month": month,
            "grade": 1,
            "category": 5,
        },
    )
    return PaymentLine.objects.create(
        cycle=cycle,
        program=program,
        enrollment=enrollment,
        person=person,
        region_code=person.region_code,
        period=month,
        amount=Decimal(amount),
        status=status,
    )


#: Text of region A's objects that no page of another region may show.
MARKERS: tuple[str, ...] = ("MARKER-HOME-A", "MARKER-CARE-A", "MARKER-WORKSHOP-A", "MARKER-PROJECT-A")


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    """Region A objects under their URL keyword names."""
    from canlian.domains.community import actions
    from canlian.domains.community.models import FundingBatch

    h = home("370502001", name="MARKER-HOME-A")
    member = actions.member_enrol(
        actor=None, home_id=h.pk, person_id=_eligible("370502001001").pk, starts_on=dt.date(YEAR, 1, 1)
    )
    care = institution("care", "370502", name="MARKER-CARE-A")
    resident = actions.resident_admit(
        actor=None,
        institution_id=care.pk,
        person_id=_eligible("370502001001").pk,
        mode="residential",
        admitted_on=dt.date(YEAR, 1, 1),
        monthly_fee="1200",
    )
    workshop = institution("employment", "370502", name="MARKER-WORKSHOP-A")
    project = actions.project_save(
        actor=None,
        region_code="370502",
        code=f"P-A-{next(_seq)}",
        name="MARKER-PROJECT-A",
        product="串珠",
        piece_rate="0.5",
        partner_uscc=valid_uscc(),
    )
    worker_person = _eligible("370502001001")
    worker = actions.worker_sign(
        actor=None,
        institution_id=workshop.pk,
        person_id=worker_person.pk,
        agreement_number="AG-A",
        agreement_from=dt.date(YEAR, 1, 1),
        bank_name="农业银行",
        bank_account="6228480000000001234",
        account_holder=worker_person.name,
        project_id=project.pk,
    )
    actions.output_record(
        actor=None, worker_id=worker.pk, month=dt.date(YEAR, 3, 1), pieces="3000", project_id=project.pk
    )
    sheet = actions.wage_sheet_generate(actor=None, institution_id=workshop.pk, month=dt.date(YEAR, 3, 1))
    a = actions.assessment_save(
        actor=None,
        home_id=h.pk,
        year=YEAR - 1,
        assessed_on=dt.date(YEAR - 1, 12, 1),
        scores={"facilities": 90, "services": 90, "management": 90, "staff": 90, "satisfaction": 90},
    )
    actions.funding_standard_save(
        actor=None, region_code="370502", valid_from=dt.date(YEAR, 1, 1), stars=5, amount="50000"
    )
    actions.assessment_confirm(actor=None, assessment_id=a.pk)
    batch = actions.funding_generate(actor=None, region_code="370502", year=YEAR)
    assert isinstance(batch, FundingBatch)
    care_batch = actions.care_subsidy_generate(actor=None, institution_id=care.pk, year=YEAR)
    actions.subsidy_standard_save(
        actor=None, region_code="370502", kind="insurance", valid_from=dt.date(2020, 1, 1), amount="600"
    )
    actions.subsidy_apply(actor=None, institution_id=workshop.pk, year=YEAR, kind="insurance", quantity=3)
    subsidy_batch = actions.subsidy_batch_generate(actor=None, region_code="370502", year=YEAR)
    from django.core.files.base import ContentFile

    from canlian.domains.community.models import StarEvidence

    evidence = StarEvidence.objects.create(
        assessment=a, photo=ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, name="site.png"), caption="A"
    )
    return {
        "home_id": h,
        "home_member_id": member,
        "care_institution_id": care,
        "resident_id": resident,
        "workshop_id": workshop,
        "ae_project_id": project,
        "ae_worker_id": worker,
        "wage_sheet_id": sheet,
        "star_assessment_id": a,
        "funding_batch_id": batch,
        "care_batch_id": care_batch,
        "inst_subsidy_batch_id": subsidy_batch,
        "subsidy_institution_id": workshop,
        "star_evidence_id": evidence,
    }


def _eligible(region_code: str):
    return person(region_code, category=5, grade=2)


def snapshot() -> tuple[Any, ...]:
    """What a refused request must leave unchanged."""
    from canlian.domains.community.models import (
        CareResident,
        CareSubsidyBatch,
        FeeStatement,
        FundingBatch,
        Home,
        HomeAttendance,
        HomeMember,
        InstitutionSubsidyBatch,
        InstitutionSubsidyLine,
        InstitutionSubsidyStandard,
        Project,
        StarAssessment,
        StarBand,
        StarCriterion,
        StarEvidence,
        SubsidyApplication,
        WageLine,
        WageSheet,
        Worker,
        WorkOutput,
    )

    return (
        tuple(InstitutionSubsidyBatch.objects.values_list("pk", "status", "approved_by_id").order_by("pk")),
        tuple(InstitutionSubsidyLine.objects.values_list("pk", "amount").order_by("pk")),
        tuple(InstitutionSubsidyStandard.objects.values_list("pk", "amount", "valid_to").order_by("pk")),
        tuple(SubsidyApplication.objects.values_list("pk", "quantity", "cost").order_by("pk")),
        tuple(StarCriterion.objects.values_list("pk", "weight", "valid_to").order_by("pk")),
        tuple(StarBand.objects.values_list("pk", "min_score", "valid_to").order_by("pk")),
        StarEvidence.objects.count(),
        tuple(Home.objects.values_list("pk", "capacity", "opened_on").order_by("pk")),
        tuple(HomeMember.objects.values_list("pk", "ends_on").order_by("pk")),
        HomeAttendance.objects.count(),
        tuple(CareResident.objects.values_list("pk", "discharged_on", "monthly_fee").order_by("pk")),
        FeeStatement.objects.count(),
        tuple(Worker.objects.values_list("pk", "status").order_by("pk")),
        WorkOutput.objects.count(),
        tuple(WageSheet.objects.values_list("pk", "status", "approved_by_id").order_by("pk")),
        tuple(WageLine.objects.values_list("pk", "status").order_by("pk")),
        tuple(FundingBatch.objects.values_list("pk", "status").order_by("pk")),
        tuple(CareSubsidyBatch.objects.values_list("pk", "status").order_by("pk")),
        tuple(StarAssessment.objects.values_list("pk", "status", "stars").order_by("pk")),
        tuple(Project.objects.values_list("pk", "name", "status").order_by("pk")),
    )
