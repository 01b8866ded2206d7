"""防止返贫动态监测 (return-to-poverty monitoring): the actions on monitored households. A case is
opened for a person flagged as monitored (三类户; the registry's hardship status is added when it is
not there yet) with the risk causes and a visit cadence; visits are recorded on that cadence (the next
one falls due ``cadence_days`` after the last), assistance measures are recorded (a program enrolled,
employment, medical aid…), and the case is closed by the exit from monitoring, which needs its
evidence and a last visit that found the risk eliminated, and ends the registry's monitored status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.actions import hardship_add, hardship_end
from canlian.core.registry.choices import HardshipKind, HardshipSource, MonitoredType, RiskCause
from canlian.core.registry.models import HardshipStatus, HouseholdMember, Person
from canlian.domains.matching.choices import MeasureKind, MonitoringStatus
from canlian.domains.matching.events import MatchingEvent
from canlian.domains.matching.models import AssistanceMeasure, Finding, MonitoringCase, MonitoringVisit
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.errors import Conflict, InvalidState, NotFound
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_choice, as_date, as_int, as_text, field_error
from canlian.programs.models import Enrollment


def _day(value: Any, field: str, *, not_before: dt.date | None = None) -> dt.date:
    day = as_date(value, field, required=False) or timezone.localdate()
    if day > timezone.localdate():
        raise field_error(field, _("The date cannot be in the future."), day)
    if not_before is not None and day < not_before:
        raise field_error(field, _("The date cannot be before %(day)s.") % {"day": not_before}, day)
    return day


def _causes(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").split(",") if v.strip()]
    causes = [as_choice(v, "risk_causes", RiskCause.choices) for v in (values or [])]
    if not causes:
        raise field_error("risk_causes", _("Choose at least one risk cause."))
    return list(dict.fromkeys(causes))


def open_case(
    *,
    actor: Any,
    person: Person,
    monitored_type: str,
    risk_causes: list[str],
    started_on: dt.date,
    cadence_days: int,
    note: str = "",
    finding: Finding | None = None,
) -> MonitoringCase:
    """Open the case (the caller authorised): the registry's monitored status is added if missing."""
    if not HardshipStatus.objects.filter(
        person=person, kind=HardshipKind.MONITORED, valid_to__isnull=True
    ).exists():
        hardship_add(
            actor=actor,
            person_id=person.pk,
            kind=HardshipKind.MONITORED,
            valid_from=started_on,
            source=HardshipSource.RURAL_AFFAIRS,
            monitored_type=monitored_type,
            risk_cause=risk_causes[0],
            note=note,
        )
    member = HouseholdMember.objects.filter(person=person).first()
    case = MonitoringCase(
        person=person,
        household_id=member.household_id if member else None,
        region_code=person.region_code,
        monitored_type=monitored_type,
        risk_causes=risk_causes,
        started_on=started_on,
        cadence_days=cadence_days,
        next_visit_due=started_on + dt.timedelta(days=cadence_days),
        finding=finding,
        note=note,
        created_by=user_or_none(actor),
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise Conflict(
            _("This person is already monitored."), code="monitoring_open", field="person_id"
        ) from exc
    audit_record(
        actor=actor,
        event=MatchingEvent.MONITORING_OPENED,
        obj=case,
        region_code=case.region_code,
        new={
            "person": person.pk,
            "type": monitored_type,
            "risk_causes": risk_causes,
            "started_on": started_on,
        },
    )
    sources_changed("matching", year=started_on.year, month=started_on.month)
    return case


@transaction.atomic
def monitoring_open(
    *,
    actor: Any,
    person_id: Any,
    monitored_type: str,
    risk_causes: Any,
    started_on: Any = None,
    cadence_days: Any = 30,
    note: str = "",
) -> MonitoringCase:
    """Monitor a person's household against a return to poverty (matching.manage)."""
    person = Person.objects.select_for_update().filter(pk=as_int(person_id, "person_id", low=1)).first()
    if person is None:
        raise NotFound()
    authorize(actor, Perm.MATCHING_MANAGE, person.region_code)
    monitored_type = as_choice(monitored_type, "monitored_type", MonitoredType.choices)
    causes = _causes(risk_causes)
    started_on = _day(started_on, "started_on")
    cadence = as_int(cadence_days, "cadence_days", low=7, high=366)
    note = as_text(note, "note", max_length=300)
    return open_case(
        actor=actor,
        person=person,
        monitored_type=monitored_type,
        risk_causes=causes,
        started_on=started_on,
        cadence_days=cadence,
        note=note,
    )


def _locked_case(actor: Any, case_id: Any, permission: str) -> MonitoringCase:
    case = lock_for(actor, MonitoringCase, case_id, act=permission)
    if case.status != MonitoringStatus.MONITORED:
        raise InvalidState(_("This household has exited monitoring."), code="monitoring_exited")
    return case


@transaction.atomic
def monitoring_visit_record(
    *, actor: Any, case_id: Any, visited_on: Any, visitor: str, situation: str, risk_remains: bool = True
) -> MonitoringVisit:
    """A monitoring visit (matching.resolve); the next one falls due a cadence after it."""
    case = _locked_case(actor, case_id, Perm.MATCHING_RESOLVE)
    visited_on = _day(visited_on, "visited_on", not_before=case.started_on)
    visit = MonitoringVisit.objects.create(
        case=case,
        visited_on=visited_on,
        visitor=as_text(visitor, "visitor", max_length=80, required=True),
        situation=as_text(situation, "situation", max_length=2000, required=True),
        risk_remains=bool(risk_remains),
        created_by=user_or_none(actor),
    )
    latest = case.visits.order_by("-visited_on").values_list("visited_on", flat=True).first() or visited_on
    old = {"next_visit_due": case.next_visit_due}
    case.next_visit_due = latest + dt.timedelta(days=case.cadence_days)
    case.save(update_fields=["next_visit_due"])
    audit_record(
        actor=actor,
        event=MatchingEvent.MONITORING_VISITED,
        obj=case,
        region_code=case.region_code,
        old=old,
        new={
            "visited_on": visited_on,
            "risk_remains": visit.risk_remains,
            "next_visit_due": case.next_visit_due,
        },
    )
    sources_changed("matching", year=visited_on.year, month=visited_on.month)
    return visit


@transaction.atomic
def monitoring_measure_add(
    *, actor: Any, case_id: Any, kind: str, on: Any, description: str, enrollment_id: Any = None
) -> AssistanceMeasure:
    """An assistance measure taken (matching.resolve); a program measure may name the enrollment."""
    case = _locked_case(actor, case_id, Perm.MATCHING_RESOLVE)
    kind = as_choice(kind, "kind", MeasureKind.choices)
    on = _day(on, "on")
    enrollment = None
    if enrollment_id not in (None, ""):
        enrollment = Enrollment.objects.filter(
            pk=as_int(enrollment_id, "enrollment_id", low=1), person_id=case.person_id
        ).first()
        if enrollment is None:
            raise field_error("enrollment_id", _("The enrollment is not this person's."), enrollment_id)
    measure = AssistanceMeasure.objects.create(
        case=case,
        kind=kind,
        on=on,
        description=as_text(description, "description", max_length=300, required=True),
        enrollment=enrollment,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=MatchingEvent.MONITORING_MEASURE,
        obj=case,
        region_code=case.region_code,
        new={"kind": kind, "on": on, "description": measure.description, "enrollment": enrollment_id},
    )
    return measure


@transaction.atomic
def monitoring_exit(*, actor: Any, case_id: Any, on: Any, reason: str, evidence: str) -> MonitoringCase:
    """The exit from monitoring (matching.manage): the reason, the evidence, and a visit on or before
    the day that found the risk eliminated; the registry's monitored status ends that day."""
    case = _locked_case(actor, case_id, Perm.MATCHING_MANAGE)
    on = _day(on, "on", not_before=case.started_on)
    reason = as_text(reason, "reason", max_length=200, required=True)
    evidence = as_text(evidence, "evidence", max_length=4000, required=True)
    last = case.visits.filter(visited_on__lte=on).order_by("-visited_on", "-id").first()
    if last is None or last.risk_remains:
        raise InvalidState(
            _("Record a visit that found the risk eliminated before the exit."),
            code="monitoring_risk_remains",
        )
    status = HardshipStatus.objects.filter(
        person_id=case.person_id, kind=HardshipKind.MONITORED, valid_to__isnull=True
    ).first()
    if status is not None:
        hardship_end(actor=actor, status_id=status.pk, valid_to=max(on, status.valid_from), note=reason)
    case.status, case.exit_on, case.exit_reason, case.exit_evidence = (
        MonitoringStatus.EXITED,
        on,
        reason,
        evidence,
    )
    case.save(update_fields=["status", "exit_on", "exit_reason", "exit_evidence"])
    audit_record(
        actor=actor,
        event=MatchingEvent.MONITORING_EXITED,
        obj=case,
        region_code=case.region_code,
        old={"status": MonitoringStatus.MONITORED},
        new={"status": case.status, "on": on, "reason": reason},
    )
    sources_changed("matching", year=on.year, month=on.month)
    return case
