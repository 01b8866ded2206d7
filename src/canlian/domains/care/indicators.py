"""The care indicators, on the definitions of ``compliance.py``, ``selectors.py`` and the cadence.

* **Pairing coverage** (应结尽结, snapshot): of the people who should be paired on the day (living, a
  certificate in force and valid of an eligible grade, an eligible hardship status then:
  ``selectors.should_be_paired`` as of that day), those with a pairing in force that day; by the
  person's residence.
* **On track** (按期完成率, snapshot): of the people paired at some time in the year (one row each:
  their latest pairing of the year, whose region they count in), those not overdue on the day,
  exactly as ``compliance.person_compliance`` judges them — the rule of the longest region prefix in
  force, its yearly counts pro-rated to the paired period, the contacts and home visits due to date
  spread evenly over it — computed in SQL: dates become days of the year (the year is fixed), the
  ceilings and floors integer divisions.
* **Contacts**, **home visits** (in period): contacts dated in the month (home visits count as
  contacts), and of them the home visits; **needs solved**: needs resolved or closed with a
  resolution date in the month. By the row's region (the person's, copied when written).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, Greatest, Least
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.choices import LifeStatus
from canlian.core.registry.models import Certificate, HardshipStatus, Person, certificate_in_force_q
from canlian.domains.care.compliance import _rule_counts, days_in_year
from canlian.domains.care.models import AppliesTo, Contact, ContactRule, ContactWay, Need, NeedStatus, Pairing
from canlian.domains.care.selectors import pairing_eligibility
from canlian.platform.indicators import Indicator, Period, Unit, Window

AREA = _("Care of people")
PERMISSION = Perm.CARE_VIEW
INT = IntegerField()
SOLVED = (NeedStatus.RESOLVED, NeedStatus.CLOSED)

PERSON_COLUMNS = (
    (_("Full name"), "person.name"),
    (_("ID number"), "person.masked_id"),
    (_("Region"), "region_code"),
)


# --- pairing coverage ------------------------------------------------------------------------------


def _should_be_paired(people: QuerySet, on: dt.date) -> QuerySet:
    rule = pairing_eligibility()
    certified = Certificate.objects.filter(
        certificate_in_force_q(on), person=OuterRef("pk"), valid_until__gte=on, grade__in=rule["grades"]
    )
    hardship = HardshipStatus.objects.filter(
        person=OuterRef("pk"), kind__in=rule["hardship_kinds"], valid_from__lte=on
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    alive = ~Q(life_status__in=[LifeStatus.DECEASED, LifeStatus.MOVED_OUT], life_status_date__lte=on)
    return people.filter(alive, Exists(certified), Exists(hardship))


def _paired_q(on: dt.date) -> Q:
    return Q(Exists(Pairing.objects.active_on(on).filter(person=OuterRef("pk"))))


def coverage_leaf(window: Window) -> QuerySet:
    return (
        _should_be_paired(Person.objects.all(), window.end)
        .values(region=F("region_code"))
        .annotate(numerator=Count("pk", filter=_paired_q(window.end)), denominator=Count("pk"))
    )


def coverage_records(user: Any, window: Window, region_code: str) -> QuerySet:
    people = Person.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return (
        _should_be_paired(people, window.end)
        .annotate(paired=ExpressionWrapper(_paired_q(window.end), output_field=BooleanField()))
        .order_by("paired", "region_code", "id")
    )


# --- on track (compliance in SQL) ------------------------------------------------------------------


def _day_of_year(date: Expression, year: int) -> Expression:
    """Day of the year (1 January = 1) of a date in ``year``, in integers:
    275·M div 9 − K·((M + 9) div 12) + D − 30, K = 1 in a leap year, 2 otherwise."""
    k = 1 if calendar.isleap(year) else 2
    month = Cast(ExtractMonth(date), INT)
    day = Cast(ExtractDay(date), INT)
    return Value(275) * month / Value(9) - Value(k) * ((month + Value(9)) / Value(12)) + day - Value(30)


def _due_to_date(required: Expression, elapsed: Expression, period: Expression) -> Expression:
    """min(R, (2·R·E + P) div (2·P)): ``compliance.required_to_date``."""
    return Least(required, (Value(2) * required * elapsed + period) / (Value(2) * period), output_field=INT)


def _compliance(pairings: QuerySet, window: Window) -> QuerySet:
    """Each person's latest pairing of the year among ``pairings``, annotated with the contacts and
    home visits of the year to the day (``contacts_done``, ``visits_done``), those due to date
    (``contacts_due``, ``visits_due``) and ``on_track`` (not overdue).

    The paired period (from the earliest pairing of the year to the end of the latest) and what is
    due to date come from one grouped subquery per figure over the person's pairings of the year."""
    year, on = window.year, window.end
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    year_days = days_in_year(year)
    overlapping = Q(started_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))
    same_person = Pairing.objects.filter(overlapping, person_id=OuterRef("person_id"))
    later = same_person.filter(
        Q(started_on__gt=OuterRef("started_on")) | Q(started_on=OuterRef("started_on"), pk__gt=OuterRef("pk"))
    )
    reference = min(max(on, first), last)
    rules = list(ContactRule.objects.filter(applies_to=AppliesTo.PAIRED).in_force(reference))
    rules.sort(key=lambda r: (len(r.region_prefix), r.valid_from), reverse=True)

    paired_from = Greatest(Min("started_on"), Value(first), output_field=DateField())
    paired_to = Least(Max(Coalesce("ended_on", Value(last))), Value(last), output_field=DateField())
    span = (
        same_person.order_by()
        .values("person_id")
        .annotate(start_day=_day_of_year(paired_from, year), end_day=_day_of_year(paired_to, year))
        .annotate(period=F("end_day") - F("start_day") + Value(1))
        .annotate(
            elapsed=Greatest(
                Value(0), Least(Value(on.timetuple().tm_yday) - F("start_day"), F("period")), output_field=INT
            )
        )
    )

    def due(which: int) -> Case:
        """Due to date under the row's rule (the longest region prefix first): one grouped subquery
        per rule, of which the database evaluates only the matching branch."""
        whens = []
        for rule in rules:
            yearly = Value(_rule_counts(rule, year_days)[which])
            required = (yearly * F("period") + Value(year_days - 1)) / Value(year_days)
            figure = span.annotate(due=_due_to_date(required, F("elapsed"), F("period"))).values("due")
            whens.append(When(region_code__startswith=rule.region_prefix, then=Subquery(figure)))
        return Case(*whens, default=Value(0), output_field=INT)

    contacts = Contact.objects.filter(person_id=OuterRef("person_id"), on__gte=first, on__lte=min(on, last))

    def count(rows: QuerySet) -> Coalesce:
        n = rows.order_by().values("person_id").annotate(n=Count("id")).values("n")
        return Coalesce(Subquery(n, output_field=INT), Value(0), output_field=INT)

    rows = (
        pairings.filter(overlapping)
        .filter(~Exists(later))
        .annotate(
            contacts_done=count(contacts),
            visits_done=count(contacts.filter(way=ContactWay.HOME_VISIT)),
            contacts_due=due(0),
            visits_due=due(1),
        )
    )
    on_track = Q(contacts_done__gte=F("contacts_due"), visits_done__gte=F("visits_due"))
    return rows.annotate(on_track=ExpressionWrapper(on_track, output_field=BooleanField()))


def on_track_leaf(window: Window) -> QuerySet:
    return (
        _compliance(Pairing.objects.all(), window)
        .values(region=F("region_code"))
        .annotate(numerator=Count("id", filter=Q(on_track=True)), denominator=Count("id"))
    )


def on_track_records(user: Any, window: Window, region_code: str) -> QuerySet:
    pairings = Pairing.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return (
        _compliance(pairings, window)
        .select_related("person", "cadre")
        .order_by("on_track", "region_code", "id")
    )


# --- contacts, visits, needs solved ----------------------------------------------------------------


def _contacts(base: QuerySet, window: Window, visits: bool) -> QuerySet:
    rows = base.filter(on__gte=window.start, on__lte=window.end)
    return rows.filter(way=ContactWay.HOME_VISIT) if visits else rows


def contacts_leaf(visits: bool):
    def leaf(window: Window) -> QuerySet:
        return (
            _contacts(Contact.objects.all(), window, visits)
            .values(region=F("region_code"))
            .annotate(numerator=Count("id"))
        )

    return leaf


def contacts_records(visits: bool):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        base = Contact.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
        return _contacts(base, window, visits).select_related("person", "cadre").order_by("on", "id")

    return records


def _solved(base: QuerySet, window: Window) -> QuerySet:
    return base.filter(status__in=SOLVED, resolved_on__gte=window.start, resolved_on__lte=window.end)


def needs_leaf(window: Window) -> QuerySet:
    return _solved(Need.objects.all(), window).values(region=F("region_code")).annotate(numerator=Count("id"))


def needs_records(user: Any, window: Window, region_code: str) -> QuerySet:
    base = Need.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return _solved(base, window).select_related("person").order_by("resolved_on", "id")


CONTACT_COLUMNS = (
    *PERSON_COLUMNS,
    (_("Date"), "on"),
    (_("Way"), "get_way_display"),
    (_("Cadre"), "cadre.display_name"),
)

INDICATORS = [
    Indicator(
        code="care.pairing_coverage",
        name=_("People who should be paired who are paired"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("care", "registry"),
        leaf=coverage_leaf,
        records=coverage_records,
        denominator_label=_("people who should be paired"),
        record_columns=(
            (_("Full name"), "name"),
            (_("ID number"), "masked_id"),
            (_("Region"), "region_code"),
            (_("Paired on the day"), "paired"),
        ),
        order=10,
    ),
    Indicator(
        code="care.on_track",
        name=_("Paired people contacted on schedule"),
        area=AREA,
        unit=Unit.RATE,
        period=Period.SNAPSHOT,
        permission=PERMISSION,
        sources=("care",),
        leaf=on_track_leaf,
        records=on_track_records,
        denominator_label=_("people paired this year"),
        record_columns=(
            *PERSON_COLUMNS,
            (_("Cadre"), "cadre.display_name"),
            (_("Contacts"), "contacts_done"),
            (_("Home visits"), "visits_done"),
            (_("Contacts due to date"), "contacts_due"),
            (_("Home visits due to date"), "visits_due"),
            (_("On track"), "on_track"),
        ),
        order=20,
    ),
    Indicator(
        code="care.contacts",
        name=_("Contacts with paired people"),
        area=AREA,
        unit=Unit.TIMES,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("care",),
        leaf=contacts_leaf(False),
        records=contacts_records(False),
        record_columns=CONTACT_COLUMNS,
        order=30,
    ),
    Indicator(
        code="care.visits",
        name=_("Home visits to paired people"),
        area=AREA,
        unit=Unit.TIMES,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("care",),
        leaf=contacts_leaf(True),
        records=contacts_records(True),
        record_columns=CONTACT_COLUMNS,
        order=31,
    ),
    Indicator(
        code="care.needs_solved",
        name=_("Needs solved"),
        area=AREA,
        unit=Unit.COUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("care",),
        leaf=needs_leaf,
        records=needs_records,
        record_columns=(
            *PERSON_COLUMNS,
            (_("Need"), "description"),
            (_("Resolved on"), "resolved_on"),
        ),
        order=40,
    ),
]
