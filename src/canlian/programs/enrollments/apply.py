"""The application: ``enrollment_apply``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.choices import CertificateState
from canlian.core.registry.models import HardshipStatus, Person
from canlian.platform.access import authorize
from canlian.platform.errors import (
    NotFound,
    RowError,
    ValidationFailed,
)
from canlian.programs.choices import (
    ApplicantKind,
    EnrollmentStatus,
    ProgramKind,
    StepKind,
)
from canlian.programs.eligibility import hardship_basis, rule_setting_for
from canlian.programs.enrollments._common import (
    _ACCOUNT,
    EVENT_APPLIED,
    _due,
    _open_conflict,
    _record_due,
    _resolve_program,
    _step,
)
from canlian.programs.models import Enrollment, Program, month_start
from canlian.programs.rules.engine import build_rules

# --- application -----------------------------------------------------------------------------------


@transaction.atomic
def enrollment_apply(
    *,
    actor: Any,
    person_id: int,
    applied_on: dt.date,
    program_code: str | None = None,
    program: Program | str | None = None,
    applicant_kind: str = ApplicantKind.SELF,
    applicant_name: str = "",
    needs_long_term_care: bool = False,
    work_injury_nursing: bool = False,
    diagnosis_confirmed: bool = False,
    bank_name: str = "",
    bank_account: str = "",
    account_holder: str = "",
    care_tier: str = "",
    comment: str = "",
    attachment: Any = None,
) -> Enrollment:
    """Record an application at the township. The application month (first month paid) is the
    month of ``applied_on``; the certificate's grade and category and the hardship basis the
    program's rules ask for are snapshotted. At most one open application or enrollment per
    person and program (the database's partial unique key decides)."""
    prog = _resolve_program(program, program_code)
    person = Person.objects.select_for_update().filter(pk=person_id).first() if person_id else None
    if person is None:
        raise NotFound()
    authorize(actor, Perm.ENROLLMENTS_APPLY, person.region_code)
    errors: list[RowError] = []
    if not prog.active:
        errors.append(RowError(None, "program", str(_("This program takes no applications."))))
    if applied_on is None or applied_on > timezone.localdate():
        errors.append(
            RowError(
                None, "applied_on", str(_("The application date cannot be in the future.")), str(applied_on)
            )
        )
    if applicant_kind not in ApplicantKind.values:
        errors.append(RowError(None, "applicant_kind", str(_("Unknown applicant.")), applicant_kind))
    applicant_name = (applicant_name or "").strip()
    if applicant_kind == ApplicantKind.SELF and not applicant_name:
        applicant_name = person.name
    if not applicant_name:
        errors.append(
            RowError(None, "applicant_name", str(_("Give the name of who applies on the person's behalf.")))
        )
    account = re.sub(r"[\s-]", "", bank_account or "")
    # Cash programs pay the person's account; settlement programs pay the institution instead.
    if (prog.kind == ProgramKind.MONTHLY_CASH or account) and not _ACCOUNT.match(account):
        errors.append(
            RowError(None, "bank_account", str(_("Give the bank account number (6 to 30 digits).")))
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)

    cert = person.certificates.filter(state=CertificateState.ACTIVE).first()
    setting = rule_setting_for(prog, person.region_code, applied_on)
    kinds: set[str] = set()
    if setting is not None:
        for rule in build_rules(setting.rules):
            kinds |= rule.hardship_kinds()
    held = set(
        HardshipStatus.objects.filter(person=person, valid_from__lte=applied_on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=applied_on))
        .values_list("kind", flat=True)
    )
    enrollment = Enrollment(
        program=prog,
        person=person,
        region_code=person.region_code,
        status=EnrollmentStatus.APPLIED,
        applicant_kind=applicant_kind,
        applicant_name=applicant_name[:50],
        applied_on=applied_on,
        application_month=month_start(applied_on),
        needs_long_term_care=bool(needs_long_term_care),
        work_injury_nursing=bool(work_injury_nursing),
        diagnosis_confirmed=bool(diagnosis_confirmed),
        grade=cert.grade if cert else None,
        category=cert.category if cert else None,
        hardship_basis=hardship_basis(kinds, held),
        care_tier=(care_tier or "").strip()[:12],
        bank_name=(bank_name or "").strip()[:60],
        bank_account=account,
        account_holder=((account_holder or "").strip() or person.name)[:50],
        step_due_on=_due(prog, "first_check", applied_on),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:
        raise _open_conflict(prog, person.pk) from exc
    _record_due(enrollment, "first_check", applied_on)
    _step(
        enrollment,
        actor=actor,
        kind=StepKind.APPLY,
        from_status="",
        on=applied_on,
        comment=comment,
        attachment=attachment,
    )
    audit_record(
        actor=actor,
        event=EVENT_APPLIED,
        obj=enrollment,
        new={
            "program": prog.code,
            "person": person.pk,
            "applied_on": applied_on,
            "application_month": enrollment.application_month,
            "applicant_kind": applicant_kind,
            "diagnosis_confirmed": enrollment.diagnosis_confirmed,
            "grade": enrollment.grade,
            "category": enrollment.category,
            "hardship_basis": enrollment.hardship_basis,
            "bank_account": enrollment.masked_account,
        },
    )
    return enrollment


# --- the review chain ------------------------------------------------------------------------------
