"""Writes of institutions: the registry, its status (dynamic management), the standardisation rating,
qualifications and service agreements. Audit event codes: institution.created, institution.updated,
institution.status_changed, institution.rated, institution.qualification_recorded,
institution.agreement_recorded."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_changes, audit_record
from canlian.core.audit.events import EventType
from canlian.core.institutions.actions._common import (
    INSPECT,
    MANAGE,
    STAFF,
    _choice,
    _jsonable_dict,
    _phone,
    _score,
    _text,
    _whole,
    locked_institution,
)
from canlian.core.institutions.choices import (
    InstitutionKind,
    InstitutionStatus,
    QualificationKind,
    ServiceCategory,
)
from canlian.core.institutions.models import (
    Institution,
    InstitutionStatusChange,
    Qualification,
    ServiceAgreement,
)
from canlian.core.regions.choices import RegionLevel
from canlian.core.regions.models import Region
from canlian.platform.access import authorize, is_system, may, user_or_none
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied
from canlian.platform.inputs import as_date, field_error

#: Levels an institution may sit at: a county (district) or a township (street).
INSTITUTION_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
#: Fields only the federation (institutions.manage) may change; an institution's own staff may not.
FEDERATION_FIELDS = ("code", "kind", "region_code", "credit_code", "operator", "capacity", "categories")

_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


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
        raise field_error(
            field,
            _("A unified social credit code has 18 characters; this one has %(n)s.") % {"n": len(code)},
            code,
        )
    if not _USCC.match(code):
        raise field_error(
            field, _("A unified social credit code has digits and capital letters (not I, O, S, V, Z)."), code
        )
    if code[0] in "NY":
        # stdnum refuses these authorities outright; the check character rule is the same.
        if uscc.calc_check_digit(code[:17]) != code[17]:
            raise field_error(field, _("The credit code's check character is wrong (typing error?)."), code)
        return code
    try:
        return uscc.validate(code)
    except StdnumError as exc:
        if isinstance(exc, InvalidChecksum):
            raise field_error(
                field, _("The credit code's check character is wrong (typing error?)."), code
            ) from exc
        raise field_error(field, _("This is not a valid unified social credit code."), code) from exc


def _region(code: Any, actor: Any, permission: str) -> Region:
    code = str(code or "").strip()
    if not code:
        raise field_error("region_code", _("Choose the region the institution sits in."))
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise field_error("region_code", _("Unknown region code %(code)s.") % {"code": code}, code)
    if region.level not in INSTITUTION_LEVELS:
        raise field_error(
            "region_code",
            _("Choose a county (district) or a township (street), not %(name)s.") % {"name": region.name},
            code,
        )
    if not region.is_active():
        raise field_error("region_code", _("The region %(name)s is abolished.") % {"name": region.name}, code)
    if not may(actor, permission, region.code):
        raise field_error(
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
            raise field_error("categories", _("Unknown service category %(code)s.") % {"code": item}, item)
        codes.add(item)
    return "".join(sorted(codes))


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
        raise field_error(sorted(unknown)[0], _("This field cannot be set here."))
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
            raise field_error(
                "bank_account", _("A bank account number has digits only."), clean["bank_account"]
            )
    return clean


# --- institutions ----------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: Any, **fields: Any) -> Institution:
    """Register an institution (institutions.manage in its region). Required: code, name, kind,
    region_code. Status starts active, with an "active" history row."""
    if not (is_system(actor) or actor.has_canlian_perm(MANAGE)):
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
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(_("The code %(code)s is taken.") % {"code": clean["code"]}, field="code") from exc
    InstitutionStatusChange.objects.create(
        institution=institution,
        from_status="",
        to_status=InstitutionStatus.ACTIVE,
        on=today,
        reason=_("Registered"),
        actor=user_or_none(actor),
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
    institution = locked_institution(actor, institution_id)
    if may(actor, MANAGE, institution.region_code):
        permission = MANAGE
    elif may(actor, STAFF, institution.region_code, institution.pk):
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
        if not is_system(actor) and not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(STAFF)):
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
    institution = locked_institution(actor, institution_id)
    if not is_system(actor):
        if not (actor.has_canlian_perm(MANAGE) or actor.has_canlian_perm(INSPECT)):
            raise PermissionDenied()
        if not (may(actor, MANAGE, institution.region_code) or may(actor, INSPECT, institution.region_code)):
            raise NotFound()
    status = _choice(status, "status", InstitutionStatus)
    reason = _text(reason, "reason", 300, required=True)
    day = as_date(on, "on", required=False) or timezone.localdate()
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
        actor=user_or_none(actor),
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
    institution = locked_institution(actor, institution_id)
    authorize(actor, INSPECT, institution.region_code)
    value = _score(score, "score")
    if value is None:
        raise field_error("score", _("This field is required."))
    day = as_date(on, "on")
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
    start = as_date(valid_from, "valid_from", required=from_required)
    end = as_date(valid_until, "valid_until", required=from_required)
    if start and end and end < start:
        raise field_error("valid_until", _("The end cannot be before the start."), end)
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
    institution = locked_institution(actor, institution_id)
    authorize(actor, MANAGE, institution.region_code)
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
    institution = locked_institution(actor, institution_id)
    authorize(actor, MANAGE, institution.region_code)
    number = _text(number, "number", 60, required=True)
    start, end = _clean_dates(valid_from, valid_until, from_required=True)
    if ServiceAgreement.objects.filter(institution=institution, number=number).exists():
        raise Conflict(_("An agreement with this number is already recorded."), field="number")
    agreement = ServiceAgreement.objects.create(
        institution=institution,
        number=number,
        services=_text(services, "services", 200),
        signed_on=as_date(signed_on, "signed_on", required=False),
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
