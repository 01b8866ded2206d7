"""Writes of training: courses, their exam results entered as one table, and the staff certificates
issued to those who passed ("no certificate, no duty", rules.py). Audit event codes:
training.course_created, training.results_recorded, training.certificate_issued,
training.certificate_revoked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.actions._common import (
    TRAINING,
    VIEW,
    _row_error,
    _score,
    _text,
    _whole,
)
from canlian.core.institutions.actions.staff import locked_staff
from canlian.core.institutions.choices import StaffPost
from canlian.core.institutions.models import StaffCertificate, StaffMember, TrainingCourse, TrainingResult
from canlian.core.regions.models import Region
from canlian.platform.access import authorize, is_system, lock_for
from canlian.platform.dates import add_years
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied, RowError, ValidationFailed
from canlian.platform.inputs import as_date, field_error
from canlian.platform.numbering import NumberingExhausted, allocate_yearly, highest_sequence

#: Certificates are valid this many years when no course says otherwise.
DEFAULT_CERTIFICATE_YEARS = 3

COURSE_FIELDS = (
    "name",
    "region_code",
    "organiser",
    "posts",
    "starts_on",
    "ends_on",
    "hours",
    "pass_written",
    "pass_practical",
    "certificate_years",
)


def _posts(value: Any) -> str:
    if value in (None, ""):
        return ""
    items = value if isinstance(value, (list, tuple, set, frozenset)) else str(value).split(",")
    posts = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if item not in StaffPost.values:
            raise field_error("posts", _("Unknown post %(post)s.") % {"post": item}, item)
        if item not in posts:
            posts.append(item)
    return ",".join(posts)


@transaction.atomic
def training_course_create(*, actor: Any, **fields: Any) -> TrainingCourse:
    """Create a training course (training.manage in its region). Required: name, starts_on, ends_on;
    region_code defaults to the actor's own (widest) region."""
    if not (is_system(actor) or actor.has_canlian_perm(TRAINING)):
        raise PermissionDenied()
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be set here."))
    code = str(fields.get("region_code") or "").strip()
    if not code and not is_system(actor):
        prefixes = sorted(actor.scope_for(TRAINING).prefixes, key=len)
        code = prefixes[0] if prefixes else ""
    if not code:
        raise field_error("region_code", _("Choose the organising region."))
    if not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("Unknown region code %(code)s.") % {"code": code}, code)
    authorize(actor, TRAINING, code)
    starts = as_date(fields.get("starts_on"), "starts_on")
    ends = as_date(fields.get("ends_on"), "ends_on")
    assert starts is not None and ends is not None  # required: as_date raised otherwise
    if ends < starts:
        raise field_error("ends_on", _("The end cannot be before the start."), ends)
    pass_written = _score(fields.get("pass_written"), "pass_written")
    pass_practical = _score(fields.get("pass_practical"), "pass_practical")
    years = (
        _whole(fields.get("certificate_years"), "certificate_years", maximum=10) or DEFAULT_CERTIFICATE_YEARS
    )
    course = TrainingCourse.objects.create(
        name=_text(fields.get("name"), "name", 100, required=True),
        region_code=code,
        organiser=_text(fields.get("organiser"), "organiser", 100),
        posts=_posts(fields.get("posts")),
        starts_on=starts,
        ends_on=ends,
        hours=_whole(fields.get("hours"), "hours", maximum=2000),
        pass_written=Decimal("60") if pass_written is None else pass_written,
        pass_practical=Decimal("60") if pass_practical is None else pass_practical,
        certificate_years=years,
    )
    audit_record(
        actor=actor,
        event=EventType.COURSE_CREATED,
        obj=course,
        new={f: getattr(course, f) for f in COURSE_FIELDS},
    )
    return course


def locked_course(actor: Any, course_id: Any) -> TrainingCourse:
    """The course, locked: out of the actor's view NotFound; the actor must train in its region."""
    course = lock_for(actor, TrainingCourse, course_id, view=VIEW)
    authorize(actor, TRAINING, course.region_code)
    return course


@transaction.atomic
def training_results_record(
    *, actor: Any, course_id: Any, results: list[dict[str, Any]]
) -> list[TrainingResult]:
    """Record a course's written and practical exam results for many staff at once. All or nothing:
    every row is checked first, and the errors name the row, the staff member and the field.
    A row is ``{"staff_id", "written_score", "practical_score"}``; passed = both scores ≥ the
    course's pass marks. A staff member's earlier result in the course is replaced."""
    course = locked_course(actor, course_id)
    errors: list[RowError] = []
    seen: set[int] = set()
    ids = []
    for row in results:
        raw: Any = row.get("staff_id")  # whatever was sent: int() refuses what is no number
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            continue
    trainable = (
        StaffMember.objects.all() if is_system(actor) else StaffMember.objects.for_user(actor, TRAINING)
    )
    staff_by_id = {s.pk: s for s in trainable.select_related("institution").filter(pk__in=ids)}
    prepared: list[tuple[StaffMember, Decimal | None, Decimal | None]] = []
    for number, row in enumerate(results, start=1):
        raw_id: Any = row.get("staff_id")
        try:
            staff = staff_by_id.get(int(raw_id))
        except (TypeError, ValueError):
            staff = None
        if staff is None:
            errors.append(_row_error(number, "staff_id", _("Unknown staff member."), raw_id))
            continue
        if staff.pk in seen:
            errors.append(
                _row_error(number, "staff_id", _("This staff member is listed twice."), raw_id, staff.name)
            )
            continue
        seen.add(staff.pk)
        scores: list[Decimal | None] = []
        for field in ("written_score", "practical_score"):
            try:
                scores.append(_score(row.get(field), field, row=number, who=staff.name))
            except ValidationFailed as exc:
                errors.extend(exc.errors)
                scores.append(None)
        prepared.append((staff, scores[0], scores[1]))
    if not results:
        raise field_error("results", _("Enter at least one result."))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    saved = []
    now = timezone.now()
    for staff, written, practical in prepared:
        passed = (
            written is not None
            and practical is not None
            and written >= course.pass_written
            and practical >= course.pass_practical
        )
        result, _created = TrainingResult.objects.update_or_create(
            course=course,
            staff=staff,
            defaults={
                "written_score": written,
                "practical_score": practical,
                "passed": passed,
                "recorded_at": now,
            },
        )
        saved.append(result)
    audit_record(
        actor=actor,
        event=EventType.TRAINING_RESULTS_RECORDED,
        obj=course,
        new={
            "rows": len(saved),
            "passed": sum(1 for r in saved if r.passed),
            "staff": [r.staff_id for r in saved],
        },
    )
    return saved


# --- certificates ----------------------------------------------------------------------------------


def next_certificate_number(year: int) -> str:
    """KF<year><6-digit sequence>: one more than the highest such number of that year."""
    prefix = f"KF{year}"
    numbers = StaffCertificate.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    return f"{prefix}{highest_sequence(numbers, prefix, 6) + 1:06d}"


@transaction.atomic
def staff_certificate_issue(
    *, actor: Any, staff_id: Any, number: Any = None, issued_on: Any = None, course_id: Any = None
) -> StaffCertificate:
    """Issue a completion certificate (training.manage). With a course, only to a staff member who
    passed it; valid until issued_on + the course's certificate years (3 without a course). Without a
    number, the next ``KF<year><seq>`` is given."""
    staff = locked_staff(actor, staff_id)
    authorize(actor, TRAINING, staff.institution.region_code)
    day = as_date(issued_on, "issued_on", required=False) or timezone.localdate()
    years = DEFAULT_CERTIFICATE_YEARS
    course = None
    if course_id not in (None, ""):
        course = locked_course(actor, course_id)
        result = TrainingResult.objects.filter(course=course, staff=staff).first()
        if result is None:
            raise field_error(
                "course", _("%(name)s has no result in this course.") % {"name": staff.name}, course.name
            )
        if not result.passed:
            raise field_error(
                "course", _("%(name)s did not pass this course.") % {"name": staff.name}, course.name
            )
        if day < course.ends_on:
            raise field_error(
                "issued_on",
                _("A certificate cannot be issued before the course ends (%(day)s).")
                % {"day": course.ends_on},
                day,
            )
        years = course.certificate_years or DEFAULT_CERTIFICATE_YEARS
    until = add_years(day, years)
    given = _text(number, "number", 40)
    if given and StaffCertificate.objects.filter(number__iexact=given).exists():
        raise Conflict(_("The certificate number %(number)s is taken.") % {"number": given}, field="number")

    def create(number: str) -> StaffCertificate:
        return StaffCertificate.objects.create(
            staff=staff, course=course, number=number, issued_on=day, valid_until=until
        )

    if given:
        try:
            with transaction.atomic():
                certificate = create(given)
        except IntegrityError as exc:
            raise Conflict(
                _("The certificate number %(number)s is taken.") % {"number": given}, field="number"
            ) from exc
    else:
        prefix = f"KF{day.year}"
        try:
            certificate = allocate_yearly(
                next_sequence=lambda: int(next_certificate_number(day.year)[len(prefix) :]),
                create=lambda sequence: create(f"{prefix}{sequence:06d}"),
            )
        except NumberingExhausted as exc:
            raise Conflict(_("Could not allocate a certificate number; try again."), field="number") from exc
    audit_record(
        actor=actor,
        event=EventType.STAFF_CERTIFICATE_ISSUED,
        obj=certificate,
        region_code=staff.institution.region_code,
        new={
            "staff": staff.pk,
            "number": certificate.number,
            "course": course.pk if course else None,
            "issued_on": day,
            "valid_until": until,
        },
    )
    return certificate


@transaction.atomic
def staff_certificate_revoke(
    *, actor: Any, certificate_id: Any, on: Any = None, reason: str = ""
) -> StaffCertificate:
    """Revoke a staff certificate from ``on`` (default today); the holder is then not certified."""
    certificate = lock_for(
        actor, StaffCertificate, certificate_id, view=VIEW, related=("staff__institution",)
    )
    institution = certificate.staff.institution
    authorize(actor, TRAINING, institution.region_code)
    if certificate.revoked_on is not None:
        raise InvalidState(
            _("Certificate %(number)s was already revoked on %(day)s.")
            % {"number": certificate.number, "day": certificate.revoked_on}
        )
    day = as_date(on, "on", required=False) or timezone.localdate()
    certificate.revoked_on = day
    certificate.save(update_fields=["revoked_on"])
    audit_record(
        actor=actor,
        event=EventType.STAFF_CERTIFICATE_REVOKED,
        obj=certificate,
        region_code=institution.region_code,
        old={"revoked_on": None},
        new={"revoked_on": day, "reason": _text(reason, "reason", 300)},
    )
    return certificate


@transaction.atomic
def staff_certificates_issue_passed(
    *, actor: Any, course_id: Any, issued_on: Any = None
) -> list[StaffCertificate]:
    """Issue a certificate (generated number) to everyone who passed the course and holds none from
    it yet. All or nothing."""
    course = locked_course(actor, course_id)
    done = set(course.certificates.values_list("staff_id", flat=True))
    passed = course.results.filter(passed=True, staff__left_on__isnull=True).exclude(staff_id__in=done)
    if not is_system(actor):
        passed = passed.filter(staff_id__in=StaffMember.objects.for_user(actor, TRAINING).values("pk"))
    issued = []
    for result in passed.order_by("staff__institution_id", "staff__name", "staff_id"):
        issued.append(
            staff_certificate_issue(
                actor=actor, staff_id=result.staff_id, issued_on=issued_on, course_id=course.pk
            )
        )
    return issued
