"""Writes of education: schools, placements entered one by one or matched from the education
department's student list (column mapping; unmatched rows listed, refused rows named). Atomic,
authorised in the transaction, audited (codes in ``events.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.identity import mask_id
from canlian.core.registry.models import Person
from canlian.domains.education.choices import NotEnrolledReason, Placement, PlacementSource, SchoolKind
from canlian.domains.education.events import EducationEvent
from canlian.domains.education.models import PlacementRecord, School
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import Conflict, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_choice, as_int, as_text, field_error

VIEW = "education.view"
MANAGE = "education.manage"

#: How the education department writes placements, mapped to ours.
PLACEMENT_WORDS = {
    "随班就读": Placement.REGULAR_CLASS,
    "普通班": Placement.REGULAR_CLASS,
    "特殊教育学校": Placement.SPECIAL_SCHOOL,
    "特教学校": Placement.SPECIAL_SCHOOL,
    "送教上门": Placement.HOME_TEACHING,
    "学前教育": Placement.PRESCHOOL,
    "幼儿园": Placement.PRESCHOOL,
    "未入学": Placement.NOT_ENROLLED,
    "中职": Placement.VOCATIONAL,
    "中等职业学校": Placement.VOCATIONAL,
    "职业学校": Placement.VOCATIONAL,
    "高校": Placement.HIGHER,
    "高等教育": Placement.HIGHER,
    "大学": Placement.HIGHER,
}
REASON_WORDS = {
    "身体原因": "health",
    "健康原因": "health",
    "缓学": "deferred",
    "延缓入学": "deferred",
    "不详": "unknown",
}


def _school_year(value: Any, *, row: int | None = None) -> int:
    return as_int(value, "school_year", low=2000, high=2100, row=row)  # type: ignore[return-value]


@transaction.atomic
def school_create(
    *, actor: Any, name: str, region_code: str, kind: str = SchoolKind.REGULAR, resource_room: bool = False
) -> School:
    from canlian.core.regions.models import Region

    region_code = as_text(region_code, "region_code", max_length=12, required=True)
    if not Region.objects.filter(code=region_code).exists():
        raise field_error("region_code", _("Unknown region."), region_code)
    authorize(actor, MANAGE, region_code)
    name = as_text(name, "name", max_length=120, required=True)
    if School.objects.filter(region_code=region_code, name=name).exists():
        raise Conflict(_("A school of this name is already registered in the region."), field="name")
    school = School.objects.create(
        name=name,
        region_code=region_code,
        kind=as_choice(kind, "kind", SchoolKind.choices),
        resource_room=bool(resource_room),
    )
    audit_record(
        actor=actor,
        event=EducationEvent.SCHOOL_CREATED,
        obj=school,
        region_code=region_code,
        new={"name": name, "kind": school.kind, "resource_room": school.resource_room},
    )
    return school


def _clean_placement(placement: Any, reason: Any, *, row: int | None = None) -> tuple[str, str]:
    text = str(placement or "").strip()
    placement = PLACEMENT_WORDS.get(text, text)
    placement = as_choice(placement, "placement", Placement.choices, row=row)
    reason_text = str(reason or "").strip()
    reason = REASON_WORDS.get(reason_text, reason_text)
    if placement == Placement.NOT_ENROLLED:
        reason = as_choice(reason or NotEnrolledReason.UNKNOWN, "reason", NotEnrolledReason.choices, row=row)
    elif reason:
        raise field_error(
            "reason", _("A reason is given only for a child not enrolled."), reason_text, row=row
        )
    return placement, reason


@transaction.atomic
def placement_record(
    *,
    actor: Any,
    person_id: int,
    school_year: Any,
    placement: str,
    school_id: int | None = None,
    reason: str = "",
    note: str = "",
) -> PlacementRecord:
    """A child's placement in a school year; recording it again replaces the year's placement
    (audited with the old and new values)."""
    person = lock_for(actor, Person, person_id, view=VIEW, act=MANAGE)
    year = _school_year(school_year)
    placement, reason = _clean_placement(placement, reason)
    school = None
    if school_id not in (None, ""):
        school = (
            (School.objects.all() if is_system(actor) else School.objects.for_user(actor, VIEW))
            .filter(pk=school_id)
            .first()
        )
        if school is None:
            raise field_error("school_id", _("Choose a school of your region."), school_id)
    if placement == Placement.NOT_ENROLLED and school is not None:
        raise field_error("school_id", _("A child not enrolled has no school."), school_id)
    note = as_text(note, "note", max_length=200)
    existing = PlacementRecord.objects.select_for_update().filter(person=person, school_year=year).first()
    old = None
    if existing is not None:
        old = {"placement": existing.placement, "school": existing.school_id, "reason": existing.reason}
        record = existing
    else:
        record = PlacementRecord(person=person, school_year=year, created_by=user_or_none(actor))
    record.region_code = person.region_code
    record.placement = placement
    record.school = school
    record.reason = reason
    record.note = note
    record.source = PlacementSource.ENTERED
    record.save()
    sources_changed("education", year=year)
    audit_record(
        actor=actor,
        event=EducationEvent.PLACEMENT_RECORDED,
        obj=record,
        region_code=record.region_code,
        old=old,
        new={"school_year": year, "placement": placement, "school": record.school_id, "reason": reason},
    )
    return record


#: The fields of the student list and the headings guessed when no mapping is given.
IMPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "公民身份号码", "id_number"),
    "name": ("姓名", "name"),
    "placement": ("安置方式", "就读方式", "placement"),
    "school": ("学校", "学校名称", "school"),
    "reason": ("未入学原因", "reason"),
}


@dataclass
class PlacementImport:
    imported: int = 0
    updated: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "unmatched": len(self.unmatched)}


def guess_mapping(header: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for name, aliases in IMPORT_FIELDS.items():
        for heading in header:
            if heading.strip() in aliases:
                mapping[name] = heading
                break
    return mapping


@transaction.atomic
def placements_import(
    *, actor: Any, table: Any, school_year: Any, mapping: dict[str, str] | None = None
) -> PlacementImport:
    """Match the education department's student list to the registry by ID number. Matched children
    (in the actor's region) get the year's placement (replacing an earlier one); rows matching no
    child of the registry are listed, not imported. A row with a bad placement or reason refuses the
    file (row and field named, nothing written)."""
    if not is_system(actor) and not actor.has_canlian_perm(MANAGE):
        from canlian.platform.errors import PermissionDenied

        raise PermissionDenied()
    year = _school_year(school_year)
    mapping = {k: v for k, v in (mapping or guess_mapping(list(table.header))).items() if v}
    missing = [k for k in ("id_number", "placement") if k not in mapping or mapping[k] not in table.header]
    if missing:
        raise ValidationFailed(
            errors=[RowError(1, k, _("Map this field to a column of the file.")) for k in missing]
        )
    rows: list[tuple[int, str, str, str, str, str]] = []
    errors: list[RowError] = []
    for number, raw in table.dicts():
        id_number = str(raw.get(mapping["id_number"], "")).strip().upper()
        if not id_number and not any(str(v).strip() for v in raw.values()):
            continue
        try:
            placement, reason = _clean_placement(
                raw.get(mapping["placement"]), raw.get(mapping.get("reason", ""), ""), row=number
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        rows.append(
            (
                number,
                id_number,
                str(raw.get(mapping.get("name", ""), "")).strip(),
                placement,
                reason,
                str(raw.get(mapping.get("school", ""), "")).strip(),
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    people_qs = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, MANAGE)
    people = {p.id_number: p for p in people_qs.filter(id_number__in={r[1] for r in rows})}
    schools_qs = School.objects.all() if is_system(actor) else School.objects.for_user(actor, VIEW)
    schools = {s.name: s for s in schools_qs.filter(name__in={r[5] for r in rows if r[5]})}
    result = PlacementImport()
    existing = {
        p.person_id: p
        for p in PlacementRecord.objects.select_for_update().filter(
            school_year=year, person__in=[p.pk for p in people.values()]
        )
    }
    new: list[PlacementRecord] = []
    changed: list[PlacementRecord] = []
    seen: set[str] = set()
    for number, id_number, name, placement, reason, school_name in rows:
        person = people.get(id_number)
        if person is None or id_number in seen:
            result.unmatched.append(
                {
                    "row": number,
                    "id_number": mask_id(id_number),
                    "name": name,
                    "why": _("Listed twice")
                    if id_number in seen
                    else _("No child of your region has this ID number"),
                }
            )
            continue
        seen.add(id_number)
        school = schools.get(school_name)
        note = "" if school or not school_name else school_name[:200]
        record = existing.get(person.pk)
        if record is None:
            new.append(
                PlacementRecord(
                    person=person,
                    school_year=year,
                    region_code=person.region_code,
                    placement=placement,
                    school=school,
                    reason=reason,
                    source=PlacementSource.IMPORTED,
                    note=note,
                    created_by=user_or_none(actor),
                )
            )
        else:
            record.placement, record.school, record.reason = placement, school, reason
            record.source, record.note, record.region_code = (
                PlacementSource.IMPORTED,
                note,
                person.region_code,
            )
            changed.append(record)
    PlacementRecord.objects.bulk_create(new)
    PlacementRecord.objects.bulk_update(
        changed, ["placement", "school", "reason", "source", "note", "region_code"]
    )
    result.imported, result.updated = len(new), len(changed)
    sources_changed("education", year=year)
    if timezone.localdate().year != year:
        sources_changed("education", year=timezone.localdate().year)
    audit_record(
        actor=actor,
        event=EducationEvent.PLACEMENTS_IMPORTED,
        object_type="education.placementrecord",
        object_repr=str(year),
        new={"school_year": year, **result.as_dict()},
    )
    return result


@transaction.atomic
def term_standard_set(
    *,
    actor: Any,
    program: str,
    region_code: str,
    year: Any,
    term: str,
    amount: Any,
    grades: str = "",
    hardship: str = "",
    note: str = "",
) -> Any:
    """The amount of one term of a per-term program (the kindergarten fee subsidy, the student grant)
    in a region: an engine standard in force for the whole of the term's paying month only (spring:
    March, autumn: September), so that month's cycle pays the term once (audited by the engine,
    refused there without the programs' permission in the region)."""
    import datetime as dt

    from canlian.domains.education.presets import TERM_MONTHS, TERM_PROGRAMS
    from canlian.platform.dates import month_end
    from canlian.programs.rules.actions import standard_create

    code = as_choice(program, "program", [(p, p) for p in TERM_PROGRAMS])
    term = as_choice(term, "term", [(t, t) for t in TERM_MONTHS])
    start = dt.date(_year_of(year), TERM_MONTHS[term], 1)
    return standard_create(
        actor=actor,
        program=code,
        region_code=region_code,
        valid_from=start,
        valid_to=month_end(start),
        amount=amount,
        grades=grades,
        hardship=hardship,
        note=note or f"{start.year} {'春季' if term == 'spring' else '秋季'}学期",
    )


def _year_of(value: Any) -> int:
    return as_int(value, "year", low=2000, high=2100, required=True)  # type: ignore[return-value]
