"""Compliance with the contact rules: per person, per cadre, per region.

The rule for a person is the ``ContactRule`` (applies_to "paired") in force at the reference date
whose region prefix is the longest one matching the person's pairing region. Home visits count as
contacts: 4 contacts + 2 visits is met by 2 calls and 2 visits.

**Pro-rating.** A person's paired period in year Y runs from the first day of their earliest
pairing overlapping Y (or 1 January) to the last day of their latest one (or 31 December); a
re-assignment therefore does not break the period, and the year's contacts stay with the person
whoever made them. With P the days of that period (both ends counted) and D the days of Y (366 in a
leap year), the year's requirement for a yearly count N is ``R = ceil(N × P / D)`` (at least 1 when
N ≥ 1 and P ≥ 1). A rule with ``every_days = K`` instead has N = ceil(D / K).

**Due dates and status.** The R required contacts are spread evenly over the paired period: the
k-th falls due at the midpoint of the k-th of R equal slices, i.e. on day ``e_k = ceil(P × (2k − 1)
/ (2R))`` of the period (day 1 = the first paired day). The same applies separately to home visits.
At date ``on`` (default: today), with ``E`` the paired days strictly before ``on`` (capped at P):

- required to date = ``floor(R × E / P + ½)``; contacts counted are those dated in Y up to ``on``;
- **overdue**: contacts or home visits to date are fewer than required to date;
- **due_soon**: not overdue, but they would be within ``DUE_SOON_DAYS`` (30) days (E + 30);
- **on_track**: otherwise. ``met`` says the whole year's requirement is already reached.

Example (full year, 4 + 2): the contacts fall due on 15 Feb, 16 May, 15 Aug, 15 Nov (about) and the
visits on 1 Apr and 1 Oct, so in December a person with 3 contacts and 1 visit is overdue; on 31
December of a past year the full 4 + 2 is required.

Everything is computed from two grouped queries (pairings of the visible people overlapping the
year; contacts grouped by person with conditional counts for home visits) and arithmetic per row.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.regions.choices import CODE_LENGTH
from canlian.domains.care.models import AppliesTo, Contact, ContactRule, ContactWay, Pairing
from canlian.domains.care.selectors import DUE_SOON_DAYS

ON_TRACK = "on_track"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
STATUS_LABELS = {ON_TRACK: _("On track"), DUE_SOON: _("Due soon"), OVERDUE: _("Overdue")}
STATUS_ORDER = {OVERDUE: 0, DUE_SOON: 1, ON_TRACK: 2}


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def prorated(n: int, paired_days: int, year_days: int) -> int:
    """ceil(n × paired_days / year_days), in integers."""
    if n <= 0 or paired_days <= 0:
        return 0
    return (n * paired_days + year_days - 1) // year_days


def required_to_date(required: int, elapsed: int, period: int) -> int:
    """floor(required × elapsed / period + ½): how many fell due in the first ``elapsed`` days."""
    if required <= 0 or period <= 0:
        return 0
    elapsed = max(0, min(elapsed, period))
    return min(required, (2 * required * elapsed + period) // (2 * period))


def due_day(k: int, required: int, period: int) -> int:
    """Day (1-based) of the paired period on which the k-th of ``required`` falls due."""
    return -(-(period * (2 * k - 1)) // (2 * required))


@dataclass
class PersonCompliance:
    person_id: int
    person_name: str
    region_code: str
    cadre_id: int
    cadre_name: str
    pairing_id: int
    paired_from: dt.date
    paired_to: dt.date
    active: bool
    contacts: int = 0
    visits: int = 0
    required_contacts: int = 0
    required_visits: int = 0
    contacts_due: int = 0
    visits_due: int = 0
    status: str = ON_TRACK
    met: bool = False
    next_due_on: dt.date | None = None
    rule_id: int | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def paired_days(self) -> int:
        return (self.paired_to - self.paired_from).days + 1


def _rule_counts(rule: ContactRule | None, year_days: int) -> tuple[int, int]:
    if rule is None:
        return 0, 0
    contacts = rule.contacts_per_year
    if rule.every_days:
        contacts = max(contacts, -(-year_days // rule.every_days))
    return contacts, rule.home_visits_per_year


def _evaluate(row: PersonCompliance, rule: ContactRule | None, year: int, on: dt.date) -> None:
    year_days = days_in_year(year)
    period = row.paired_days
    n_contacts, n_visits = _rule_counts(rule, year_days)
    row.rule_id = rule.pk if rule else None
    row.required_contacts = prorated(n_contacts, period, year_days)
    row.required_visits = prorated(n_visits, period, year_days)
    elapsed = (on - row.paired_from).days
    row.contacts_due = required_to_date(row.required_contacts, elapsed, period)
    row.visits_due = required_to_date(row.required_visits, elapsed, period)
    soon_c = required_to_date(row.required_contacts, elapsed + DUE_SOON_DAYS, period)
    soon_v = required_to_date(row.required_visits, elapsed + DUE_SOON_DAYS, period)
    row.met = row.contacts >= row.required_contacts and row.visits >= row.required_visits
    if row.contacts < row.contacts_due or row.visits < row.visits_due:
        row.status = OVERDUE
    elif row.contacts < soon_c or row.visits < soon_v:
        row.status = DUE_SOON
    else:
        row.status = ON_TRACK
    dues = []
    if row.contacts < row.required_contacts:
        dues.append(due_day(row.contacts + 1, row.required_contacts, period))
    if row.visits < row.required_visits:
        dues.append(due_day(row.visits + 1, row.required_visits, period))
    row.next_due_on = row.paired_from + dt.timedelta(days=min(dues) - 1) if dues else None


def _pick_rule(rules: list[ContactRule], code: str) -> ContactRule | None:
    for rule in rules:  # longest prefix first
        if code.startswith(rule.region_prefix):
            return rule
    return None


def person_compliance(
    *, user: Any, year: int, on: dt.date | None = None, region: str | None = None, cadre: Any = None
) -> list[PersonCompliance]:
    """One row per person paired at some time in ``year`` and visible to the user (a plain cadre:
    the people whose latest pairing of the year is theirs), most urgent first."""
    on = on or timezone.localdate()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    reference = min(max(on, first), last)
    overlapping = Q(started_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))
    mine = Pairing.objects.for_user(user)
    visible = mine.filter(overlapping)
    if region:
        visible = visible.filter(region_code__startswith=region)
    person_ids = visible.values("person_id")
    # ``seen``: the pairing itself is visible (a plain cadre keeps only the people whose latest
    # pairing of the year is theirs).
    seen = ExpressionWrapper(Q(pk__in=mine.values("pk")), output_field=BooleanField())
    pairings = (
        Pairing.objects.filter(overlapping, person_id__in=person_ids)
        .annotate(seen=seen)
        .order_by("person_id", "started_on", "id")
        .values_list(
            "id",
            "person_id",
            "person__name",
            "region_code",
            "cadre_id",
            "cadre__username",
            "cadre__display_name",
            "started_on",
            "ended_on",
            "seen",
        )
    )
    rows: dict[int, PersonCompliance] = {}
    latest_seen: dict[int, bool] = {}
    for pid, person_id, pname, code, cadre_id, uname, fullname, start, end, is_seen in pairings:
        latest_seen[person_id] = bool(is_seen)
        start_c, end_c = max(start, first), min(end or last, last)
        row = rows.get(person_id)
        if row is None:
            rows[person_id] = PersonCompliance(
                person_id=person_id,
                person_name=pname,
                region_code=code,
                cadre_id=cadre_id,
                cadre_name=fullname or uname,
                pairing_id=pid,
                paired_from=start_c,
                paired_to=end_c,
                active=end is None,
            )
        else:  # later pairing: it carries the person now
            row.paired_from = min(row.paired_from, start_c)
            row.paired_to = max(row.paired_to, end_c)
            row.cadre_id, row.cadre_name, row.pairing_id = cadre_id, fullname or uname, pid
            row.region_code, row.active = code, end is None
    if not rows:
        return []
    counts = (
        Contact.objects.filter(person_id__in=person_ids, on__gte=first, on__lte=min(on, last))
        .values("person_id")
        .annotate(n=Count("id"), v=Count("id", filter=Q(way=ContactWay.HOME_VISIT)))
        .values_list("person_id", "n", "v")
    )
    for person_id, n, v in counts:
        if person_id in rows:
            rows[person_id].contacts, rows[person_id].visits = n, v
    rules = list(ContactRule.objects.filter(applies_to=AppliesTo.PAIRED).in_force(reference))
    rules.sort(key=lambda r: (len(r.region_prefix), r.valid_from), reverse=True)
    out = []
    for row in rows.values():
        if not latest_seen[row.person_id]:
            continue  # a plain cadre: the person has moved on to another cadre
        if cadre is not None and row.cadre_id != getattr(cadre, "pk", cadre):
            continue
        _evaluate(row, _pick_rule(rules, row.region_code), year, on)
        out.append(row)
    out.sort(key=lambda r: (STATUS_ORDER[r.status], r.next_due_on or dt.date.max, r.person_id))
    return out


@dataclass
class ComplianceTally:
    key: Any
    name: str = ""
    people: int = 0
    on_track: int = 0
    due_soon: int = 0
    overdue: int = 0
    met: int = 0
    contacts: int = 0
    visits: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: PersonCompliance) -> None:
        self.people += 1
        self.contacts += row.contacts
        self.visits += row.visits
        self.met += int(row.met)
        if row.status == OVERDUE:
            self.overdue += 1
        elif row.status == DUE_SOON:
            self.due_soon += 1
        else:
            self.on_track += 1

    @property
    def rate(self) -> float:
        """Share of people on track to date (on track or due soon, i.e. not overdue), 0–1."""
        return (self.people - self.overdue) / self.people if self.people else 1.0

    @property
    def rate_percent(self) -> str:
        return f"{self.rate * 100:.1f}"


def cadre_compliance(
    *,
    user: Any,
    year: int,
    on: dt.date | None = None,
    region: str | None = None,
    rows: list[PersonCompliance] | None = None,
) -> list[ComplianceTally]:
    """Per cadre (the cadre of each person's latest pairing of the year), lowest rate first."""
    tallies: dict[int, ComplianceTally] = {}
    for row in rows if rows is not None else person_compliance(user=user, year=year, on=on, region=region):
        tally = tallies.setdefault(row.cadre_id, ComplianceTally(key=row.cadre_id, name=row.cadre_name))
        tally.add(row)
    return sorted(tallies.values(), key=lambda t: (t.rate, t.name))


def level_length(level: Any) -> int:
    """A RegionLevel (3 = county, 4 = township, …) or a code length (6, 9, …)."""
    level = int(level)
    return CODE_LENGTH.get(level, level) if level <= 5 else level


def region_compliance(
    *,
    user: Any,
    year: int,
    level: Any,
    on: dt.date | None = None,
    region: str | None = None,
    rows: list[PersonCompliance] | None = None,
) -> list[ComplianceTally]:
    """Per region at ``level`` (the person's pairing region cut to that level), lowest rate first."""
    from canlian.core.regions.models import Region

    length = level_length(level)
    tallies: dict[str, ComplianceTally] = {}
    for row in rows if rows is not None else person_compliance(user=user, year=year, on=on, region=region):
        code = row.region_code[:length]
        tallies.setdefault(code, ComplianceTally(key=code)).add(row)
    names = dict(Region.objects.filter(code__in=list(tallies)).values_list("code", "name"))
    for code, tally in tallies.items():
        tally.name = names.get(code, code)
    return sorted(tallies.values(), key=lambda t: (t.rate, t.key))
