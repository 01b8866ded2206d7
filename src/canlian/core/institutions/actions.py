"""Writes of institutions, their staff, training and certificates. Each action is atomic, checks the
actor's permission and scope inside its transaction (a federation user by region, an institution's
staff for their own institution only), records its audit row there and raises typed errors
(canlian.platform.errors). ``actor=None`` is the operator at the command line.

Audit event codes: institution.created, institution.updated, institution.status_changed,
institution.rated, institution.qualification_recorded, institution.agreement_recorded, staff.added,
staff.updated, staff.left, staff.sign_in_created, training.course_created, training.results_recorded,
training.certificate_issued, training.certificate_revoked.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.accounts.models import ApiToken, RoleAssignment, User
from canlian.core.accounts.roles import Perm, Role
from canlian.core.audit.actions import audit_changes, audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.choices import (
    InstitutionKind,
    InstitutionStatus,
    QualificationKind,
    ServiceCategory,
    StaffPost,
)
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
from canlian.core.regions.choices import RegionLevel
from canlian.core.regions.models import Region
from canlian.core.registry.identity import normalize_phone, parse_resident_id
from canlian.platform.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    RowError,
    ValidationFailed,
)
from canlian.platform.scoping import assert_in_institution_scope, institutions_of, scope_of

VIEW = Perm.INSTITUTIONS_VIEW
MANAGE = Perm.INSTITUTIONS_MANAGE
STAFF = Perm.INSTITUTIONS_STAFF
TRAINING = Perm.TRAINING_MANAGE
INSPECT = Perm.SUPERVISION_INSPECT

#: Certificates are valid this many years when no course says otherwise.
DEFAULT_CERTIFICATE_YEARS = 3
#: Levels an institution may sit at: a county (district) or a township (street).
INSTITUTION_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
#: Fields only the federation (institutions.manage) may change; an institution's own staff may not.
FEDERATION_FIELDS = ("code", "kind", "region_code", "credit_code", "operator", "capacity", "categories")

_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


# --- helpers ---------------------------------------------------------------------------------------


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        errors=[
            RowError(row=None, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _has(actor: Any, permission: str) -> bool:
    return actor is None or actor.has_canlian_perm(permission)


def _check(actor: Any, permission: str, region_code: str, institution_id: int | None = None) -> None:
    if actor is None:
        return
    if not actor.has_canlian_perm(permission):
        raise PermissionDenied()
    assert_in_institution_scope(actor, permission, region_code, institution_id)


def _may(actor: Any, permission: str, region_code: str, institution_id: int | None = None) -> bool:
    """Whether the actor holds ``permission`` over this region or institution (no exception)."""
    if actor is None:
        return True
    if not actor.has_canlian_perm(permission):
        return False
    if institution_id is not None and institution_id in institutions_of(actor, permission):
        return True
    return scope_of(actor, permission).contains(region_code)


def _visible(actor: Any, institution: Institution) -> None:
    """Out of the actor's view scope is NotFound (like missing), before any permission check."""
    if actor is not None and not _may(actor, VIEW, institution.region_code, institution.pk):
        raise NotFound()


def _date(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise _fail(field, _("This field is required."))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise _fail(field, _("Enter a date as YYYY-MM-DD."), value) from exc


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise _fail(field, _("This field is required."))
    if len(text) > max_length:
        raise _fail(
            field, _("At most %(n)s characters (this has %(m)s).") % {"n": max_length, "m": len(text)}, text
        )
    return text


def _score(value: Any, field: str, *, row: int | None = None, who: str = "") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(
            errors=[_row_error(row, field, _("Enter a number from 0 to 100."), value, who)], field=field
        ) from exc
    if not score.is_finite() or score < 0 or score > 100:
        raise ValidationFailed(
            errors=[_row_error(row, field, _("Enter a number from 0 to 100."), value, who)], field=field
        )
    return score.quantize(Decimal("0.1"))


def _row_error(row: int | None, field: str, message: Any, value: Any = None, who: str = "") -> RowError:
    text = f"{who}: {message}" if who else str(message)
    return RowError(row=row, field=field, message=text, value=None if value is None else str(value))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _jsonable_dict(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def check_credit_code(raw: Any, field: str = "credit_code") -> str:
    """Normalise and check a unified social credit code (统一社会信用代码); "" stays "".

    python-stdnum's ``cn.uscc`` rejects codes whose first character (the registering authority) is a
    letter, though N (agricultural co-operatives) and Y (trade unions) are real authorities. For those we
    accept a well-formed code by computing the GB 32100-2015 check character ourselves.
    """
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum
    from stdnum.exceptions import ValidationError as StdnumError

    code = re.sub(r"[\s\u3000-]", "", str(raw or "")).upper()
    if not code:
        return ""
    if len(code) != 18:
        raise _fail(
            field,
            _("A unified social credit code has 18 characters; this one has %(n)s.") % {"n": len(code)},
            code,
        )
    if not _USCC.match(code):
        raise _fail(
            field, _("A unified social credit code has digits and capital letters (not I, O, S, V, Z)."), code
        )
    if code[0] in "NY":
        # stdnum refuses these authorities outright; the check character rule is the same.
        if uscc.calc_check_digit(code[:17]) != code[17]:
            raise _fail(field, _("The credit code's check character is wrong (typing error?)."), code)
        return code
    try:
        return uscc.validate(code)
    except StdnumError as exc:
        if isinstance(exc, InvalidChecksum):
            raise _fail(
                field, _("The credit code's check character is wrong (typing error?)."), code
            ) from exc
        raise _fail(field, _("This is not a valid unified social credit code."), code) from exc


def _region(code: Any, actor: Any, permission: str) -> Region:
    code = str(code or "").strip()
    if not code:
        raise _fail("region_code", _("Choose the region the institution sits in."))
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise _fail("region_code", _("Unknown region code %(code)s.") % {"code": code}, code)
    if region.level not in INSTITUTION_LEVELS:
        raise _fail(
            "region_code",
            _("Choose a county (district) or a township (street), not %(name)s.") % {"name": region.name},
            code,
        )
    if not region.is_active():
        raise _fail("region_code", _("The region %(name)s is abolished.") % {"name": region.name}, code)
    if actor is not None and not scope_of(actor, permission).contains(region.code):
        raise _fail(
            "region_code", _("The region %(name)s is outside your scope.") % {"name": region.name}, code
        )
    return region


def _categories(value: Any) -> str:
    if value in (None, ""):
        return ""
    items = (
        list(value) if isinstance(value, (list, tuple, set, frozenset)) else list(str(value).replace(",", ""))
    )
    codes = set()
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        if item not in ServiceCategory.values:
            raise _fail("categories", _("Unknown service category %(code)s.") % {"code": item}, item)
        codes.add(item)
    return "".join(sorted(codes))


def _whole(value: Any, field: str, *, maximum: int = 100000) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise _fail(field, _("Enter a whole number."), value) from exc
    if n < 0 or n > maximum:
        raise _fail(field, _("Enter a number from 0 to %(max)s.") % {"max": maximum}, value)
    return n


def _phone(value: Any, field: str) -> str:
    try:
        return normalize_phone(str(value or ""))
    except ValueError as exc:
        raise _fail(field, exc, value) from exc


def _choice(value: Any, field: str, choices: Any) -> str:
    value = str(value or "").strip()
    if value not in choices.values:
        raise _fail(field, _("Choose one of the listed values."), value)
    return value


def _locked_institution(institution_id: Any, actor: Any) -> Institution:
    try:
        institution = Institution.objects.select_for_update().filter(pk=institution_id).first()
    except (TypeError, ValueError):
        institution = None
    if institution is None:
        raise NotFound()
    _visible(actor, institution)
    return institution


INSTITUTION_FIELDS = (
    "code",
    "name",
    "kind",
    "region_code",
    "address",
    "operator",
    "credit_code",
    "contact_name",
    "contact_phone",
    "capacity",
    "categories",
    "bank_name",
    "bank_account",
    "account_holder",
)


def _clean_institution(fields: dict[str, Any], actor: Any, permission: str) -> dict[str, Any]:
    """Validate the given institution fields (only those present); each error names its field."""
    unknown = set(fields) - set(INSTITUTION_FIELDS)
    if unknown:
        raise _fail(sorted(unknown)[0], _("This field cannot be set here."))
    clean: dict[str, Any] = {}
    lengths = {
        "code": 30,
        "name": 100,
        "address": 200,
        "operator": 100,
        "contact_name": 50,
        "bank_name": 60,
        "bank_account": 40,
        "account_holder": 100,
    }
    for name, value in fields.items():
        if name in lengths:
            clean[name] = _text(value, name, lengths[name], required=name in ("code", "name"))
        elif name == "kind":
            clean[name] = _choice(value, name, InstitutionKind)
        elif name == "region_code":
            clean[name] = _region(value, actor, permission).code
        elif name == "credit_code":
            clean[name] = check_credit_code(value)
        elif name == "contact_phone":
            clean[name] = _phone(value, name)
        elif name == "capacity":
            clean[name] = _whole(value, name)
        elif name == "categories":
            clean[name] = _categories(value)
    if "bank_account" in clean:
        clean["bank_account"] = re.sub(r"\s", "", clean["bank_account"])
        if clean["bank_account"] and not clean["bank_account"].isdigit():
            raise _fail("bank_account", _("A bank account number has digits only."), clean["bank_account"])
    return clean


# --- institutions ----------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: Any, **fields: Any) -> Institution:
    """Register an institution (institutions.manage in its region). Required: code, name, kind,
    region_code. Status starts active, with an "active" history row."""
    if not _has(actor, MANAGE):
        raise PermissionDenied()
    for required in ("code", "name", "kind", "region_code"):
        fields.setdefault(required, "")
    clean = _clean_institution(fields, actor, MANAGE)
    if Institution.objects.filter(code__iexact=clean["code"]).exists():
        raise Conflict(_("The code %(code)s is taken.") % {"code": clean["code"]}, field="code")
    if clean.get("credit_code") and Institution.objects.filter(credit_code=clean["credit_code"]).exists():
        raise Conflict(
            _("An institution with the credit code %(code)s is already registered.")
            % {"code": clean["credit_code"]},
            field="credit_code",
        )
    today = timezone.localdate()
    try:
        with transaction.atomic():
            institution = Institution.objects.create(
                **clean,
                status=InstitutionStatus.ACTIVE,
                status_since=today,
                created_by=actor if isinstance(actor, User) else None,
            )
    except IntegrityError as exc:
        raise Conflict(_("The code %(code)s is taken.") % {"code": clean["code"]}, field="code") from exc
    InstitutionStatusChange.objects.create(
        institution=institution,
        from_status="",
        to_status=InstitutionStatus.ACTIVE,
        on=today,
        reason=_("Registered"),
        actor=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        event=EventType.INSTITUTION_CREATED,
        obj=institution,
        new=_jsonable_dict(institution, INSTITUTION_FIELDS),
    )
    return institution


@transaction.atomic
def institution_update(*, actor: Any, institution_id: Any, **fields: Any) -> Institution:
    """Edit an institution's profile. The federation (institutions.manage) edits everything; the
    institution's own staff (institutions.staff) edit their contact, address and bank fields."""
    institution = _locked_institution(institution_id, actor)
    if _may(actor, MANAGE, institution.region_code):
        permission = MANAGE
    elif _may(actor, STAFF, institution.region_code, institution.pk):
        permission = STAFF
        forbidden = [
            f
            for f in FEDERATION_FIELDS
            if f in fields and str(fields[f] or "") != str(getattr(institution, f) or "")
        ]
        if forbidden:
            raise PermissionDenied(
                _("Only the federation may change %(field)s.") % {"field": forbidden[0]},
                code="federation_field",
            )
        fields = {k: v for k, v in fields.items() if k not in FEDERATION_FIELDS}
    else:
        if actor is not None and not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(STAFF)):
            raise PermissionDenied()
        raise NotFound()
    clean = _clean_institution(fields, actor, permission)
    if (
        "code" in clean
        and Institution.objects.filter(code__iexact=clean["code"]).exclude(pk=institution.pk).exists()
    ):
        raise Conflict(_("The code %(code)s is taken.") % {"code": clean["code"]}, field="code")
    before = _jsonable_dict(institution, INSTITUTION_FIELDS)
    for name, value in clean.items():
        setattr(institution, name, value)
    institution.updated_at = timezone.now()
    institution.save()
    old, new = audit_changes(before, _jsonable_dict(institution, INSTITUTION_FIELDS))
    if new:
        audit_record(actor=actor, event=EventType.INSTITUTION_UPDATED, obj=institution, old=old, new=new)
    return institution


@transaction.atomic
def institution_set_status(
    *, actor: Any, institution_id: Any, status: str, reason: str, on: Any = None, source: str = ""
) -> InstitutionStatusChange:
    """Change an institution's status (dynamic management: active, warned, suspended, removed) with a
    history row. Allowed with institutions.manage or supervision.inspect in the institution's region
    (supervision escalates through it, with ``source`` e.g. "notice:12")."""
    institution = _locked_institution(institution_id, actor)
    if actor is not None:
        if not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(INSPECT)):
            raise PermissionDenied()
        if not (
            _may(actor, MANAGE, institution.region_code) or _may(actor, INSPECT, institution.region_code)
        ):
            raise NotFound()
    status = _choice(status, "status", InstitutionStatus)
    reason = _text(reason, "reason", 300, required=True)
    day = _date(on, "on", required=False) or timezone.localdate()
    if status == institution.status:
        raise InvalidState(
            _("%(name)s is already %(status)s.")
            % {"name": institution.name, "status": institution.get_status_display()},
            code="same_status",
        )
    change = InstitutionStatusChange.objects.create(
        institution=institution,
        from_status=institution.status,
        to_status=status,
        on=day,
        reason=reason,
        source=_text(source, "source", 40),
        actor=actor if isinstance(actor, User) else None,
    )
    old = {"status": institution.status, "status_since": institution.status_since}
    institution.status = status
    institution.status_since = day
    institution.updated_at = timezone.now()
    institution.save(update_fields=["status", "status_since", "updated_at"])
    audit_record(
        actor=actor,
        event=EventType.INSTITUTION_STATUS_CHANGED,
        obj=institution,
        old=old,
        new={"status": status, "status_since": day, "reason": reason, "source": change.source},
    )
    return change


@transaction.atomic
def institution_set_rating(*, actor: Any, institution_id: Any, score: Any, on: Any) -> Institution:
    """Store the standardisation rating (0–100) from a scored inspection (supervision.inspect)."""
    institution = _locked_institution(institution_id, actor)
    _check(actor, INSPECT, institution.region_code)
    value = _score(score, "score")
    if value is None:
        raise _fail("score", _("This field is required."))
    day = _date(on, "on")
    old = {"rating_score": institution.rating_score, "rated_on": institution.rated_on}
    institution.rating_score = value
    institution.rated_on = day
    institution.save(update_fields=["rating_score", "rated_on"])
    audit_record(
        actor=actor,
        event=EventType.INSTITUTION_RATED,
        obj=institution,
        old=old,
        new={"rating_score": value, "rated_on": day},
    )
    return institution


def _clean_dates(valid_from: Any, valid_until: Any, *, from_required: bool) -> tuple[Any, Any]:
    start = _date(valid_from, "valid_from", required=from_required)
    end = _date(valid_until, "valid_until", required=from_required)
    if start and end and end < start:
        raise _fail("valid_until", _("The end cannot be before the start."), end)
    return start, end


@transaction.atomic
def qualification_add(
    *,
    actor: Any,
    institution_id: Any,
    kind: str,
    number: str,
    issued_by: str = "",
    valid_from: Any = None,
    valid_until: Any = None,
    attachment: Any = None,
) -> Qualification:
    """Record a licence the institution holds (institutions.manage)."""
    institution = _locked_institution(institution_id, actor)
    _check(actor, MANAGE, institution.region_code)
    kind = _choice(kind, "kind", QualificationKind)
    number = _text(number, "number", 60, required=True)
    start, end = _clean_dates(valid_from, valid_until, from_required=False)
    if Qualification.objects.filter(institution=institution, kind=kind, number=number).exists():
        raise Conflict(_("This qualification is already recorded."), field="number")
    qualification = Qualification.objects.create(
        institution=institution,
        kind=kind,
        number=number,
        issued_by=_text(issued_by, "issued_by", 100),
        valid_from=start,
        valid_until=end,
        **({"attachment": attachment} if attachment else {}),
    )
    audit_record(
        actor=actor,
        event=EventType.QUALIFICATION_RECORDED,
        obj=qualification,
        region_code=institution.region_code,
        new={"institution": institution.pk, "kind": kind, "number": number, "valid_until": end},
    )
    return qualification


@transaction.atomic
def agreement_add(
    *,
    actor: Any,
    institution_id: Any,
    number: str,
    valid_from: Any,
    valid_until: Any,
    services: str = "",
    signed_on: Any = None,
    attachment: Any = None,
) -> ServiceAgreement:
    """Record a service agreement with its period (institutions.manage)."""
    institution = _locked_institution(institution_id, actor)
    _check(actor, MANAGE, institution.region_code)
    number = _text(number, "number", 60, required=True)
    start, end = _clean_dates(valid_from, valid_until, from_required=True)
    if ServiceAgreement.objects.filter(institution=institution, number=number).exists():
        raise Conflict(_("An agreement with this number is already recorded."), field="number")
    agreement = ServiceAgreement.objects.create(
        institution=institution,
        number=number,
        services=_text(services, "services", 200),
        signed_on=_date(signed_on, "signed_on", required=False),
        valid_from=start,
        valid_until=end,
        **({"attachment": attachment} if attachment else {}),
    )
    audit_record(
        actor=actor,
        event=EventType.AGREEMENT_RECORDED,
        obj=agreement,
        region_code=institution.region_code,
        new={"institution": institution.pk, "number": number, "valid_from": start, "valid_until": end},
    )
    return agreement


# --- staff -----------------------------------------------------------------------------------------

STAFF_FIELDS = ("name", "id_number", "phone", "post", "title", "hired_on")


def _check_staff_writer(actor: Any, institution: Institution) -> None:
    """The federation (institutions.manage, region) or the institution's own staff (institutions.staff)."""
    if actor is None:
        return
    if not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(STAFF)):
        raise PermissionDenied()
    if _may(actor, MANAGE, institution.region_code) or _may(
        actor, STAFF, institution.region_code, institution.pk
    ):
        return
    raise NotFound()


def _clean_staff(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise _fail(sorted(unknown)[0], _("This field cannot be set here."))
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            clean[name] = _text(value, name, 50, required=True)
        elif name == "id_number":
            raw = str(value or "").strip()
            if raw:
                try:
                    clean[name] = parse_resident_id(raw).number
                except ValueError as exc:
                    raise _fail(name, exc, raw) from exc
            else:
                clean[name] = ""
        elif name == "phone":
            clean[name] = _phone(value, name)
        elif name == "post":
            clean[name] = _choice(value, name, StaffPost)
        elif name == "title":
            clean[name] = _text(value, name, 60)
        elif name == "hired_on":
            clean[name] = _date(value, name, required=False)
    return clean


def _staff_values(staff: StaffMember) -> dict[str, Any]:
    return {f: getattr(staff, f) for f in (*STAFF_FIELDS, "left_on")}


@transaction.atomic
def staff_add(*, actor: Any, institution_id: Any, **fields: Any) -> StaffMember:
    """Add a staff member (name, post required; id_number, phone, title, hired_on optional)."""
    institution = _locked_institution(institution_id, actor)
    _check_staff_writer(actor, institution)
    fields.setdefault("name", "")
    fields.setdefault("post", "")
    clean = _clean_staff(fields)
    if (
        clean.get("id_number")
        and StaffMember.objects.filter(
            institution=institution, id_number=clean["id_number"], left_on__isnull=True
        ).exists()
    ):
        raise Conflict(_("A current staff member has this ID number."), field="id_number")
    staff = StaffMember.objects.create(institution=institution, **clean)
    audit_record(
        actor=actor,
        event=EventType.STAFF_ADDED,
        obj=staff,
        region_code=institution.region_code,
        new={"institution": institution.pk, **_staff_values(staff)},
    )
    return staff


def _locked_staff(staff_id: Any, actor: Any) -> StaffMember:
    try:
        staff = (
            StaffMember.objects.select_for_update().select_related("institution").filter(pk=staff_id).first()
        )
    except (TypeError, ValueError):
        staff = None
    if staff is None:
        raise NotFound()
    _visible(actor, staff.institution)
    return staff


@transaction.atomic
def staff_update(*, actor: Any, staff_id: Any, **fields: Any) -> StaffMember:
    staff = _locked_staff(staff_id, actor)
    _check_staff_writer(actor, staff.institution)
    clean = _clean_staff(fields)
    if (
        clean.get("id_number")
        and StaffMember.objects.filter(
            institution_id=staff.institution_id, id_number=clean["id_number"], left_on__isnull=True
        )
        .exclude(pk=staff.pk)
        .exists()
    ):
        raise Conflict(_("A current staff member has this ID number."), field="id_number")
    before = _staff_values(staff)
    for name, value in clean.items():
        setattr(staff, name, value)
    staff.save()
    old, new = audit_changes(before, _staff_values(staff))
    if new:
        audit_record(
            actor=actor,
            event=EventType.STAFF_UPDATED,
            obj=staff,
            region_code=staff.institution.region_code,
            old=old,
            new=new,
        )
    return staff


@transaction.atomic
def staff_leave(*, actor: Any, staff_id: Any, left_on: Any = None) -> StaffMember:
    """Record that a staff member left (default today). Their sign-in, if any, is deactivated."""
    staff = _locked_staff(staff_id, actor)
    _check_staff_writer(actor, staff.institution)
    if staff.left_on is not None:
        raise InvalidState(
            _("%(name)s already left on %(day)s.") % {"name": staff.name, "day": staff.left_on}
        )
    day = _date(left_on, "left_on", required=False) or timezone.localdate()
    if staff.hired_on and day < staff.hired_on:
        raise _fail("left_on", _("The leaving date cannot be before the hiring date."), day)
    staff.left_on = day
    staff.save(update_fields=["left_on"])
    if staff.user_id:
        user = User.objects.select_for_update().get(pk=staff.user_id)
        if user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        event=EventType.STAFF_LEFT,
        obj=staff,
        region_code=staff.institution.region_code,
        old={"left_on": None},
        new={"left_on": day, "sign_in_deactivated": bool(staff.user_id)},
    )
    return staff


@transaction.atomic
def staff_create_sign_in(*, actor: Any, staff_id: Any, username: str, password: str) -> User:
    """Create a sign-in for a staff member (institutions.manage): a user holding the role
    institution_staff bound to the staff member's institution, so it reaches that institution only.
    The password must pass the same validators as every other account's."""
    staff = _locked_staff(staff_id, actor)
    institution = staff.institution
    _check(actor, MANAGE, institution.region_code)
    if staff.left_on is not None:
        raise InvalidState(_("%(name)s has left the institution.") % {"name": staff.name})
    if staff.user_id is not None:
        raise Conflict(_("%(name)s already has a sign-in.") % {"name": staff.name}, field="username")
    username = _text(username, "username", 150, required=True)
    if not re.fullmatch(r"[\w.@+-]+", username):
        raise _fail("username", _("Use letters, digits and @ . + - _ only."), username)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username")
    region = Region.objects.filter(code=institution.region_code).first()
    if region is None:
        raise InvalidState(
            _("The institution's region %(code)s is unknown.") % {"code": institution.region_code}
        )
    user = User(username=username, display_name=staff.name, phone=staff.phone)
    try:
        validate_password(password or "", user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password", code="weak_password") from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("The user name %(name)s is taken.") % {"name": username}, field="username") from exc
    RoleAssignment.objects.create(
        user=user,
        role=Role.INSTITUTION_STAFF,
        region=region,
        region_code=institution.region_code,
        institution=institution,
        created_by=actor if isinstance(actor, User) else None,
    )
    staff.user = user
    staff.save(update_fields=["user"])
    audit_record(
        actor=actor,
        event=EventType.STAFF_SIGN_IN_CREATED,
        obj=staff,
        region_code=institution.region_code,
        new={
            "username": username,
            "user": user.pk,
            "role": Role.INSTITUTION_STAFF,
            "institution": institution.pk,
        },
    )
    return user


# --- training --------------------------------------------------------------------------------------

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
            raise _fail("posts", _("Unknown post %(post)s.") % {"post": item}, item)
        if item not in posts:
            posts.append(item)
    return ",".join(posts)


@transaction.atomic
def course_create(*, actor: Any, **fields: Any) -> TrainingCourse:
    """Create a training course (training.manage in its region). Required: name, starts_on, ends_on;
    region_code defaults to the actor's own (widest) region."""
    if not _has(actor, TRAINING):
        raise PermissionDenied()
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise _fail(sorted(unknown)[0], _("This field cannot be set here."))
    code = str(fields.get("region_code") or "").strip()
    if not code and actor is not None:
        prefixes = sorted(scope_of(actor, TRAINING).prefixes, key=len)
        code = prefixes[0] if prefixes else ""
    if not code:
        raise _fail("region_code", _("Choose the organising region."))
    if not Region.objects.filter(code=code).exists():
        raise _fail("region_code", _("Unknown region code %(code)s.") % {"code": code}, code)
    _check(actor, TRAINING, code)
    starts = _date(fields.get("starts_on"), "starts_on")
    ends = _date(fields.get("ends_on"), "ends_on")
    if ends < starts:
        raise _fail("ends_on", _("The end cannot be before the start."), ends)
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


def _locked_course(course_id: Any, actor: Any) -> TrainingCourse:
    try:
        course = TrainingCourse.objects.select_for_update().filter(pk=course_id).first()
    except (TypeError, ValueError):
        course = None
    if course is None:
        raise NotFound()
    if actor is not None and not (
        scope_of(actor, VIEW).contains(course.region_code)
        or TrainingCourse.objects.for_user(actor, VIEW).filter(pk=course.pk).exists()
    ):
        raise NotFound()
    _check(actor, TRAINING, course.region_code)
    return course


@transaction.atomic
def results_record(*, actor: Any, course_id: Any, results: list[dict[str, Any]]) -> list[TrainingResult]:
    """Record a course's written and practical exam results for many staff at once. All or nothing:
    every row is checked first, and the errors name the row, the staff member and the field.
    A row is ``{"staff_id", "written_score", "practical_score"}``; passed = both scores ≥ the
    course's pass marks. A staff member's earlier result in the course is replaced."""
    course = _locked_course(course_id, actor)
    errors: list[RowError] = []
    seen: set[int] = set()
    ids = []
    for row in results:
        try:
            ids.append(int(row.get("staff_id")))
        except (TypeError, ValueError):
            continue
    staff_by_id = {s.pk: s for s in StaffMember.objects.select_related("institution").filter(pk__in=ids)}
    training_scope = scope_of(actor, TRAINING) if actor is not None else None
    prepared: list[tuple[StaffMember, Decimal | None, Decimal | None]] = []
    for number, row in enumerate(results, start=1):
        raw_id = row.get("staff_id")
        try:
            staff = staff_by_id.get(int(raw_id))
        except (TypeError, ValueError):
            staff = None
        if staff is None or (
            training_scope is not None and not training_scope.contains(staff.institution.region_code)
        ):
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
        raise _fail("results", _("Enter at least one result."))
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
    highest = 0
    for number in numbers:
        tail = number[len(prefix) :]
        if len(tail) == 6 and tail.isdigit():
            highest = max(highest, int(tail))
    return f"{prefix}{highest + 1:06d}"


@transaction.atomic
def certificate_issue(
    *, actor: Any, staff_id: Any, number: Any = None, issued_on: Any = None, course_id: Any = None
) -> StaffCertificate:
    """Issue a completion certificate (training.manage). With a course, only to a staff member who
    passed it; valid until issued_on + the course's certificate years (3 without a course). Without a
    number, the next ``KF<year><seq>`` is given."""
    staff = _locked_staff(staff_id, actor)
    _check(actor, TRAINING, staff.institution.region_code)
    day = _date(issued_on, "issued_on", required=False) or timezone.localdate()
    years = DEFAULT_CERTIFICATE_YEARS
    course = None
    if course_id not in (None, ""):
        course = _locked_course(course_id, actor)
        result = TrainingResult.objects.filter(course=course, staff=staff).first()
        if result is None:
            raise _fail(
                "course", _("%(name)s has no result in this course.") % {"name": staff.name}, course.name
            )
        if not result.passed:
            raise _fail("course", _("%(name)s did not pass this course.") % {"name": staff.name}, course.name)
        if day < course.ends_on:
            raise _fail(
                "issued_on",
                _("A certificate cannot be issued before the course ends (%(day)s).")
                % {"day": course.ends_on},
                day,
            )
        years = course.certificate_years or DEFAULT_CERTIFICATE_YEARS
    until = _add_years(day, years)
    given = _text(number, "number", 40)
    if given and StaffCertificate.objects.filter(number__iexact=given).exists():
        raise Conflict(_("The certificate number %(number)s is taken.") % {"number": given}, field="number")
    certificate = None
    for _attempt in range(5):
        candidate = given or next_certificate_number(day.year)
        try:
            with transaction.atomic():
                certificate = StaffCertificate.objects.create(
                    staff=staff, course=course, number=candidate, issued_on=day, valid_until=until
                )
            break
        except IntegrityError as exc:
            if given:
                raise Conflict(
                    _("The certificate number %(number)s is taken.") % {"number": given}, field="number"
                ) from exc
    if certificate is None:
        raise Conflict(_("Could not allocate a certificate number; try again."), field="number")
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
def certificate_revoke(
    *, actor: Any, certificate_id: Any, on: Any = None, reason: str = ""
) -> StaffCertificate:
    """Revoke a staff certificate from ``on`` (default today); the holder is then not certified."""
    try:
        certificate = (
            StaffCertificate.objects.select_for_update()
            .select_related("staff__institution")
            .filter(pk=certificate_id)
            .first()
        )
    except (TypeError, ValueError):
        certificate = None
    if certificate is None:
        raise NotFound()
    institution = certificate.staff.institution
    _visible(actor, institution)
    _check(actor, TRAINING, institution.region_code)
    if certificate.revoked_on is not None:
        raise InvalidState(
            _("Certificate %(number)s was already revoked on %(day)s.")
            % {"number": certificate.number, "day": certificate.revoked_on}
        )
    day = _date(on, "on", required=False) or timezone.localdate()
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
def certificates_issue_passed(*, actor: Any, course_id: Any, issued_on: Any = None) -> list[StaffCertificate]:
    """Issue a certificate (generated number) to everyone who passed the course and holds none from
    it yet. All or nothing."""
    course = _locked_course(course_id, actor)
    done = set(course.certificates.values_list("staff_id", flat=True))
    passed = course.results.filter(passed=True, staff__left_on__isnull=True).exclude(staff_id__in=done)
    if actor is not None:
        passed = passed.filter(scope_of(actor, TRAINING).q("staff__institution__region_code"))
    issued = []
    for result in passed.order_by("staff__institution_id", "staff__name", "staff_id"):
        issued.append(
            certificate_issue(actor=actor, staff_id=result.staff_id, issued_on=issued_on, course_id=course.pk)
        )
    return issued
