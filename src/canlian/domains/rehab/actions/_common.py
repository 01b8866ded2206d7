"""What the rehabilitation actions share: permissions, input helpers on top of the platform kit,
the locked fetches of a child and a plan, the checks of a plan's institution and therapist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Max, Min
from django.utils.translation import gettext as _

from canlian.core.institutions.choices import InstitutionKind, ServiceCategory
from canlian.core.institutions.models import Institution, ServiceAgreement, StaffMember
from canlian.core.institutions.rules import require_certified, require_open_for_new_people
from canlian.core.registry.models import Person
from canlian.domains.rehab.models import Attendance, RehabPlan
from canlian.platform.access import authorize, lock_for
from canlian.platform.inputs import as_amount, as_int, field_error

VIEW = "rehab.view"
MANAGE = "rehab.manage"
ATTENDANCE = "rehab.attendance"

#: Rows per INSERT of a bulk attendance write.
BATCH_SIZE = 2000

_MAX_AMOUNT = Decimal("100000000")


def _count(value: Any, field: str, high: int = 9999) -> int:
    """A whole number from 0 to ``high``; 0 when blank."""
    number = as_int(value, field, low=0, high=high, default=0)
    assert number is not None
    return number


def _amount(value: Any, field: str, *, required: bool = False) -> Decimal:
    """Yuan, exact to the cent (``platform.inputs.as_amount``), from 0 to 99,999,999.99; 0 when blank
    and not ``required``. Settlement rules use it too."""
    if value in (None, "") and not required:
        return Decimal("0.00")
    amount = as_amount(value, field, minimum=None)
    assert amount is not None
    if amount < 0 or amount >= _MAX_AMOUNT:
        raise field_error(field, _("Enter an amount from 0 to 99,999,999.99."), value)
    return amount


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _person(person_id: Any, actor: Any, permission: str) -> Person:
    """The child, locked, if the actor sees it (``rehab.view``) and holds ``permission`` over it."""
    person = lock_for(actor, Person, person_id, view=VIEW)
    authorize(actor, permission, person.region_code)
    return person


def _institution(institution_id: Any, *, field: str = "institution") -> Institution:
    pk = _pk(institution_id)
    institution = Institution.objects.filter(pk=pk).first() if pk is not None else None
    if institution is None:
        raise field_error(field, _("Choose an institution."), institution_id)
    return institution


def _locked_plan(plan_id: Any, actor: Any, permission: str) -> RehabPlan:
    """The plan, locked, if the actor sees it and holds ``permission`` over it (attendance: also
    the staff of the plan's institution)."""
    plan = lock_for(actor, RehabPlan, plan_id, view=VIEW, related=("institution", "person", "enrollment"))
    authorize(actor, permission, plan.region_code, plan.institution_id if permission == ATTENDANCE else None)
    return plan


def _attendance_span(plan: RehabPlan) -> tuple[dt.date | None, dt.date | None]:
    span = Attendance.objects.filter(plan=plan).aggregate(first=Min("on"), last=Max("on"))
    return span["first"], span["last"]


def _therapist(therapist_id: Any, institution: Institution, on: dt.date) -> StaffMember | None:
    """The therapist in charge: staff of the plan's institution holding a valid certificate on ``on``
    ("no certificate, no duty"). None when not given."""
    if therapist_id in (None, ""):
        return None
    pk = _pk(therapist_id)
    staff = StaffMember.objects.filter(pk=pk).first() if pk is not None else None
    if staff is None or staff.institution_id != institution.pk:
        raise field_error(
            "therapist",
            _("The therapist must be a staff member of %(institution)s.") % {"institution": institution.name},
            therapist_id,
        )
    require_certified(staff, on, field="therapist")
    return staff


def designated_for(institution: Institution, category: str, on: dt.date) -> None:
    """The checks of the guardian's choice: a designated rehabilitation institution that takes new
    children (active or warned), serves the category and holds a service agreement valid on ``on``."""
    if institution.kind != InstitutionKind.REHAB:
        raise field_error(
            "institution",
            _("%(name)s is not a designated rehabilitation institution.") % {"name": institution.name},
            institution.pk,
        )
    require_open_for_new_people(institution, field="institution")
    if not institution.serves(category):
        raise field_error(
            "category",
            _("%(name)s does not serve %(category)s training.")
            % {"name": institution.name, "category": ServiceCategory(category).label},
            category,
        )
    if not ServiceAgreement.objects.filter(
        institution=institution, valid_from__lte=on, valid_until__gte=on
    ).exists():
        raise field_error(
            "institution",
            _("%(name)s has no service agreement valid on %(day)s.") % {"name": institution.name, "day": on},
            institution.pk,
        )
