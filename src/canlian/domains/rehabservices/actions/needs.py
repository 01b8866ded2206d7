"""Writes of the needs survey (精准康复): a survey per person and year with its needs, services
delivered against a need, and the import of the national survey sheet (all or nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.models import Person
from canlian.domains.rehabservices.actions._common import (
    RECORD,
    certificate_on,
    day_not_future,
    institution_for,
    locked_person,
    require,
)
from canlian.domains.rehabservices.choices import NeedKind, ServicePlace, SurveySource
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import DeviceType, Need, NeedsSurvey, ServiceRecord
from canlian.platform.access import is_system, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_choice, as_text, field_error

#: Words of the survey sheet's need column (and the codes themselves).
NEED_WORDS = {
    "康复训练": NeedKind.TRAINING,
    "训练": NeedKind.TRAINING,
    "药物": NeedKind.MEDICATION,
    "药物治疗": NeedKind.MEDICATION,
    "手术": NeedKind.SURGERY,
    "护理": NeedKind.NURSING,
    "辅助器具": NeedKind.DEVICE,
    "辅具": NeedKind.DEVICE,
    "康复指导": NeedKind.GUIDANCE,
    "指导": NeedKind.GUIDANCE,
    **{str(k): k for k in NeedKind.values},
}
NONE_WORDS = {"无", "none", "无需求", ""}


def _kinds(values: Iterable[Any], field: str = "needs", row: int | None = None) -> list[str]:
    kinds: list[str] = []
    for raw in values:
        text = str(raw or "").strip()
        if not text:
            continue
        kind = NEED_WORDS.get(text)
        if kind is None:
            raise field_error(field, _("Unknown need: %(value)s.") % {"value": text}, text, row=row)
        if str(kind) not in kinds:
            kinds.append(str(kind))
    return kinds


@transaction.atomic
def survey_record(
    *,
    actor: Any,
    person_id: Any,
    surveyed_on: Any,
    needs: Iterable[Any],
    device_type_id: Any = None,
    surveyor: Any = "",
    note: Any = "",
    no_needs: bool = False,
) -> NeedsSurvey:
    """Record a person's needs survey of the year of ``surveyed_on``, taken at home: the needs by
    kind, or none (``no_needs``). The person must hold a certificate in force that day. One survey
    per person and year: a second one is a Conflict."""
    person = locked_person(actor, person_id, RECORD)
    day = day_not_future(surveyed_on, "surveyed_on")
    kinds = _kinds(needs)
    if no_needs and kinds:
        raise field_error("needs", _('Choose the needs, or "no need", not both.'))
    if not no_needs and not kinds:
        raise field_error("needs", _('Choose at least one need, or "no need".'))
    device_type = None
    if device_type_id not in (None, ""):
        if NeedKind.DEVICE not in kinds:
            raise field_error("device_type", _("A device is named only for an assistive-device need."))
        device_type = DeviceType.objects.filter(
            pk=device_type_id if str(device_type_id).isdigit() else 0, active=True
        ).first()
        if device_type is None:
            raise field_error("device_type", _("Choose a device of the catalogue."), device_type_id)
    if certificate_on(person, day) is None:
        raise InvalidState(
            _("%(name)s holds no disability certificate in force on %(day)s.")
            % {"name": person.name, "day": day},
            code="not_certified",
        )
    surveyor = as_text(surveyor, "surveyor", max_length=50)
    note = as_text(note, "note", max_length=300)
    try:
        with transaction.atomic():
            survey = NeedsSurvey.objects.create(
                person=person,
                year=day.year,
                region_code=person.region_code,
                surveyed_on=day,
                source=SurveySource.HOME,
                surveyor=surveyor
                or (getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "")),
                no_needs=bool(no_needs),
                note=note,
                recorded_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s already has a needs survey for %(year)s.") % {"name": person.name, "year": day.year},
            code="survey_exists",
        ) from exc
    Need.objects.bulk_create(
        [
            Need(
                survey=survey,
                person=person,
                year=day.year,
                region_code=person.region_code,
                kind=k,
                device_type=device_type if k == NeedKind.DEVICE else None,
            )
            for k in kinds
        ]
    )
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.SURVEY_RECORDED,
        obj=survey,
        new={"person": person.pk, "year": day.year, "needs": kinds, "no_needs": bool(no_needs)},
    )
    return survey


@transaction.atomic
def service_record(
    *,
    actor: Any,
    need_id: Any,
    delivered_on: Any,
    place: Any,
    provider: Any,
    content: Any,
    institution_id: Any = None,
    fitting: Any = None,
) -> ServiceRecord:
    """Record a service delivered against a need (training sessions, medication, an operation,
    nursing, guidance; a device fitting records its own). The day lies in the need's year."""
    require(actor, RECORD)
    need = lock_for(actor, Need, need_id, view=RECORD, related=("survey",))
    day = day_not_future(delivered_on, "delivered_on")
    if day.year != need.year or day < need.survey.surveyed_on:
        raise field_error(
            "delivered_on", _("The service must lie in the survey's year, on or after the survey."), day
        )
    place = as_choice(place, "place", ServicePlace.choices)
    provider = as_text(provider, "provider", max_length=80, required=True)
    content = as_text(content, "content", max_length=300, required=True)
    institution = None
    if institution_id not in (None, ""):
        institution = institution_for(actor, institution_id, RECORD)
    row = ServiceRecord.objects.create(
        need=need,
        person_id=need.person_id,
        year=need.year,
        region_code=need.region_code,
        kind=need.kind,
        delivered_on=day,
        place=place,
        institution=institution,
        provider=provider,
        content=content,
        fitting=fitting,
        recorded_by=user_or_none(actor),
    )
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.SERVICE_RECORDED,
        obj=row,
        new={"need": need.pk, "kind": need.kind, "delivered_on": day, "place": place},
    )
    return row


# --- import ------------------------------------------------------------------------------------------

#: Column names of the survey sheet (Chinese as sent, English as exported).
ID_COLUMNS = ("身份证号", "公民身份号码", "id_number")
DATE_COLUMNS = ("调查日期", "surveyed_on")
NEED_COLUMNS = ("康复需求", "需求", "needs")
SURVEYOR_COLUMNS = ("调查员", "surveyor")


def _column(header: list[str], names: tuple[str, ...], required: bool = True) -> int | None:
    for i, h in enumerate(header):
        if h.strip() in names:
            return i
    if required:
        raise field_error("file", _("The sheet has no column %(name)s.") % {"name": names[0]})
    return None


@transaction.atomic
def surveys_import(
    *, actor: Any, header: list[str], rows: list[list[str]], filename: str = "", first_row: int = 2
) -> int:
    """Import the survey sheet: one row per person (ID number, survey date, needs separated by
    、 or , — or 无 for none, surveyor). All or nothing: every bad row is reported by row and column
    and nothing is written. People already surveyed that year are refused row by row. Written
    set-based: the rows into a temporary table, then one INSERT … SELECT per table."""
    require(actor, RECORD)
    from canlian.core.registry.identity import parse_resident_id

    c_id = _column(header, ID_COLUMNS)
    c_day = _column(header, DATE_COLUMNS)
    c_need = _column(header, NEED_COLUMNS)
    c_who = _column(header, SURVEYOR_COLUMNS, required=False)
    errors: list[RowError] = []
    parsed: list[tuple[int, str, Any, list[str], str]] = []
    for n, row in enumerate(rows, start=first_row):
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
        try:
            day = day_not_future(cells[c_day], header[c_day])
            raw = str(cells[c_need]).replace("，", ",").replace("、", ",").replace(";", ",")
            words = [w.strip() for w in raw.split(",")]
            kinds = [] if all(w in NONE_WORDS for w in words) else _kinds(words, header[c_need], row=n)
        except ValidationFailed as exc:
            errors.extend(
                RowError(row=n, field=e.field, message=e.message, value=e.value) for e in exc.errors
            )
            continue
        who = str(cells[c_who]).strip()[:50] if c_who is not None else ""
        parsed.append((n, ident, day, kinds, who))
    people = (
        {
            p.id_number: p
            for p in Person.objects.for_user(actor, RECORD).filter(id_number__in=[r[1] for r in parsed])
        }
        if not is_system(actor)
        else {p.id_number: p for p in Person.objects.filter(id_number__in=[r[1] for r in parsed])}
    )
    seen: set[tuple[str, int]] = set()
    surveyed = set(
        NeedsSurvey.objects.filter(
            person__in=[p.pk for p in people.values()], year__in={r[2].year for r in parsed}
        ).values_list("person_id", "year")
    )
    good: list[tuple[int, Person, Any, list[str], str]] = []
    for n, ident, day, kinds, who in parsed:
        person = people.get(ident)
        if person is None:
            errors.append(
                RowError(
                    row=n,
                    field=header[c_id],
                    message=_("No such person in your region."),
                    value=ident[:6] + "…",
                )
            )
            continue
        key = (ident, day.year)
        if key in seen or (person.pk, day.year) in surveyed:
            errors.append(
                RowError(
                    row=n,
                    field=header[c_id],
                    message=_("This person already has a survey for %(year)s.") % {"year": day.year},
                    value=person.name,
                )
            )
            continue
        seen.add(key)
        good.append((n, person, day, kinds, who))
    if errors:
        errors.sort(key=lambda e: e.row or 0)
        raise ValidationFailed(errors=errors, field="file")
    if not good:
        raise field_error("file", _("The sheet holds no rows."))
    temp = "rs_survey_import"
    load_temp_table(
        temp,
        [
            ("person_id", "integer"),
            ("year", "integer"),
            ("region_code", "varchar(12)"),
            ("surveyed_on", "date"),
            ("surveyor", "varchar(50)"),
            ("no_needs", "boolean"),
            ("needs", "varchar(100)"),
        ],
        [
            (p.pk, day.year, p.region_code, day, who, not kinds, "," + ",".join(kinds) + ",")
            for _n, p, day, kinds, who in good
        ],
    )
    now = timezone.now()
    user = user_or_none(actor)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {NeedsSurvey._meta.db_table} (person_id, year, region_code, surveyed_on, source, surveyor, no_needs, note, recorded_by_id, created_at) "
            f"SELECT person_id, year, region_code, surveyed_on, %s, surveyor, no_needs, %s, %s, %s FROM {temp}",
            [
                SurveySource.IMPORT,
                as_text(filename, "file", max_length=300)[:300],
                user.pk if user else None,
                now,
            ],
        )
        for kind in NeedKind.values:
            cur.execute(
                f"INSERT INTO {Need._meta.db_table} (survey_id, person_id, year, region_code, kind, note) "
                f"SELECT s.id, t.person_id, t.year, t.region_code, %s, '' FROM {temp} t "
                f"JOIN {NeedsSurvey._meta.db_table} s ON s.person_id = t.person_id AND s.year = t.year "
                "WHERE t.needs LIKE %s",
                [kind, f"%,{kind},%"],
            )
    drop_temp_table(temp)
    for year in sorted({day.year for _n, _p, day, _k, _w in good}):
        sources_changed("services", year=year)
    audit_record(
        actor=actor,
        event=ServicesEvent.SURVEY_IMPORTED,
        object_type="rehabservices.needssurvey",
        object_repr=filename[:200],
        region_code=None,
        new={"rows": len(good), "file": filename},
    )
    return len(good)
