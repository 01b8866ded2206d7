"""The declarations: entered, imported from Excel (all or nothing), recorded for non-reporters;
and the list of the reviewed ones sent to the tax authority."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record, audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.registry.identity import parse_certificate_number
from canlian.domains.employment.actions._common import (
    MANAGE,
    VIEW,
    _is_system,
    _region,
    _staff,
    _uscc,
    _year,
    _yes_no,
)
from canlian.domains.employment.choices import (
    DeclarationSource,
    DeclarationStatus,
)
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.models import (
    Declaration,
    DeclaredEmployee,
    Employer,
)
from canlian.platform.access import authorize, lock_for, may, user_or_none
from canlian.platform.errors import Conflict, RowError, ValidationFailed
from canlian.platform.exports import Sheet, xlsx_bytes
from canlian.platform.inputs import as_amount, as_date, as_text, field_error

# --- declarations ----------------------------------------------------------------------------------


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
