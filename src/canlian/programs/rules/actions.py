"""Writes to a program's rules and standards. A province (or city, county) changes a standard or a
rule setting *from a date*: the row in force for the same keys is ended the day before and the new
row added, in one transaction, audited. Rows are owned by the region they name: the actor needs
``programs.manage`` there, and only a national scope may write national ("" region) rows.
``actor=None`` is the operator at the command line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.choices import HardshipKind
from canlian.platform.access import lock_for, region_in_scope
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied
from canlian.platform.inputs import as_amount, as_date, as_int, field_error
from canlian.programs.families import family_for
from canlian.programs.models import Program, RuleSetting, Standard
from canlian.programs.rules.engine import validate_rules

MANAGE = "programs.manage"

#: Audit event codes (stable strings).
STANDARD_CREATED = "standard.created"
STANDARD_ENDED = "standard.ended"
RULE_SETTING_CREATED = "rule_setting.created"
RULE_SETTING_ENDED = "rule_setting.ended"

_DAY = dt.timedelta(days=1)
#: The largest standard a ``Standard.amount`` column holds (10 digits, 2 decimals).
AMOUNT_MAX = Decimal("99999999.99")
AGE_MAX = 150


def _check_region(actor: Any, region_code: str) -> None:
    """Inside the transaction: the actor manages programs in this region; "" needs a national scope."""
    if actor is None:
        return
    if not actor.has_canlian_perm(MANAGE):
        raise PermissionDenied()
    if region_code == "":
        if not region_in_scope(actor, MANAGE, ""):
            raise PermissionDenied(_("Only a national administrator may change national rows."))
        return
    if not region_in_scope(actor, MANAGE, region_code):
        raise PermissionDenied(_("This region is outside your scope."))


def _clean_region(region_code: Any) -> str:
    from canlian.core.regions.models import Region

    code = str(region_code or "").strip()
    if code and not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("No region has the code %(code)s.") % {"code": code}, code)
    return code


def _locked_program(program: Program | str) -> Program:
    code = program.code if isinstance(program, Program) else str(program)
    found = Program.objects.select_for_update().filter(code=code).first()
    if found is None:
        raise NotFound(_("No program has the code %(code)s.") % {"code": code})
    return found


def _digits(field: str, value: Any, allowed: str) -> str:
    text = "".join(str(value or "").replace(",", "").replace("、", "").split())
    if any(ch not in allowed for ch in text):
        raise field_error(field, _("Use only the digits %(allowed)s.") % {"allowed": allowed}, value)
    return "".join(sorted(set(text)))


def _successor_rows(qs: Any, valid_from: dt.date, valid_to: dt.date | None) -> tuple[Any, list[Any]]:
    """The row the new one follows (starting earlier and in force on ``valid_from``) and the rows
    the new period would overlap otherwise."""
    overlapping = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    rows = list(overlapping.order_by("valid_from"))
    previous = next((r for r in rows if r.valid_from < valid_from and r.valid_to is None), None)
    return previous, [r for r in rows if r is not previous]


# --- standards -------------------------------------------------------------------------------------


@transaction.atomic
def standard_create(
    *,
    actor: Any,
    program: Program | str,
    region_code: str,
    valid_from: Any,
    amount: Any,
    grades: str = "",
    categories: str = "",
    age_min: Any = None,
    age_max: Any = None,
    hardship: str = "",
    care_tier: str = "",
    valid_to: Any = None,
    note: str = "",
) -> Standard:
    """Add a standard from ``valid_from``. The open-ended row with the same keys in force then is
    ended the day before; any other row with the same keys in the new period is refused."""
    program = _locked_program(program)
    region_code = _clean_region(region_code)
    _check_region(actor, region_code)
    valid_from = as_date(valid_from, "valid_from")
    valid_to = as_date(valid_to, "valid_to", required=False)
    if valid_to is not None and valid_to < valid_from:
        raise field_error("valid_to", _("The end cannot be before the start."), valid_to)
    keys = {
        "grades": _digits("grades", grades, "1234"),
        "categories": _digits("categories", categories, "1234567"),
        "age_min": as_int(age_min, "age_min", low=0, high=AGE_MAX, required=False),
        "age_max": as_int(age_max, "age_max", low=0, high=AGE_MAX, required=False),
        "hardship": str(hardship or ""),
        "care_tier": str(care_tier or "").strip()[:12],
    }
    if keys["hardship"] and keys["hardship"] not in HardshipKind.values:
        raise field_error("hardship", _("Unknown hardship status."), hardship)
    if keys["age_min"] is not None and keys["age_max"] is not None and keys["age_min"] > keys["age_max"]:
        raise field_error("age_max", _("The upper age is below the lower one."), age_max)
    value = as_amount(amount, "amount", maximum=AMOUNT_MAX)
    same = Standard.objects.select_for_update().filter(program=program, region_code=region_code, **keys)
    previous, clashes = _successor_rows(same, valid_from, valid_to)
    if clashes:
        clash = clashes[0]
        raise Conflict(
            _("A standard with the same keys is in force from %(start)s to %(end)s; it overlaps.")
            % {"start": clash.valid_from, "end": clash.valid_to or _("open")},
            code="standard_overlap",
            field="valid_from",
        )
    if previous is not None:
        _end(actor, previous, valid_from - _DAY, STANDARD_ENDED, program)
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                program=program,
                region_code=region_code,
                valid_from=valid_from,
                valid_to=valid_to,
                amount=value,
                note=str(note or "")[:200],
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                **keys,
            )
    except IntegrityError as exc:  # a concurrent change with the same start
        raise Conflict(
            _("A standard with the same keys starts on this date."), code="standard_overlap"
        ) from exc
    audit_record(
        actor=actor,
        event=STANDARD_CREATED,
        obj=standard,
        new={
            "program": program.code,
            "region_code": region_code,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "amount": value,
            "follows": previous.pk if previous else None,
            **keys,
        },
    )
    return standard


def _end(actor: Any, row: Any, valid_to: dt.date, event: str, program: Program) -> None:
    old = {"valid_to": row.valid_to}
    row.valid_to = valid_to
    row.save(update_fields=["valid_to"])
    audit_record(
        actor=actor, event=event, obj=row, old=old, new={"valid_to": valid_to, "program": program.code}
    )


@transaction.atomic
def standard_end(*, actor: Any, standard_id: int, valid_to: Any) -> Standard:
    """End a standard on ``valid_to`` (its last day in force), e.g. when a band is abolished."""
    standard = lock_for(actor, Standard, standard_id, view=MANAGE, related=("program",))
    _check_region(actor, standard.region_code)
    valid_to = as_date(valid_to, "valid_to")
    if valid_to < standard.valid_from:
        raise field_error("valid_to", _("The end cannot be before the start."), valid_to)
    if standard.valid_to is not None and standard.valid_to <= valid_to:
        raise InvalidState(
            _("This standard already ends on %(date)s.") % {"date": standard.valid_to}, code="standard_ended"
        )
    _end(actor, standard, valid_to, STANDARD_ENDED, standard.program)
    return standard


# --- rule settings ---------------------------------------------------------------------------------


@transaction.atomic
def rule_setting_create(
    *,
    actor: Any,
    program: Program | str,
    region_code: str,
    valid_from: Any,
    options: dict[str, Any],
    note: str = "",
) -> RuleSetting:
    """Set which rules apply to the program in a region from a date, as the program's family's
    options; the family compiles them into the rule list the engine evaluates. The open-ended
    setting of the same region in force then is ended the day before."""
    program = _locked_program(program)
    region_code = _clean_region(region_code)
    _check_region(actor, region_code)
    valid_from = as_date(valid_from, "valid_from")
    family = family_for(program.family)
    chosen = family.clean_options(options)
    rules = family.compile(chosen)
    validate_rules(rules)
    same = RuleSetting.objects.select_for_update().filter(program=program, region_code=region_code)
    previous, clashes = _successor_rows(same, valid_from, None)
    if clashes:
        clash = clashes[0]
        raise Conflict(
            _("A rule setting of this region is in force from %(start)s to %(end)s; it overlaps.")
            % {"start": clash.valid_from, "end": clash.valid_to or _("open")},
            code="rule_setting_overlap",
            field="valid_from",
        )
    if previous is not None:
        _end(actor, previous, valid_from - _DAY, RULE_SETTING_ENDED, program)
    try:
        with transaction.atomic():
            setting = RuleSetting.objects.create(
                program=program,
                region_code=region_code,
                valid_from=valid_from,
                options=chosen,
                rules=rules,
                note=str(note or "")[:200],
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("A rule setting of this region starts on this date."), code="rule_setting_overlap"
        ) from exc
    audit_record(
        actor=actor,
        event=RULE_SETTING_CREATED,
        obj=setting,
        new={
            "program": program.code,
            "region_code": region_code,
            "valid_from": valid_from,
            "options": chosen,
            "rules": rules,
            "follows": previous.pk if previous else None,
        },
    )
    return setting
