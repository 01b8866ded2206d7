"""Households, their members and head, and the set-based refresh of the household flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.actions._common import EDIT, add_years, locked_person
from canlian.core.registry.choices import Relationship
from canlian.core.registry.identity import normalize_name
from canlian.core.registry.models import Certificate, HardshipStatus, Household, HouseholdMember, Person
from canlian.platform.access import authorize, lock_for
from canlian.platform.errors import Conflict, InvalidState, NotFound
from canlian.platform.inputs import field_error


def household_ids_of(person_ids: list[int]) -> list[int]:
    """The households these people belong to (their flags depend on them)."""
    return list(
        HouseholdMember.objects.filter(person_id__in=person_ids)
        .values_list("household_id", flat=True)
        .distinct()
    )


@transaction.atomic
def household_create(*, actor: Any, head_person_id: int, number: str = "", address: str = "") -> Household:
    """A household around its head, a registered person; it lives in the head's region."""
    head = locked_person(actor, head_person_id)
    if HouseholdMember.objects.filter(person=head).exists():
        raise Conflict(
            _("This person already belongs to a household."), code="already_member", field="person"
        )
    household = Household.objects.create(
        region_code=head.region_code,
        number=number.strip(),
        address=(address or head.residence_address).strip(),
    )
    HouseholdMember.objects.create(
        household=household,
        person=head,
        name=head.name,
        birth_date=head.birth_date,
        relationship=Relationship.HEAD,
        is_head=True,
    )
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_CREATED,
        obj=household,
        new={"head": head.pk, "number": household.number},
    )
    households_refresh_flags(household_ids=[household.pk])
    return household


def locked_household(actor: Any, household_id: Any) -> Household:
    return lock_for(actor, Household, household_id, act=EDIT)


@transaction.atomic
def household_add_member(
    *,
    actor: Any,
    household_id: int,
    relationship: str,
    person_id: int | None = None,
    name: str = "",
    birth_date: dt.date | None = None,
) -> HouseholdMember:
    """Add a registered person (name and birth date copied) or a relative known by name and birth date."""
    household = locked_household(actor, household_id)
    if relationship not in Relationship.values or relationship == Relationship.HEAD:
        raise field_error("relationship", _("Choose the relationship to the head."), relationship)
    if person_id is not None:
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound()
        authorize(actor, EDIT, person.region_code)
        if HouseholdMember.objects.filter(person=person).exists():
            raise Conflict(
                _("This person already belongs to a household."), code="already_member", field="person"
            )
        name, birth_date = person.name, person.birth_date
    else:
        person = None
        try:
            name = normalize_name(name)
        except ValueError as exc:
            raise field_error("name", exc, name) from exc
        if birth_date is None:
            raise field_error(
                "birth_date", _("Give the relative's birth date (it decides the elderly-carer flag).")
            )
        if birth_date > timezone.localdate():
            raise field_error("birth_date", _("The birth date cannot be in the future."), birth_date)
    member = HouseholdMember.objects.create(
        household=household, person=person, name=name, birth_date=birth_date, relationship=relationship
    )
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_MEMBER_ADDED,
        obj=household,
        new={"member": member.pk, "name": name, "person": person_id, "relationship": relationship},
    )
    households_refresh_flags(household_ids=[household.pk])
    return member


@transaction.atomic
def household_remove_member(*, actor: Any, member_id: int) -> Household:
    member = HouseholdMember.objects.select_related("household").filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    household = locked_household(actor, member.household_id)
    if member.is_head and household.members.count() > 1:
        raise InvalidState(_("Choose another head before removing the head."), code="head_required")
    old = {"member": member.pk, "name": member.name, "person": member.person_id}
    member.delete()
    audit_record(actor=actor, event=EventType.HOUSEHOLD_MEMBER_REMOVED, obj=household, old=old)
    households_refresh_flags(household_ids=[household.pk])
    return household


@transaction.atomic
def household_set_head(*, actor: Any, member_id: int) -> HouseholdMember:
    member = HouseholdMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    household = locked_household(actor, member.household_id)
    previous = household.members.filter(is_head=True).exclude(pk=member.pk).first()
    if previous is None and member.is_head:
        return member
    if previous is not None:
        previous.is_head = False
        previous.relationship = Relationship.OTHER
        previous.save(update_fields=["is_head", "relationship"])
    member.is_head = True
    member.relationship = Relationship.HEAD
    member.save(update_fields=["is_head", "relationship"])
    audit_record(
        actor=actor,
        event=EventType.HOUSEHOLD_HEAD_SET,
        obj=household,
        old={"head": previous.pk if previous else None},
        new={"head": member.pk},
    )
    return member


# The three rules as one aggregate over the members (one pass, hash joins), rewriting only the
# households whose flags change. PostgreSQL, and SQLite >= 3.33 for UPDATE … FROM. The statement
# starts with UPDATE (the CTEs sit in the FROM subquery) so that drivers report the row count.
_FLAGS_SQL = """
UPDATE {household} SET multi_disabled = f.multi, alone_disabled = f.alone, elderly_carers = f.carers
FROM (
WITH disabled AS (
  SELECT c.person_id FROM {cert} c WHERE c.state = 'active' AND c.valid_until >= %(on)s
), orphan AS (
  SELECT DISTINCT h.person_id FROM {hardship} h
  WHERE h.kind = 'orphan' AND h.valid_from <= %(on)s AND (h.valid_to IS NULL OR h.valid_to >= %(on)s)
), per_household AS (
  SELECT m.household_id AS id,
    COUNT(*) AS members,
    COUNT(d.person_id) AS disabled,
    SUM(CASE WHEN d.person_id IS NOT NULL AND m.birth_date <= %(adult)s AND m.birth_date > %(elderly)s
        THEN 1 ELSE 0 END) AS disabled_working_age,
    SUM(CASE WHEN d.person_id IS NOT NULL AND o.person_id IS NOT NULL THEN 1 ELSE 0 END) AS disabled_orphans,
    SUM(CASE WHEN d.person_id IS NULL THEN 1 ELSE 0 END) AS others,
    SUM(CASE WHEN d.person_id IS NULL AND (m.birth_date IS NULL OR m.birth_date > %(elderly)s)
        THEN 1 ELSE 0 END) AS young_others
  FROM {member} m
  LEFT JOIN disabled d ON d.person_id = m.person_id
  LEFT JOIN orphan o ON o.person_id = m.person_id
  {member_filter}
  GROUP BY m.household_id
), flags AS (
  SELECT h.id,
    COALESCE(p.disabled >= 2, FALSE) AS multi,
    COALESCE(p.disabled >= 1 AND (p.members = 1 OR p.disabled_orphans >= 1), FALSE) AS alone,
    COALESCE(p.disabled_working_age >= 1 AND p.others >= 1 AND p.young_others = 0, FALSE) AS carers
  FROM {household} h LEFT JOIN per_household p ON p.id = h.id
  {household_filter}
)
SELECT id, multi, alone, carers FROM flags
) AS f
WHERE {household}.id = f.id
  AND ({household}.multi_disabled <> f.multi OR {household}.alone_disabled <> f.alone
       OR {household}.elderly_carers <> f.carers)
"""


def households_refresh_flags(*, household_ids: list[int] | None = None, on: dt.date | None = None) -> int:
    """Recompute 一户多残, 孤残 and 以老养残 for the given households (all when None) in one UPDATE;
    returns how many households changed.

    - several disabled members: two or more members hold a certificate in force;
    - orphaned or alone: a disabled member who lives alone or is an orphan;
    - elderly carers: a disabled adult of working age (18–59) whose non-disabled members, at least
      one, are all 60 or older (elderly parents caring for a disabled son or daughter; an elderly
      couple of whom one is disabled is not counted).
    Deceased or moved-out people keep their membership until a worker removes them; their
    certificate is cancelled on death, so they stop counting as disabled.
    """
    if household_ids is not None and not household_ids:
        return 0
    on = on or timezone.localdate()
    params: dict[str, Any] = {"on": on, "adult": add_years(on, -18), "elderly": add_years(on, -60)}
    member_filter = household_filter = ""
    if household_ids is not None:
        marks = ", ".join(f"%(h{i})s" for i in range(len(household_ids)))
        member_filter = f"WHERE m.household_id IN ({marks})"
        household_filter = f"WHERE h.id IN ({marks})"
        params.update({f"h{i}": h for i, h in enumerate(household_ids)})
    sql = _FLAGS_SQL.format(
        household=Household._meta.db_table,
        member=HouseholdMember._meta.db_table,
        cert=Certificate._meta.db_table,
        hardship=HardshipStatus._meta.db_table,
        member_filter=member_filter,
        household_filter=household_filter,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
