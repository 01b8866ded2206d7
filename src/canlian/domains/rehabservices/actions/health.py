"""Writes of health services: the health department's lists (family-doctor signing, medical-insurance
enrolment) matched against the registry set-based, and the three service programs (free health
check, cataract operation for a poor patient, mental-illness medication aid): application,
approval, the service record and the payment (the cost, at most the standard in force on the day
of service for the person's region)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.models import Person
from canlian.domains.rehabservices.actions._common import (
    MANAGE,
    PAY,
    RECORD,
    certificate_on,
    day_not_future,
    hardship_on,
    in_force,
    locked_person,
    require,
)
from canlian.domains.rehabservices.choices import HealthListKind, HealthProgram, HealthStatus
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import (
    HealthApplication,
    HealthListUpload,
    HealthSigning,
    HealthStandard,
)
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_int, as_text, field_error

ID_COLUMNS = ("身份证号", "公民身份号码", "id_number")
DATE_COLUMNS = ("签约日期", "参保日期", "signed_on")
TEAM_COLUMNS = ("签约团队", "家庭医生团队", "险种", "team")


def _col(header: list[str], names: tuple[str, ...], required: bool = True) -> int | None:
    for i, h in enumerate(header):
        if str(h).strip() in names:
            return i
    if required:
        raise field_error("file", _("The sheet has no column %(name)s.") % {"name": names[0]})
    return None


@transaction.atomic
def health_list_import(
    *,
    actor: Any,
    kind: Any,
    year: Any,
    region_code: Any,
    header: list[str],
    rows: list[list[str]],
    filename: str = "",
) -> HealthListUpload:
    """Match the health department's list of a year against the registry of ``region_code``: each
    ID number found there becomes a signing (or enrolment) of the year (once per person; an earlier
    upload's row stays). ID numbers not in the region's registry are counted, not stored. Rows with
    a bad ID number or date are reported by row and nothing is written. One INSERT … SELECT."""
    require(actor, RECORD)
    from canlian.core.registry.identity import parse_resident_id

    kind = as_choice(kind, "kind", HealthListKind.choices)
    year_ = as_int(year, "year", low=2000, high=2100)
    code = str(region_code or "").strip()
    authorize(actor, RECORD, code)
    c_id = _col(header, ID_COLUMNS)
    c_day = _col(header, DATE_COLUMNS, required=False)
    c_team = _col(header, TEAM_COLUMNS, required=False)
    errors: list[RowError] = []
    clean: dict[str, tuple[Any, str]] = {}
    for n, row in enumerate(rows, start=2):
        cells = list(row) + [""] * len(header)
        try:
            ident = parse_resident_id(str(cells[c_id]).strip()).number
        except Exception:
            errors.append(
                RowError(
                    row=n,
                    field=header[c_id],
                    message=_("Not a valid ID number."),
                    value=str(cells[c_id])[:20],
                )
            )
            continue
        day = None
        if c_day is not None and str(cells[c_day]).strip():
            try:
                day = day_not_future(cells[c_day], header[c_day])
            except ValidationFailed as exc:
                errors.extend(
                    RowError(row=n, field=e.field, message=e.message, value=e.value) for e in exc.errors
                )
                continue
        clean.setdefault(ident, (day, str(cells[c_team]).strip()[:100] if c_team is not None else ""))
    if errors:
        raise ValidationFailed(errors=errors, field="file")
    if not clean:
        raise field_error("file", _("The list holds no rows."))
    upload = HealthListUpload.objects.create(
        kind=kind,
        year=year_,
        region_code=code,
        filename=as_text(filename, "file", max_length=200) or "list",
        rows=len(clean),
        uploaded_by=user_or_none(actor),
    )
    temp = "rs_health_list"
    load_temp_table(
        temp,
        [("id_number", "varchar(18)"), ("signed_on", "date"), ("team", "varchar(100)")],
        [(k, d, t) for k, (d, t) in clean.items()],
    )
    people = Person._meta.db_table
    signings = HealthSigning._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*) FROM {temp} t JOIN {people} p ON p.id_number = t.id_number WHERE p.region_code LIKE %s",
            [code + "%"],
        )
        matched = cur.fetchone()[0]
        cur.execute(
            f"INSERT INTO {signings} (person_id, kind, year, region_code, signed_on, team, upload_id) "
            f"SELECT p.id, %s, %s, p.region_code, t.signed_on, t.team, %s FROM {temp} t "
            f"JOIN {people} p ON p.id_number = t.id_number WHERE p.region_code LIKE %s "
            "ON CONFLICT (person_id, kind, year) DO NOTHING",
            [kind, year_, upload.pk, code + "%"],
        )
    drop_temp_table(temp)
    upload.matched = matched
    upload.unmatched = len(clean) - matched
    upload.save(update_fields=["matched", "unmatched"])
    sources_changed("services", year=year_)
    audit_record(
        actor=actor,
        event=ServicesEvent.HEALTH_LIST_IMPORTED,
        obj=upload,
        new={"kind": kind, "year": year_, "rows": len(clean), "matched": matched},
    )
    return upload


# --- service programs ----------------------------------------------------------------------------------


def _eligible(person: Person, program: str, on: Any) -> None:
    certificate = certificate_on(person, on)
    if certificate is None:
        raise InvalidState(
            _("%(name)s holds no disability certificate in force on %(day)s.")
            % {"name": person.name, "day": on},
            code="not_certified",
        )
    if program == HealthProgram.MENTAL and certificate.category != 6:
        raise InvalidState(
            _("Medication aid is for people certified with a mental disability."), code="not_eligible"
        )
    if program == HealthProgram.CATARACT and not hardship_on([person.pk], on):
        raise InvalidState(
            _("Cataract operations are for people of hardship households."), code="not_eligible"
        )


@transaction.atomic
def health_apply(*, actor: Any, person_id: Any, program: Any, applied_on: Any) -> HealthApplication:
    """Apply for a health service program of the year (once per person, program and year)."""
    person = locked_person(actor, person_id, RECORD)
    program_ = as_choice(program, "program", HealthProgram.choices)
    day = day_not_future(applied_on, "applied_on")
    _eligible(person, program_, day)
    try:
        with transaction.atomic():
            app = HealthApplication.objects.create(
                person=person,
                program=program_,
                year=day.year,
                region_code=person.region_code,
                applied_on=day,
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s already applied for this program in %(year)s.")
            % {"name": person.name, "year": day.year},
            code="application_exists",
        ) from exc
    audit_record(
        actor=actor,
        event=ServicesEvent.HEALTH_APPLIED,
        obj=app,
        new={"person": person.pk, "program": program_, "applied_on": day},
    )
    return app


def _locked_app(actor: Any, application_id: Any, permission: str) -> HealthApplication:
    require(actor, permission)
    return lock_for(actor, HealthApplication, application_id, view=permission)


@transaction.atomic
def health_decide(
    *, actor: Any, application_id: Any, approve: bool, decided_on: Any, reason: Any = ""
) -> HealthApplication:
    """Approve or refuse an application (a refusal gives its reason)."""
    app = _locked_app(actor, application_id, MANAGE)
    if app.status != HealthStatus.APPLIED:
        raise InvalidState(_("This application has already been decided."), code="already_decided")
    day = day_not_future(decided_on, "decided_on")
    if day < app.applied_on:
        raise field_error("decided_on", _("The decision cannot be before the application."), day)
    text = as_text(reason, "reason", max_length=200, required=not approve)
    app.status = HealthStatus.APPROVED if approve else HealthStatus.REFUSED
    app.decided_on = day
    app.decided_by = user_or_none(actor)
    app.refusal = "" if approve else text
    app.save(update_fields=["status", "decided_on", "decided_by", "refusal"])
    audit_record(
        actor=actor,
        event=ServicesEvent.HEALTH_DECIDED,
        obj=app,
        old={"status": HealthStatus.APPLIED},
        new={"status": app.status, "reason": app.refusal},
    )
    return app


@transaction.atomic
def health_serve(
    *, actor: Any, application_id: Any, served_on: Any, hospital: Any, service: Any, cost: Any
) -> HealthApplication:
    """Record the service of an approved application: the hospital, what was done and its cost."""
    app = _locked_app(actor, application_id, RECORD)
    if app.status != HealthStatus.APPROVED:
        raise InvalidState(
            _("Only an approved application can have its service recorded."), code="not_approved"
        )
    day = day_not_future(served_on, "served_on")
    if day < app.decided_on:
        raise field_error("served_on", _("The service cannot be before the approval."), day)
    app.hospital = as_text(hospital, "hospital", max_length=100, required=True)
    app.service_note = as_text(service, "service", max_length=300, required=True)
    app.cost = as_amount(cost, "cost")
    app.served_on = day
    app.status = HealthStatus.SERVED
    app.save(update_fields=["hospital", "service_note", "cost", "served_on", "status"])
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.HEALTH_SERVED,
        obj=app,
        new={"served_on": day, "hospital": app.hospital, "cost": app.cost},
    )
    return app


def health_amount(cost: Decimal, standard: HealthStandard) -> Decimal:
    """What the program pays: the cost, at most the standard's amount."""
    return min(cost, standard.amount).quantize(Decimal("0.01"))


@transaction.atomic
def health_pay(*, actor: Any, application_id: Any, paid_on: Any) -> HealthApplication:
    """Pay a served application: the standard in force on the day of service for the person's region
    gives the most paid and the payee (the hospital, or the person as a subsidy)."""
    app = _locked_app(actor, application_id, PAY)
    if app.status != HealthStatus.SERVED:
        raise InvalidState(_("Only a served application can be paid."), code="not_served")
    day = day_not_future(paid_on, "paid_on")
    if day < app.served_on:
        raise field_error("paid_on", _("The payment cannot be before the service."), day)
    standard = in_force(HealthStandard.objects.filter(program=app.program), app.region_code, app.served_on)
    if standard is None:
        raise InvalidState(
            _("No standard of this program is in force on %(day)s.") % {"day": app.served_on},
            code="no_standard",
        )
    app.standard = standard
    app.amount = health_amount(app.cost, standard)
    app.payee = standard.payee
    app.paid_on = day
    app.status = HealthStatus.PAID
    app.save(update_fields=["standard", "amount", "payee", "paid_on", "status"])
    sources_changed("services", year=app.served_on.year, month=app.served_on.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.HEALTH_PAID,
        obj=app,
        new={"amount": app.amount, "payee": app.payee, "paid_on": day, "standard": standard.pk},
    )
    return app
