"""Writes of employment: employers, the proportional-employment declarations (entered, imported from
Excel, or recorded for non-reporters), the federation's review computing the fund due, the rules as
effective-dated data, and the list for the tax authority. Each action is atomic, checks permission
and scope inside its transaction and records its audit row there (codes in ``events.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record, audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.registry.identity import parse_certificate_number
from canlian.core.registry.models import Certificate, Person, certificate_in_force_q
from canlian.domains.employment.choices import (
    DeclarationSource,
    DeclarationStatus,
    EmployeeVerdict,
    EmployerKind,
    RejectReason,
)
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.fund import compute_fund, rule_figures
from canlian.domains.employment.models import (
    Declaration,
    DeclaredEmployee,
    Employer,
    LocalWage,
    QuotaRule,
)
from canlian.domains.employment.uscc import normalize_uscc
from canlian.platform.access import authorize, lock_for, may, user_or_none
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.exports import Sheet, xlsx_bytes
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_text, field_error

VIEW = "employment.view"
MANAGE = "employment.manage"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _ratio(value: Any, name: str, *, required: bool = True, row: int | None = None) -> Decimal | None:
    """A ratio as a fraction (0.015) or a percentage text ("1.5%")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(name, _("This field is required."), row=row)
        return None
    text = str(value).strip()
    try:
        number = Decimal(text.rstrip("%").strip()) / (100 if text.endswith("%") else 1)
    except (InvalidOperation, ValueError) as exc:
        raise field_error(
            name, _("Enter a fraction such as 0.015 or a percentage such as 1.5%."), value, row=row
        ) from exc
    if not number.is_finite() or number < 0 or number > 1:
        raise field_error(name, _("Enter a fraction between 0 and 1."), value, row=row)
    return number.quantize(Decimal("0.0001"))


def _staff(value: Any, name: str, *, row: int | None = None) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise field_error(name, _("This field is required."), row=row)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(name, _("Enter a number of staff."), value, row=row) from exc
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise field_error(name, _("Enter a number of staff with at most two decimals."), value, row=row)
    return number.quantize(Decimal("0.01"))


def _region(actor: Any, code: Any, name: str = "region_code") -> str:
    from canlian.core.regions.models import Region

    code = as_text(code, name, max_length=12, required=True)
    if not Region.objects.filter(code=code).exists():
        raise field_error(name, _("Unknown region."), code)
    authorize(actor, MANAGE, code)
    return code


def _ref_region(actor: Any, code: Any) -> str:
    """A rule's region: "" (national) only for a national actor, else a region in scope."""
    code = as_text(code, "region_code", max_length=12)
    if code == "":
        authorize(actor, MANAGE, "")
        return ""
    from canlian.core.regions.models import Region

    if not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("Unknown region."), code)
    authorize(actor, MANAGE, code)
    return code


def _uscc(value: Any, *, row: int | None = None) -> str:
    try:
        return normalize_uscc(str(value or ""))
    except ValueError as exc:
        raise field_error(
            "uscc",
            _("Not a valid unified social credit code (18 characters with its check character)."),
            value,
            row=row,
        ) from exc


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


def contract_covers_a_year(start: dt.date, end: dt.date | None) -> bool:
    """Open-ended, or ending no earlier than a year after it starts (1 Jan → 31 Dec counts)."""
    return end is None or end >= add_years(start, 1) - dt.timedelta(days=1)


# --- employers -------------------------------------------------------------------------------------


@transaction.atomic
def employer_register(
    *,
    actor: Any,
    uscc: str,
    name: str,
    region_code: str,
    kind: str = EmployerKind.ENTERPRISE,
    address: str = "",
    contact: str = "",
    phone: str = "",
    staff_known: Any = None,
    wage_known: Any = None,
) -> Employer:
    code = _uscc(uscc)
    region_code = _region(actor, region_code)
    employer = Employer(
        uscc=code,
        name=as_text(name, "name", max_length=120, required=True),
        kind=as_choice(kind, "kind", EmployerKind.choices),
        region_code=region_code,
        address=as_text(address, "address", max_length=200),
        contact=as_text(contact, "contact", max_length=50),
        phone=as_text(phone, "phone", max_length=20),
        staff_known=None if staff_known in (None, "") else _staff(staff_known, "staff_known"),
        wage_known=as_amount(wage_known, "wage_known", required=False),
        created_by=user_or_none(actor),
    )
    if Employer.objects.filter(uscc=code).exists():
        raise Conflict(_("An employer with this code is already registered."), field="uscc")
    employer.save()
    audit_record(
        actor=actor,
        event=EmploymentEvent.EMPLOYER_REGISTERED,
        obj=employer,
        region_code=region_code,
        new={"uscc": code, "name": employer.name},
    )
    return employer


# --- rules -----------------------------------------------------------------------------------------


def _close_previous(model: Any, region_code: str, valid_from: dt.date) -> None:
    """An open row of the same region starting earlier ends the day before the new one."""
    model.objects.filter(region_code=region_code, valid_from__lt=valid_from).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    ).update(valid_to=valid_from - dt.timedelta(days=1))


@transaction.atomic
def quota_rule_set(
    *,
    actor: Any,
    region_code: str,
    valid_from: Any,
    quota_ratio: Any,
    wage_cap_multiple: Any,
    valid_to: Any = None,
    exempt_staff_max: Any = None,
    band_ratio: Any = None,
    band_share: Any = None,
    below_band_share: Any = None,
    note: str = "",
) -> QuotaRule:
    """A region's quota rule from a date; the previous open rule of the region ends the day before."""
    region_code = _ref_region(actor, region_code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end is before the start."), end)
    ratio = _ratio(quota_ratio, "quota_ratio")
    if ratio == 0:
        raise field_error("quota_ratio", _("Enter a fraction between 0 and 1."), quota_ratio)
    try:
        cap = Decimal(str(wage_cap_multiple).strip())
    except (InvalidOperation, ValueError) as exc:
        raise field_error("wage_cap_multiple", _("Enter a number such as 2."), wage_cap_multiple) from exc
    if not cap.is_finite() or cap <= 0 or cap > 10:
        raise field_error("wage_cap_multiple", _("Enter a number such as 2."), wage_cap_multiple)
    band = (
        _ratio(band_ratio, "band_ratio", required=False),
        _ratio(band_share, "band_share", required=False),
        _ratio(below_band_share, "below_band_share", required=False),
    )
    if any(v is not None for v in band) and not all(v is not None for v in band):
        missing = ("band_ratio", "band_share", "below_band_share")[[v is None for v in band].index(True)]
        raise field_error(missing, _("A reduction band needs its ratio and both shares."))
    if QuotaRule.objects.filter(region_code=region_code, valid_from=start).exists():
        raise Conflict(_("A rule of this region already starts on this date."), field="valid_from")
    _close_previous(QuotaRule, region_code, start)
    rule = QuotaRule.objects.create(
        region_code=region_code,
        valid_from=start,
        valid_to=end,
        quota_ratio=ratio,
        wage_cap_multiple=cap.quantize(Decimal("0.01")),
        exempt_staff_max=as_int(exempt_staff_max, "exempt_staff_max", low=0, high=100000, required=False),
        band_ratio=band[0],
        band_share=band[1],
        below_band_share=band[2],
        note=as_text(note, "note", max_length=200),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.QUOTA_RULE_SET,
        obj=rule,
        region_code=region_code,
        new={"valid_from": start, "quota_ratio": ratio, "wage_cap_multiple": cap, "band_ratio": band[0]},
    )
    return rule


@transaction.atomic
def local_wage_set(
    *,
    actor: Any,
    region_code: str,
    valid_from: Any,
    minimum_wage_month: Any,
    average_wage_year: Any,
    valid_to: Any = None,
) -> LocalWage:
    """A region's minimum monthly wage and average yearly wage from a date."""
    region_code = _ref_region(actor, region_code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end is before the start."), end)
    minimum = as_amount(minimum_wage_month, "minimum_wage_month", minimum=Decimal("0.01"))
    average = as_amount(average_wage_year, "average_wage_year", minimum=Decimal("0.01"))
    if LocalWage.objects.filter(region_code=region_code, valid_from=start).exists():
        raise Conflict(_("Wage figures of this region already start on this date."), field="valid_from")
    _close_previous(LocalWage, region_code, start)
    wage = LocalWage.objects.create(
        region_code=region_code,
        valid_from=start,
        valid_to=end,
        minimum_wage_month=minimum,
        average_wage_year=average,
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.LOCAL_WAGE_SET,
        obj=wage,
        region_code=region_code,
        new={"valid_from": start, "minimum_wage_month": minimum, "average_wage_year": average},
    )
    return wage


# --- declarations ----------------------------------------------------------------------------------

_YES = {"是", "已缴", "yes", "y", "1", "true", "√"}
_NO = {"否", "未缴", "no", "n", "0", "false", "×", ""}


def _yes_no(value: Any, name: str, *, row: int | None = None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise field_error(name, _("Enter 是 or 否."), value, row=row)


def _employee(data: dict[str, Any], year: int, *, row: int | None = None) -> DeclaredEmployee:
    name = as_text(data.get("name"), "name", max_length=50, required=True, row=row)
    raw_number = as_text(
        data.get("certificate_number"), "certificate_number", max_length=30, required=True, row=row
    )
    try:
        cert = parse_certificate_number(raw_number)
    except ValueError as exc:
        raise field_error("certificate_number", str(exc), raw_number, row=row) from exc
    start = as_date(data.get("contract_start"), "contract_start", row=row)
    end = as_date(data.get("contract_end"), "contract_end", required=False, row=row)
    if end is not None and end < start:
        raise field_error("contract_end", _("The contract ends before it starts."), end, row=row)
    return DeclaredEmployee(
        year=year,
        name=name,
        certificate_number=cert.number,
        id_number=cert.id_number,
        contract_start=start,
        contract_end=end,
        monthly_wage=as_amount(data.get("monthly_wage"), "monthly_wage", row=row),
        insurance_paid=_yes_no(data.get("insurance_paid"), "insurance_paid", row=row),
    )


def _year(value: Any, *, row: int | None = None) -> int:
    return as_int(value, "year", low=MIN_YEAR, high=MAX_YEAR, row=row)  # type: ignore[return-value]


@transaction.atomic
def declaration_record(
    *,
    actor: Any,
    employer_id: int,
    year: Any,
    staff: Any,
    average_wage: Any,
    employees: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> Declaration:
    """An employer's declaration as entered: figures and the disabled employees (each row named on
    refusal, nothing written then)."""
    employer = lock_for(actor, Employer, employer_id, view=VIEW, act=MANAGE)
    year = _year(year)
    staff = _staff(staff, "staff")
    wage = as_amount(average_wage, "average_wage")
    rows: list[DeclaredEmployee] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for number, data in enumerate(employees, start=1):
        try:
            item = _employee(data, year, row=number)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if item.id_number in seen:
            errors.append(
                RowError(number, "certificate_number", _("Declared twice."), item.certificate_number)
            )
            continue
        seen.add(item.id_number)
        rows.append(item)
    if errors:
        raise ValidationFailed(errors=errors)
    if Declaration.objects.filter(employer=employer, year=year).exists():
        raise Conflict(_("This employer's declaration of the year is already recorded."), field="year")
    declaration = Declaration.objects.create(
        employer=employer,
        year=year,
        region_code=employer.region_code,
        source=DeclarationSource.ENTERED,
        staff=staff,
        average_wage=wage,
        created_by=user_or_none(actor),
    )
    for item in rows:
        item.declaration = declaration
    DeclaredEmployee.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        event=EmploymentEvent.DECLARATION_RECORDED,
        obj=declaration,
        region_code=declaration.region_code,
        new={"year": year, "staff": staff, "average_wage": wage, "employees": len(rows)},
    )
    return declaration


#: The declaration sheet's columns: field → the headings accepted (Chinese as the template has them).
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "uscc"),
    "employer_name": ("单位名称", "employer_name"),
    "year": ("年度", "year"),
    "staff": ("在职职工平均人数", "staff"),
    "average_wage": ("职工年平均工资", "average_wage"),
    "name": ("残疾职工姓名", "name"),
    "certificate_number": ("残疾人证号", "certificate_number"),
    "contract_start": ("劳动合同起始日", "contract_start"),
    "contract_end": ("劳动合同终止日", "contract_end"),
    "monthly_wage": ("月工资", "monthly_wage"),
    "insurance_paid": ("是否缴纳社会保险", "insurance_paid"),
}
_EMPLOYER_FIELDS = ("uscc", "employer_name", "year", "staff", "average_wage")
_EMPLOYEE_FIELDS = (
    "name",
    "certificate_number",
    "contract_start",
    "contract_end",
    "monthly_wage",
    "insurance_paid",
)


@dataclass
class ImportResult:
    declarations: int = 0
    employers_created: int = 0
    employees: int = 0
    declaration_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "declarations": self.declarations,
            "employers_created": self.employers_created,
            "employees": self.employees,
        }


def _column_map(header: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, aliases in IMPORT_COLUMNS.items():
        for heading in header:
            if heading.strip() in aliases or heading.strip().lower() in aliases:
                found[name] = heading
                break
    missing = [n for n in (*_EMPLOYER_FIELDS, *_EMPLOYEE_FIELDS) if n not in found and n != "contract_end"]
    if missing:
        raise ValidationFailed(
            errors=[
                RowError(1, name, _("Column missing: %(heading)s") % {"heading": IMPORT_COLUMNS[name][0]})
                for name in missing
            ]
        )
    return found


@transaction.atomic
def declarations_import(*, actor: Any, table: Any, region_code: str) -> ImportResult:
    """Import declarations from a sheet with one row per disabled employee (an employer with none:
    one row with the employee columns blank). Unknown employers are registered in ``region_code``.
    All or nothing: every refused row is named with its field."""
    region_code = _region(actor, region_code)
    columns = _column_map(list(table.header))
    errors: list[RowError] = []
    heads: dict[tuple[str, int], dict[str, Any]] = {}
    employees: dict[tuple[str, int], list[DeclaredEmployee]] = {}
    seen: dict[tuple[str, int, str], int] = {}
    for row, raw in table.dicts():
        data = {name: raw.get(heading, "") for name, heading in columns.items()}
        if not any(str(v).strip() for v in data.values()):
            continue
        try:
            code = _uscc(data["uscc"], row=row)
            year = _year(data["year"], row=row)
            head = {
                "name": as_text(
                    data["employer_name"], "employer_name", max_length=120, required=True, row=row
                ),
                "staff": _staff(data["staff"], "staff", row=row),
                "average_wage": as_amount(data["average_wage"], "average_wage", row=row),
                "row": row,
            }
            key = (code, year)
            earlier = heads.setdefault(key, head)
            for name in ("staff", "average_wage"):
                if earlier[name] != head[name]:
                    raise field_error(
                        name,
                        _("Differs from row %(row)s of the same employer.") % {"row": earlier["row"]},
                        data[name],
                        row=row,
                    )
            if any(str(data.get(n, "")).strip() for n in _EMPLOYEE_FIELDS):
                item = _employee(data, year, row=row)
                twice = seen.get((code, year, item.id_number))
                if twice is not None:
                    raise field_error(
                        "certificate_number",
                        _("Declared twice by the employer (row %(row)s).") % {"row": twice},
                        item.certificate_number,
                        row=row,
                    )
                seen[(code, year, item.id_number)] = row
                employees.setdefault(key, []).append(item)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if not heads and not errors:
        raise ValidationFailed(errors=[RowError(None, None, _("The file holds no declarations."))])
    existing = {e.uscc: e for e in Employer.objects.filter(uscc__in={k[0] for k in heads})}
    for key, head in heads.items():
        code = key[0]
        employer = existing.get(code)
        if employer is not None and not may(actor, MANAGE, employer.region_code):
            errors.append(
                RowError(
                    head["row"], "uscc", _("The employer is registered in a region outside yours."), code
                )
            )
    taken = set(
        Declaration.objects.filter(
            employer__uscc__in={k[0] for k in heads}, year__in={k[1] for k in heads}
        ).values_list("employer__uscc", "year")
    )
    for key, head in heads.items():
        if key in taken:
            errors.append(
                RowError(
                    head["row"],
                    "year",
                    _("This employer's declaration of the year is already recorded."),
                    str(key[1]),
                )
            )
    if errors:
        raise ValidationFailed(errors=sorted(errors, key=lambda e: (e.row or 0, e.field or "")))
    result = ImportResult()
    new_employers = [
        Employer(
            uscc=code,
            name=heads[(code, year)]["name"],
            region_code=region_code,
            created_by=user_or_none(actor),
        )
        for code, year in heads
        if code not in existing
    ]
    unique_new = {e.uscc: e for e in new_employers}
    Employer.objects.bulk_create(unique_new.values())
    result.employers_created = len(unique_new)
    by_code = {e.uscc: e for e in Employer.objects.filter(uscc__in={k[0] for k in heads})}
    declarations = [
        Declaration(
            employer=by_code[code],
            year=year,
            region_code=by_code[code].region_code,
            source=DeclarationSource.IMPORTED,
            staff=head["staff"],
            average_wage=head["average_wage"],
            created_by=user_or_none(actor),
        )
        for (code, year), head in heads.items()
    ]
    Declaration.objects.bulk_create(declarations)
    saved = {
        (d.employer.uscc, d.year): d
        for d in Declaration.objects.filter(
            employer__in=list(by_code.values()), year__in={k[1] for k in heads}
        ).select_related("employer")
    }
    rows: list[DeclaredEmployee] = []
    for key, items in employees.items():
        for item in items:
            item.declaration = saved[key]
            rows.append(item)
    DeclaredEmployee.objects.bulk_create(rows)
    result.declarations = len(heads)
    result.employees = len(rows)
    result.declaration_ids = sorted(saved[k].pk for k in heads)
    audit_record(
        actor=actor,
        event=EmploymentEvent.DECLARATIONS_IMPORTED,
        object_type="employment.declaration",
        object_repr=_("%(n)s declarations") % {"n": result.declarations},
        region_code=region_code,
        new=result.as_dict(),
    )
    return result


@transaction.atomic
def non_reporters_record(*, actor: Any, year: Any, region_code: str) -> dict[str, int]:
    """Record every employer of the region without a declaration of ``year`` as not reported,
    employing nobody, with the staff and wage figures the tax authority gave (``staff_known``,
    ``wage_known``); employers without those figures are counted as skipped."""
    region_code = _region(actor, region_code)
    year = _year(year)
    base = Employer.objects.all() if _is_system(actor) else Employer.objects.for_user(actor, MANAGE)
    missing = base.filter(region_code__startswith=region_code).exclude(declarations__year=year)
    ready = list(missing.filter(staff_known__isnull=False, wage_known__isnull=False).order_by("pk"))
    skipped = missing.filter(Q(staff_known__isnull=True) | Q(wage_known__isnull=True)).count()
    Declaration.objects.bulk_create(
        [
            Declaration(
                employer=e,
                year=year,
                region_code=e.region_code,
                source=DeclarationSource.NOT_REPORTED,
                staff=e.staff_known,
                average_wage=e.wage_known,
                created_by=user_or_none(actor),
            )
            for e in ready
        ]
    )
    outcome = {"recorded": len(ready), "skipped": skipped}
    audit_record(
        actor=actor,
        event=EmploymentEvent.NON_REPORTERS_RECORDED,
        object_type="employment.declaration",
        object_repr=str(year),
        region_code=region_code,
        new={"year": year, **outcome},
    )
    return outcome


def _is_system(actor: Any) -> bool:
    from canlian.platform.access import is_system

    return is_system(actor)


# --- the review ------------------------------------------------------------------------------------


def _verify(item: DeclaredEmployee, *, declaration: Declaration, year_end: dt.date, minimum: Decimal) -> None:
    """Set the verdict of one declared employee against the registry and the other employers."""
    item.person = None
    item.grade = None
    item.weight = 0
    item.reason_note = ""
    person = Person.objects.filter(id_number=item.id_number).first()
    if person is None:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NOT_IN_REGISTRY
        return
    item.person = person
    cert = (
        Certificate.objects.filter(person=person)
        .filter(certificate_in_force_q(year_end), valid_until__gte=year_end)
        .order_by("-issue_date")
        .first()
    )
    if cert is None:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NOT_CERTIFIED
        return
    item.grade = cert.grade
    other = (
        DeclaredEmployee.objects.filter(person=person, year=item.year, verdict=EmployeeVerdict.ACCEPTED)
        .exclude(declaration=declaration)
        .select_related("declaration__employer")
        .first()
    )
    if other is not None:
        employer = other.declaration.employer
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.COUNTED_ELSEWHERE
        item.reason_note = f"{employer.name} ({employer.uscc})"[:200]
        return
    if not contract_covers_a_year(item.contract_start, item.contract_end):
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.SHORT_CONTRACT
        return
    if item.monthly_wage < minimum:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.LOW_WAGE
        item.reason_note = str(minimum)
        return
    if not item.insurance_paid:
        item.verdict, item.reason = EmployeeVerdict.REJECTED, RejectReason.NO_INSURANCE
        return
    item.verdict, item.reason = EmployeeVerdict.ACCEPTED, ""
    item.weight = 2 if cert.grade <= 2 else 1


@transaction.atomic
def declaration_review(*, actor: Any, declaration_id: int) -> Declaration:
    """The federation's review: each declared employee verified (certified at the year's end, not
    counted by another employer, contract ≥ 1 year, wage ≥ the local minimum, insurance paid; grade
    1–2 counts as two), then the fund due computed by the rule in force on 1 January of the levy
    year, with the wage figures in force on 31 December of the employment year."""
    declaration = lock_for(actor, Declaration, declaration_id, view=VIEW, act=MANAGE, related=("employer",))
    if declaration.status == DeclarationStatus.REVIEWED:
        raise InvalidState(_("This declaration is already reviewed."))
    year_end = dt.date(declaration.year, 12, 31)
    levy_day = dt.date(declaration.year + 1, 1, 1)
    rule = QuotaRule.objects.in_force(declaration.region_code, levy_day)
    if rule is None:
        raise InvalidState(
            _("No quota rule is in force for the region on %(day)s.") % {"day": levy_day.isoformat()}
        )
    wage = LocalWage.objects.in_force(declaration.region_code, year_end)
    if wage is None:
        raise InvalidState(
            _("No local wage figures are set for the region on %(day)s.") % {"day": year_end.isoformat()}
        )
    items = list(declaration.employees.order_by("pk"))
    if declaration.source == DeclarationSource.NOT_REPORTED:
        items = []
    for item in items:
        _verify(item, declaration=declaration, year_end=year_end, minimum=wage.minimum_wage_month)
    try:
        with transaction.atomic():
            DeclaredEmployee.objects.bulk_update(
                items, ["person", "grade", "weight", "verdict", "reason", "reason_note"]
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Another review counted one of these employees at the same time; try again.")
        ) from exc
    counted = sum(i.weight for i in items)
    result = compute_fund(
        staff=declaration.staff,
        counted=counted,
        average_wage=declaration.average_wage,
        local_average_wage=wage.average_wage_year,
        rule=rule_figures(rule),
    )
    declaration.rule = rule
    declaration.wage = wage
    declaration.counted = counted
    declaration.required = result.required.quantize(Decimal("0.0001"))
    declaration.shortfall = result.shortfall.quantize(Decimal("0.0001"))
    declaration.wage_base = result.wage_base
    declaration.gross = result.gross
    declaration.share = result.share
    declaration.exempt = result.exempt
    declaration.fund_due = result.fund_due
    declaration.status = DeclarationStatus.REVIEWED
    declaration.reviewed_by = user_or_none(actor)
    declaration.reviewed_at = timezone.now()
    declaration.save()
    sources_changed("employment", year=timezone.localdate().year, month=timezone.localdate().month)
    audit_record(
        actor=actor,
        event=EmploymentEvent.DECLARATION_REVIEWED,
        obj=declaration,
        region_code=declaration.region_code,
        new={
            "counted": counted,
            "rejected": sum(1 for i in items if i.verdict == EmployeeVerdict.REJECTED),
            "fund_due": result.fund_due,
        },
    )
    return declaration


# --- the pension premium paid on behalf of people ------------------------------------------------


@transaction.atomic
def premium_year_set(
    *,
    actor: Any,
    region_code: str,
    year: Any,
    amount: Any,
    grades: str = "",
    hardship: str = "",
    note: str = "",
) -> Any:
    """The yearly pension premium of a region for ``year``: an engine standard of the program in force
    1–31 January of the year, so the January cycle pays it once (audited by the engine)."""
    from canlian.domains.employment.presets import PENSION
    from canlian.programs.program_actions import standard_create

    year = _year(year)
    return standard_create(
        actor=actor,
        program=PENSION,
        region_code=region_code,
        valid_from=dt.date(year, 1, 1),
        valid_to=dt.date(year, 1, 31),
        amount=amount,
        grades=grades,
        hardship=hardship,
        note=note or f"{year} 城乡居民养老保险代缴",
    )


# --- the list for the tax authority ----------------------------------------------------------------

TAX_HEADER = (
    "统一社会信用代码",
    "单位名称",
    "数据年度",
    "征收年度",
    "在职职工平均人数",
    "应安排残疾人数",
    "已安排残疾人数",
    "差额人数",
    "计征工资基数",
    "减免前应缴",
    "缴纳比例",
    "应缴保障金",
    "未申报",
)


@transaction.atomic
def tax_list_export(*, actor: Any, year: Any, region_code: str = "") -> tuple[bytes, int]:
    """The reviewed declarations of ``year`` in the actor's scope (under ``region_code``) as the
    workbook sent to the tax authority; audited as an export (``record.exported``) with its rows."""
    year = _year(year)
    if region_code:
        authorize(actor, VIEW, region_code)
    rows = (
        Declaration.objects.all() if _is_system(actor) else Declaration.objects.for_user(actor, VIEW)
    ).filter(year=year, status=DeclarationStatus.REVIEWED, region_code__startswith=region_code)
    rows = rows.select_related("employer").order_by("employer__uscc")
    data = [
        (
            d.employer.uscc,
            d.employer.name,
            d.year,
            d.levy_year,
            d.staff,
            d.required,
            d.counted,
            d.shortfall,
            d.wage_base,
            d.gross,
            d.share,
            d.fund_due,
            "是" if d.source == DeclarationSource.NOT_REPORTED else "否",
        )
        for d in rows
    ]
    content, count = xlsx_bytes([Sheet(title=f"{year}", header=TAX_HEADER, rows=data)])
    audit_sensitive_read(
        actor=actor,
        event=EventType.RECORDS_EXPORTED,
        region_code=region_code,
        list="employment.tax_list",
        year=year,
        rows=count,
    )
    return content, count
