"""Reads of institutions, staff, training and certificates. Every read goes through ``for_user``
(``InstitutionScopedQuerySet``): a federation user sees their region, an institution's staff their own
institution only. Lists, pages, the API and exports share these functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from canlian.core.institutions.choices import CERTIFIED_POSTS
from canlian.core.institutions.models import (
    Institution,
    InstitutionStatusChange,
    Qualification,
    ServiceAgreement,
    StaffCertificate,
    StaffCertificateQuerySet,
    StaffMember,
    TrainingCourse,
    TrainingResult,
)
from canlian.core.permissions import Perm
from canlian.platform import access


class CertificateStateAttrs(TypedDict):
    """What ``with_certificate_state`` annotates a staff row with."""

    cert_until: dt.date | None
    cert_any: bool


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A staff row read through ``with_certificate_state`` (``certificate_gaps``).
    StaffWithCertificateState = WithAnnotations[StaffMember, CertificateStateAttrs]

VIEW = Perm.INSTITUTIONS_VIEW
#: Days ahead in which a qualification, agreement or certificate counts as "expiring".
EXPIRING_DAYS = 60

#: Expiry filters of the institution list.
EXPIRY_FILTERS = {
    "qualification_expiring": _("Qualification expiring"),
    "qualification_expired": _("Qualification expired"),
    "agreement_expiring": _("Agreement expiring"),
    "agreement_expired": _("Agreement expired or missing"),
}

#: Certificate situations of staff in certified posts.
MISSING = "missing"
EXPIRING = "expiring"
EXPIRED = "expired"
CERTIFICATE_STATES = {
    MISSING: pgettext_lazy("staff certificate", "No certificate"),
    EXPIRING: pgettext_lazy("staff certificate", "Certificate expiring"),
    EXPIRED: _("Certificate expired or revoked"),
}


# --- institutions ----------------------------------------------------------------------------------


def _qualification_expired_q(on: dt.date) -> Q:
    """Some kind of licence has expired and no licence of that kind is valid beyond ``on``."""
    renewed = Qualification.objects.filter(institution=OuterRef("institution"), kind=OuterRef("kind")).filter(
        Q(valid_until__gte=on) | Q(valid_until__isnull=True)
    )
    lapsed = Qualification.objects.filter(institution=OuterRef("pk"), valid_until__lt=on).exclude(
        Exists(renewed)
    )
    return Q(Exists(lapsed))


def _qualification_expiring_q(on: dt.date, until: dt.date) -> Q:
    later = Qualification.objects.filter(institution=OuterRef("institution"), kind=OuterRef("kind")).filter(
        Q(valid_until__gt=until) | Q(valid_until__isnull=True)
    )
    soon = Qualification.objects.filter(
        institution=OuterRef("pk"), valid_until__gte=on, valid_until__lte=until
    ).exclude(Exists(later))
    return Q(Exists(soon))


def with_agreement_until(qs: QuerySet) -> QuerySet:
    latest = (
        ServiceAgreement.objects.filter(institution=OuterRef("pk"))
        .order_by("-valid_until")
        .values("valid_until")[:1]
    )
    return qs.annotate(agreement_until=Subquery(latest))


def institutions_visible(
    *,
    user: Any,
    kind: str = "",
    status: str = "",
    region_code: str = "",
    category: str = "",
    expiry: str = "",
    q: str = "",
    on: dt.date | None = None,
    days: int = EXPIRING_DAYS,
    action: str = VIEW,
) -> QuerySet[Institution]:
    """Institutions the user sees, filtered; each row annotated with ``agreement_until``."""
    on = on or timezone.localdate()
    until = on + dt.timedelta(days=days)
    qs = with_agreement_until(Institution.objects.for_user(user, action))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if category:
        qs = qs.filter(Q(categories__contains=category) | Q(categories=""))
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(code__icontains=q) | Q(operator__contains=q))
    if expiry == "qualification_expired":
        qs = qs.filter(_qualification_expired_q(on))
    elif expiry == "qualification_expiring":
        qs = qs.filter(_qualification_expiring_q(on, until))
    elif expiry == "agreement_expired":
        qs = qs.filter(Q(agreement_until__lt=on) | Q(agreement_until__isnull=True))
    elif expiry == "agreement_expiring":
        qs = qs.filter(agreement_until__gte=on, agreement_until__lte=until)
    return qs


def institution_get(*, user: Any, institution_id: Any, action: str = VIEW) -> Institution:
    return Institution.objects.get_for_user(user, action, pk=institution_id)


def status_history(*, institution: Institution) -> QuerySet[InstitutionStatusChange]:
    return institution.status_changes.select_related("actor").order_by("-on", "-id")


def may(*, user: Any, permission: str, institution: Institution) -> bool:
    """Whether the user holds ``permission`` over this institution (its region, or it is their own)."""
    return access.may(user, permission, institution.region_code, institution.pk)


@dataclass(frozen=True)
class InstitutionRights:
    manage: bool
    staff: bool
    training: bool
    set_status: bool


def rights(*, user: Any, institution: Institution) -> InstitutionRights:
    manage = may(user=user, permission=Perm.INSTITUTIONS_MANAGE, institution=institution)
    return InstitutionRights(
        manage=manage,
        staff=manage or may(user=user, permission=Perm.INSTITUTIONS_STAFF, institution=institution),
        training=may(user=user, permission=Perm.TRAINING_MANAGE, institution=institution),
        set_status=manage or may(user=user, permission=Perm.SUPERVISION_INSPECT, institution=institution),
    )


# --- staff -----------------------------------------------------------------------------------------


def staff_visible(
    *,
    user: Any,
    institution_id: Any = None,
    post: str = "",
    current: bool | None = True,
    q: str = "",
    action: str = VIEW,
) -> QuerySet[StaffMember]:
    qs = StaffMember.objects.for_user(user, action).select_related("institution")
    if institution_id not in (None, ""):
        qs = qs.filter(institution_id=institution_id)
    if post:
        qs = qs.filter(post=post)
    if current is True:
        qs = qs.filter(left_on__isnull=True)
    elif current is False:
        qs = qs.filter(left_on__isnull=False)
    if q:
        qs = qs.filter(name__contains=q.strip())
    return qs


def staff_get(*, user: Any, staff_id: Any, action: str = VIEW) -> StaffMember:
    return StaffMember.objects.select_related("institution").get_for_user(user, action, pk=staff_id)


def with_certificate_state(qs: QuerySet[StaffMember], on: dt.date) -> QuerySet[StaffWithCertificateState]:
    """Annotate ``cert_until`` (the latest valid_until of an unrevoked certificate issued by ``on``)
    and ``cert_any`` (holds any certificate at all, revoked or not)."""
    best = (
        StaffCertificate.objects.filter(staff=OuterRef("pk"), revoked_on__isnull=True, issued_on__lte=on)
        .order_by("-valid_until")
        .values("valid_until")[:1]
    )
    return qs.annotate(
        cert_until=Subquery(best),
        cert_any=Exists(StaffCertificate.objects.filter(staff=OuterRef("pk"))),
    )


def certificate_gaps(
    *,
    user: Any,
    state: str = "",
    on: dt.date | None = None,
    days: int = EXPIRING_DAYS,
    institution_id: Any = None,
    region_code: str = "",
) -> QuerySet[StaffWithCertificateState]:
    """Current staff in certified posts (CERTIFIED_POSTS) whose certificate is missing, expiring within
    ``days`` or expired/revoked on ``on``; ``state`` narrows to one of them (all three by default)."""
    on = on or timezone.localdate()
    until = on + dt.timedelta(days=days)
    qs = staff_visible(user=user, institution_id=institution_id).filter(post__in=sorted(CERTIFIED_POSTS))
    if region_code:
        qs = qs.filter(institution__region_code__startswith=region_code)
    qs = with_certificate_state(qs, on)
    missing = Q(cert_any=False)
    expired = Q(cert_any=True) & (Q(cert_until__isnull=True) | Q(cert_until__lt=on))
    expiring = Q(cert_until__gte=on, cert_until__lte=until)
    wanted = {MISSING: missing, EXPIRED: expired, EXPIRING: expiring}
    qs = qs.filter(wanted[state]) if state in wanted else qs.filter(missing | expired | expiring)
    return qs.order_by("institution__region_code", "institution__name", "name", "pk")


def certificate_state(staff: Any, on: dt.date, days: int = EXPIRING_DAYS) -> str:
    """The state of an annotated staff row (``with_certificate_state``): missing, expired, expiring or ""."""
    if not staff.cert_any:
        return MISSING
    if staff.cert_until is None or staff.cert_until < on:
        return EXPIRED
    if staff.cert_until <= on + dt.timedelta(days=days):
        return EXPIRING
    return ""


# --- training and certificates ---------------------------------------------------------------------


def courses_visible(*, user: Any, q: str = "", action: str = VIEW) -> QuerySet[TrainingCourse]:
    ids = TrainingCourse.objects.for_user(user, action).values("pk")
    qs = TrainingCourse.objects.filter(pk__in=ids)
    if q:
        qs = qs.filter(name__contains=q.strip())
    return qs


def course_get(*, user: Any, course_id: Any, action: str = VIEW) -> TrainingCourse:
    from canlian.platform.errors import NotFound

    try:
        return courses_visible(user=user, action=action).get(pk=course_id)
    except (TrainingCourse.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def course_results(*, user: Any, course: TrainingCourse) -> QuerySet[TrainingResult]:
    """The course's results the user may see (an institution's staff: their own colleagues only)."""
    visible = StaffMember.objects.for_user(user, VIEW).values("pk")
    return (
        course.results.filter(staff_id__in=visible)
        .select_related("staff", "staff__institution")
        .order_by("staff__institution__name", "staff__name")
    )


def course_candidates(*, user: Any, course: TrainingCourse) -> QuerySet[StaffMember]:
    """Staff a course's results may be entered for: current staff of institutions in the course's
    region that the user may train, in the course's posts (any post when the course names none)."""
    qs = staff_visible(user=user, action=Perm.TRAINING_MANAGE).filter(
        institution__region_code__startswith=course.region_code
    )
    posts = [p for p in course.posts.split(",") if p]
    if posts:
        qs = qs.filter(post__in=posts)
    return qs.order_by("institution__name", "name")


def certificates_visible(
    *, user: Any, staff_id: Any = None, q: str = "", valid_on: dt.date | None = None
) -> QuerySet[StaffCertificate]:
    # ``for_user`` is annotated with the base ``RegionScopedQuerySet``, not the model's own queryset.
    qs = cast(
        StaffCertificateQuerySet,
        StaffCertificate.objects.for_user(user, VIEW).select_related("staff", "staff__institution", "course"),
    )
    if staff_id not in (None, ""):
        qs = qs.filter(staff_id=staff_id)
    if q:
        qs = qs.filter(Q(number__icontains=q.strip()) | Q(staff__name__contains=q.strip()))
    if valid_on is not None:
        qs = qs.valid_on(valid_on)
    return qs


def certificate_get(*, user: Any, certificate_id: Any) -> StaffCertificate:
    return StaffCertificate.objects.select_related("staff", "staff__institution", "course").get_for_user(
        user, VIEW, pk=certificate_id
    )


def qualifications_expiring(*, institution: Institution, on: dt.date, days: int = EXPIRING_DAYS) -> list[int]:
    """Ids of the institution's qualifications expiring within ``days`` of ``on`` (for badges)."""
    until = on + dt.timedelta(days=days)
    return list(
        institution.qualifications.filter(valid_until__gte=on, valid_until__lte=until).values_list(
            "pk", flat=True
        )
    )
