"""Region A's institution objects for tests/test_authorization.py's world: ``build`` returns them under
their URL keyword names; ``snapshot`` returns what must not change when a refused request is made.
The institution's name carries "MARKER-INST-A" so that a leak into another region's page shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def build(*, owner: Any, person: Any, make_user: Any) -> dict[str, Any]:
    from canlian.core.institutions import actions

    day = timezone.localdate()
    institution = actions.institution_create(
        actor=owner,
        code="INST-A-1",
        name="MARKER-INST-A 东营区康复中心",
        kind="rehab",
        region_code="370502001",
        credit_code="91370502MA3C4XQE2D",
        capacity=40,
        categories=["5", "8"],
    )
    actions.qualification_add(
        actor=owner,
        institution_id=institution.pk,
        kind="education",
        number="MARKER-QUAL-A",
        valid_from=day - dt.timedelta(days=365),
        valid_until=day + dt.timedelta(days=30),
    )
    actions.agreement_add(
        actor=owner,
        institution_id=institution.pk,
        number="MARKER-AGR-A",
        valid_from=day - dt.timedelta(days=10),
        valid_until=day + dt.timedelta(days=355),
    )
    staff = actions.staff_add(
        actor=owner,
        institution_id=institution.pk,
        name="MARKERSTAFFA",
        post="therapist",
        id_number="370502199001011233",
        phone="13800001234",
    )
    course = actions.course_create(
        actor=owner,
        name="MARKER-COURSE-A",
        region_code="370502",
        starts_on=day - dt.timedelta(days=20),
        ends_on=day - dt.timedelta(days=10),
    )
    actions.results_record(
        actor=owner,
        course_id=course.pk,
        results=[{"staff_id": staff.pk, "written_score": 80, "practical_score": 75}],
    )
    certificate = actions.certificate_issue(
        actor=owner, staff_id=staff.pk, course_id=course.pk, issued_on=day
    )
    return {
        "institution_id": institution,
        "staff_id": staff,
        "course_id": course,
        "staff_certificate_id": certificate,
    }


def snapshot() -> tuple[Any, ...]:
    from canlian.core.institutions.models import (
        Institution,
        InstitutionStatusChange,
        Qualification,
        ServiceAgreement,
        StaffCertificate,
        StaffMember,
        TrainingCourse,
        TrainingResult,
    )

    return (
        tuple(
            Institution.objects.order_by("pk").values_list(
                "pk", "name", "status", "status_since", "rating_score", "region_code", "updated_at"
            )
        ),
        InstitutionStatusChange.objects.count(),
        tuple(Qualification.objects.order_by("pk").values_list("pk", "number", "valid_until")),
        tuple(ServiceAgreement.objects.order_by("pk").values_list("pk", "number", "valid_until")),
        tuple(
            StaffMember.objects.order_by("pk").values_list(
                "pk", "name", "post", "phone", "id_number", "left_on", "user_id"
            )
        ),
        tuple(TrainingCourse.objects.order_by("pk").values_list("pk", "name", "pass_written")),
        tuple(
            TrainingResult.objects.order_by("pk").values_list(
                "pk", "written_score", "practical_score", "passed"
            )
        ),
        tuple(
            StaffCertificate.objects.order_by("pk").values_list("pk", "number", "valid_until", "revoked_on")
        ),
    )
