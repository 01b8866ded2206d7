"""Employment by real name (实名制): a person's employment status (a new status ends the open one
the day before it starts, so the history stays), training records and job offers, entered one by one
or imported from a sheet (all or nothing, set-based)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.identity import IdError, parse_resident_id
from canlian.core.registry.models import Person
from canlian.domains.employment.actions._common import MANAGE, VIEW, _yes_no
from canlian.domains.employment.choices import OfferOutcome, RecordSource, WorkStatus
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.models import Employer, EmploymentStatus, JobOffer, TrainingRecord
from canlian.platform.access import authorize, is_system, lock_for, scope_roots, user_or_none
from canlian.platform.errors import Conflict, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_choice, as_date, as_text, field_error

#: Chinese words of the import sheet for the statuses.
STATUS_WORDS = {
    "单位就业": WorkStatus.EMPLOYER,
    "按比例就业": WorkStatus.EMPLOYER,
    "集中就业": WorkStatus.EMPLOYER,
    "个体就业": WorkStatus.SELF_EMPLOYED,
    "自主创业": WorkStatus.SELF_EMPLOYED,
    "灵活就业": WorkStatus.FLEXIBLE,
    "辅助性就业": WorkStatus.ASSISTED,
    "公益性岗位": WorkStatus.PUBLIC_WELFARE,
    "农业种养": WorkStatus.FARMING,
    "务农": WorkStatus.FARMING,
    "未就业": WorkStatus.NOT_EMPLOYED,
    "无劳动能力": WorkStatus.UNABLE,
}


def _person(actor: Any, person_id: Any) -> Person:
    """The person, locked, if the actor manages employment in their region."""
    person = lock_for(actor, Person.objects, person_id, view=VIEW)
    authorize(actor, MANAGE, person.region_code)
    return person


def _employer(actor: Any, employer_id: Any, *, row: int | None = None) -> Employer | None:
    if employer_id in (None, ""):
        return None
    base = Employer.objects.all() if is_system(actor) else Employer.objects.for_user(actor, VIEW)
    employer = base.filter(pk=employer_id).first() if str(employer_id).isdigit() else None
    if employer is None:
        raise field_error("employer_id", _("Unknown employer."), employer_id, row=row)
    return employer


def _hours(value: Any, *, row: int | None = None) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise field_error("hours", _("Enter the hours, such as 40 or 12.5."), value, row=row) from exc
    if not hours.is_finite() or hours <= 0 or hours > 10000 or hours != hours.quantize(Decimal("0.1")):
        raise field_error("hours", _("Enter the hours, such as 40 or 12.5."), value, row=row)
    return hours.quantize(Decimal("0.1"))


def _status_value(value: Any, *, row: int | None = None) -> str:
    text = str(value or "").strip()
    if text in STATUS_WORDS:
        return STATUS_WORDS[text]
    return as_choice(text, "status", WorkStatus.choices, row=row)


def _changed(day: dt.date) -> None:
    today = timezone.localdate()
    sources_changed("employment", year=today.year, month=today.month)


@transaction.atomic
def employment_status_record(
    *,
    actor: Any,
    person_id: Any,
    status: Any,
    started_on: Any,
    employer_id: Any = None,
    employer_name: Any = "",
    post: Any = "",
    source: Any = RecordSource.ENTERED,
    note: Any = "",
) -> EmploymentStatus:
    """A person's status from ``started_on``; the open status ends the day before. A status may not
    start on or before the start of the person's latest one (history is appended, not rewritten)."""
    person = _person(actor, person_id)
    kind = _status_value(status)
    start = as_date(started_on, "started_on")
    employer = _employer(actor, employer_id)
    name = as_text(employer_name, "employer_name", max_length=120)
    if employer is not None and not name:
        name = employer.name
    if kind == WorkStatus.EMPLOYER and not name:
        raise field_error("employer_name", _("Name the employer."))
    latest = EmploymentStatus.objects.filter(person=person).order_by("-started_on").first()
    if latest is not None and latest.started_on >= start:
        raise Conflict(
            _("The person's status already changed on %(day)s; a new status starts after it.")
            % {"day": latest.started_on.isoformat()},
            field="started_on",
        )
    if latest is not None and latest.ended_on is None:
        latest.ended_on = start - dt.timedelta(days=1)
        latest.save(update_fields=["ended_on"])
    row = EmploymentStatus.objects.create(
        person=person,
        status=kind,
        employer=employer,
        employer_name=name,
        post=as_text(post, "post", max_length=60),
        started_on=start,
        source=as_choice(source, "source", RecordSource.choices),
        note=as_text(note, "note", max_length=200),
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.STATUS_RECORDED,
        obj=row,
        region_code=person.region_code,
        old={"status": latest.status, "started_on": latest.started_on} if latest else None,
        new={"status": kind, "started_on": start, "employer": name},
    )
    _changed(start)
    return row


def _training_fields(data: dict[str, Any], *, row: int | None = None) -> dict[str, Any]:
    start = as_date(data.get("started_on"), "started_on", row=row)
    end = as_date(data.get("ended_on"), "ended_on", required=False, row=row)
    if end is not None and end < start:
        raise field_error("ended_on", _("The end is before the start."), end, row=row)
    obtained = _yes_no(data.get("certificate_obtained", ""), "certificate_obtained", row=row)
    certificate = as_text(data.get("certificate_name"), "certificate_name", max_length=100, row=row)
    return {
        "course": as_text(data.get("course"), "course", max_length=100, required=True, row=row),
        "provider": as_text(data.get("provider"), "provider", max_length=100, row=row),
        "hours": _hours(data.get("hours"), row=row),
        "started_on": start,
        "ended_on": end,
        "certificate_obtained": obtained or bool(certificate),
        "certificate_name": certificate,
        "funding": as_text(data.get("funding"), "funding", max_length=100, row=row),
    }


@transaction.atomic
def training_record(*, actor: Any, person_id: Any, **data: Any) -> TrainingRecord:
    """A training the person took (course, provider, hours, dates, certificate, funding)."""
    person = _person(actor, person_id)
    fields = _training_fields(data)
    if TrainingRecord.objects.filter(
        person=person, course=fields["course"], started_on=fields["started_on"]
    ).exists():
        raise Conflict(_("This training of the person is already recorded."), field="course")
    row = TrainingRecord.objects.create(
        person=person,
        source=as_choice(data.get("source") or RecordSource.ENTERED, "source", RecordSource.choices),
        created_by=user_or_none(actor),
        **fields,
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.TRAINING_RECORDED,
        obj=row,
        region_code=person.region_code,
        new={"course": fields["course"], "hours": fields["hours"], "started_on": fields["started_on"]},
    )
    _changed(fields["started_on"])
    return row


@transaction.atomic
def job_offer_record(
    *,
    actor: Any,
    person_id: Any,
    post: Any,
    offered_on: Any,
    employer_id: Any = None,
    employer_name: Any = "",
    outcome: Any = OfferOutcome.PENDING,
    note: Any = "",
) -> JobOffer:
    """A job offered or a referral made to the person, with its outcome so far."""
    person = _person(actor, person_id)
    employer = _employer(actor, employer_id)
    name = as_text(employer_name, "employer_name", max_length=120) or (employer.name if employer else "")
    if not name:
        raise field_error("employer_name", _("Name the employer."))
    row = JobOffer.objects.create(
        person=person,
        employer=employer,
        employer_name=name,
        post=as_text(post, "post", max_length=60, required=True),
        offered_on=as_date(offered_on, "offered_on"),
        outcome=as_choice(outcome or OfferOutcome.PENDING, "outcome", OfferOutcome.choices),
        note=as_text(note, "note", max_length=200),
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.OFFER_RECORDED,
        obj=row,
        region_code=person.region_code,
        new={"post": row.post, "employer": name, "outcome": row.outcome},
    )
    return row


# --- the import ------------------------------------------------------------------------------------

#: The sheets' columns: field → headings accepted (Chinese as the templates have them).
STATUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "id_number"),
    "status": ("就业状态", "status"),
    "started_on": ("起始日期", "started_on"),
    "employer_name": ("就业单位", "employer_name"),
    "post": ("岗位", "post"),
    "note": ("备注", "note"),
}
TRAINING_COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "id_number"),
    "course": ("培训项目", "course"),
    "provider": ("培训机构", "provider"),
    "hours": ("学时", "hours"),
    "started_on": ("开始日期", "started_on"),
    "ended_on": ("结束日期", "ended_on"),
    "certificate_name": ("所获证书", "certificate_name"),
    "funding": ("资金来源", "funding"),
}
_REQUIRED = {
    "statuses": ("id_number", "status", "started_on"),
    "trainings": ("id_number", "course", "hours", "started_on"),
}


@dataclass
class RealNameImportResult:
    kind: str
    rows: int = 0
    closed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "closed": self.closed}


def _columns(
    header: list[str], spec: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, aliases in spec.items():
        for heading in header:
            if heading.strip() in aliases or heading.strip().lower() in aliases:
                found[name] = heading
                break
    missing = [n for n in required if n not in found]
    if missing:
        raise ValidationFailed(
            errors=[
                RowError(1, n, _("Column missing: %(heading)s") % {"heading": spec[n][0]}) for n in missing
            ]
        )
    return found


@transaction.atomic
def realname_import(*, actor: Any, table: Any, kind: str) -> RealNameImportResult:
    """Import statuses (``kind="statuses"``) or trainings (``"trainings"``) by ID number. Every person
    must be registered and in the actor's region; a status must start after the person's latest
    one (and after an earlier row of the same person). All or nothing: every refused row is named
    with its field; then one bulk statement per table."""
    if kind not in _REQUIRED:
        raise field_error("kind", _("Choose statuses or trainings."), kind)
    spec = STATUS_COLUMNS if kind == "statuses" else TRAINING_COLUMNS
    columns = _columns(list(table.header), spec, _REQUIRED[kind])
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[RowError] = []
    for row, raw in table.dicts():
        data = {name: raw.get(heading, "") for name, heading in columns.items()}
        if not any(str(v).strip() for v in data.values()):
            continue
        try:
            try:
                number = parse_resident_id(str(data["id_number"])).number
            except IdError as exc:
                raise field_error("id_number", str(exc), data["id_number"], row=row) from exc
            if kind == "statuses":
                fields = {
                    "status": _status_value(data["status"], row=row),
                    "started_on": as_date(data["started_on"], "started_on", row=row),
                    "employer_name": as_text(
                        data.get("employer_name"), "employer_name", max_length=120, row=row
                    ),
                    "post": as_text(data.get("post"), "post", max_length=60, row=row),
                    "note": as_text(data.get("note"), "note", max_length=200, row=row),
                }
                if fields["status"] == WorkStatus.EMPLOYER and not fields["employer_name"]:
                    raise field_error("employer_name", _("Name the employer."), row=row)
            else:
                fields = _training_fields(data, row=row)
            parsed.append((row, number, fields))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if not parsed and not errors:
        raise ValidationFailed(errors=[RowError(None, None, _("The file holds no rows."))])
    numbers = {n for _r, n, _f in parsed}
    base = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, MANAGE)
    people = dict(base.filter(id_number__in=numbers).values_list("id_number", "pk"))
    known = set(
        Person.objects.filter(id_number__in=numbers - set(people)).values_list("id_number", flat=True)
    )
    for row, number, _fields in parsed:
        if number not in people:
            message = (
                _("The person lives outside your region.") if number in known else _("Not in the registry.")
            )
            errors.append(RowError(row, "id_number", message, number))
    result = RealNameImportResult(kind=kind)
    if kind == "statuses":
        latest: dict[int, Any] = {}
        for status in EmploymentStatus.objects.filter(person_id__in=people.values()).order_by("started_on"):
            latest[status.person_id] = status
        last_start: dict[int, tuple[dt.date, int]] = {pid: (s.started_on, 0) for pid, s in latest.items()}
        for row, number, fields in sorted(parsed, key=lambda p: (p[2]["started_on"], p[0])):
            pid = people.get(number)
            if pid is None:
                continue
            before = last_start.get(pid)
            if before is not None and before[0] >= fields["started_on"]:
                where = (
                    _("row %(row)s") % {"row": before[1]}
                    if before[1]
                    else _("the recorded status of %(day)s") % {"day": before[0].isoformat()}
                )
                errors.append(
                    RowError(
                        row,
                        "started_on",
                        _("Must start after %(where)s.") % {"where": where},
                        fields["started_on"].isoformat(),
                    )
                )
                continue
            last_start[pid] = (fields["started_on"], row)
    else:
        seen: dict[tuple[str, str, dt.date], int] = {}
        for row, number, fields in parsed:
            key = (number, fields["course"], fields["started_on"])
            if key in seen:
                errors.append(
                    RowError(row, "course", _("The same training as row %(row)s.") % {"row": seen[key]})
                )
            seen[key] = row
        taken = set(
            TrainingRecord.objects.filter(person_id__in=people.values()).values_list(
                "person_id", "course", "started_on"
            )
        )
        for row, number, fields in parsed:
            if (people.get(number), fields["course"], fields["started_on"]) in taken:
                errors.append(RowError(row, "course", _("This training of the person is already recorded.")))
    if errors:
        raise ValidationFailed(errors=sorted(errors, key=lambda e: (e.row or 0, e.field or "")))
    by = user_or_none(actor)
    if kind == "trainings":
        TrainingRecord.objects.bulk_create(
            [
                TrainingRecord(person_id=people[n], source=RecordSource.IMPORTED, created_by=by, **f)
                for _r, n, f in parsed
            ]
        )
    else:
        ordered = sorted(parsed, key=lambda p: (people[p[1]], p[2]["started_on"]))
        rows: list[EmploymentStatus] = []
        for index, (_r, number, fields) in enumerate(ordered):
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            end = None
            if following is not None and following[1] == number:
                end = following[2]["started_on"] - dt.timedelta(days=1)
            rows.append(
                EmploymentStatus(
                    person_id=people[number],
                    source=RecordSource.IMPORTED,
                    created_by=by,
                    ended_on=end,
                    **fields,
                )
            )
        # the open statuses end the day before each person's first imported one (one UPDATE per
        # distinct start day, not per person)
        first: dict[int, dt.date] = {}
        for item in rows:
            first.setdefault(item.person_id, item.started_on)
        by_day: dict[dt.date, list[int]] = {}
        for pid, day in first.items():
            if pid in latest and latest[pid].ended_on is None:
                by_day.setdefault(day, []).append(pid)
        for day, pids in by_day.items():
            result.closed += EmploymentStatus.objects.filter(
                person_id__in=pids, ended_on__isnull=True
            ).update(ended_on=day - dt.timedelta(days=1))
        try:
            with transaction.atomic():
                EmploymentStatus.objects.bulk_create(rows)
        except IntegrityError as exc:
            raise Conflict(
                _("Another change of these statuses was saved at the same time; try again.")
            ) from exc
    result.rows = len(parsed)
    audit_record(
        actor=actor,
        event=EmploymentEvent.REALNAME_IMPORTED,
        object_type="employment.employmentstatus" if kind == "statuses" else "employment.trainingrecord",
        object_repr=_("%(n)s rows") % {"n": result.rows},
        region_code=(scope_roots(actor, MANAGE) or [""])[0],
        new=result.as_dict(),
    )
    _changed(timezone.localdate())
    return result


NOT_EMPLOYED_HEADER = ("姓名", "身份证号", "电话", "所在地区", "就业状态", "培训", "岗位推荐")


@transaction.atomic
def not_employed_export(
    *, actor: Any, on: dt.date, region_code: str = "", q: str = "", trained: str = "", offered: str = ""
) -> tuple[bytes, int]:
    """The able, working-age, not-employed people of the actor's region as a workbook (masked ID
    numbers and phones, their trainings and offers); audited as an export (``record.exported``)."""
    from canlian.core.audit.actions import audit_sensitive_read
    from canlian.core.audit.events import EventType
    from canlian.domains.employment import selectors
    from canlian.platform.exports import Sheet, xlsx_bytes

    people = list(
        selectors.not_employed_visible(
            user=actor, on=on, region_code=region_code, q=q, trained=trained, offered=offered
        ).order_by("region_code", "pk")[:20000]
    )
    trainings = selectors.trainings_of(people)
    offers = selectors.offers_of(people)
    rows = [
        (
            p.name,
            p.masked_id,
            p.masked_phone,
            p.region_code,
            str(WorkStatus(p.work_status).label) if p.work_status else "未登记",
            "；".join(f"{t.course}（{t.hours}学时）" for t in trainings.get(p.pk, [])),
            "；".join(
                f"{o.employer_name} {o.post}（{o.get_outcome_display()}）" for o in offers.get(p.pk, [])
            ),
        )
        for p in people
    ]
    content, count = xlsx_bytes([Sheet(title=on.isoformat(), header=NOT_EMPLOYED_HEADER, rows=rows)])
    audit_sensitive_read(
        actor=actor,
        event=EventType.RECORDS_EXPORTED,
        region_code=region_code,
        list="employment.not_employed",
        rows=count,
    )
    return content, count
