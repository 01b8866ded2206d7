"""Figures of children's rehabilitation and of the supervision of designated institutions (issue 5,
item 6), for a region and a period, with the sentence a city puts in its report:

    "18家定点康复机构，救助残疾儿童1165名，支出资金1500.00万元，康复服务率100%；全年训练满170天的儿童N名；
    飞行检查下达整改通知书25份、已整改X份；培训康复人员258名，无证不上岗"

Every figure is read through ``for_user(user, "rehab.view")`` (a federation user's region scope; an
institution's staff reach their own institution's rows only), narrowed to the chosen region prefix,
and computed by a few grouped queries (never a Python loop over rows). Definitions:

* **Institutions**: institutions in the region (``Institution.region_code``) by kind and by status,
  as they stand now (the status history is on each institution's page). *Designated rehabilitation
  institutions* are those of kind ``rehab`` that may take children (active or warned).
* **Children served**: distinct children (by the child's residence, ``region_code``) with at least one
  training day in the period, or an assistive device provided in it, or a surgery operated in it.
* **Children with needs**: distinct children with a child-rehab application (the engine's
  ``Enrollment`` of program ``child-rehab``) that is approved (in public notice) or active in the
  period: applied on or before its last day, and not rejected, nor stopped before its first day.
  Applications still in review are not yet needs established by the federation.
* **Rehabilitation service rate** (康复服务率) = children with needs who were served ÷ children
  with needs, as a percentage with one decimal (none when no child has needs).
* **Children reaching 170 days**: distinct children with at least 170 training days in one calendar
  year of the period, at all their institutions together (days counted inside the period; the
  settlement threshold of Dongying).
* **Money spent**: settlement lines of batches approved or paid whose whole period lies inside the
  period (by the child's residence), plus assistive devices provided and surgeries operated in the
  period. Yuan exactly; 万元 with two decimals rounded half up from the exact yuan total.
* **Supervision**: inspections done in the period (and of them unannounced, 飞行检查); rectification
  notices issued in the period, of which closed (rectified), escalated, and overdue (still running —
  open, answered or escalated — past their deadline on the period's last day or today, whichever is
  earlier).
* **Staff**: staff trained = distinct staff of the region's institutions with a passed result in a
  training course ending in the period; staff certified = distinct current staff holding a
  certificate valid on the period's last day (or today, whichever is earlier); staff in certified
  posts (therapists, teachers) without one are "without a certificate" ("no certificate, no duty"
  holds when there are none).

An institution's staff see their own institution's rows; applications are the federation's (region
scope), so for them children with needs and the service rate stay empty ("—"). The sentence names the
chosen region, or the user's scope when it is a single region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from canlian.core.institutions.choices import (
    CERTIFIED_POSTS,
    InstitutionKind,
    InstitutionStatus,
)
from canlian.core.institutions.models import Institution, StaffCertificate, StaffMember, TrainingResult
from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names
from canlian.domains.rehab.choices import PROGRAM_CODE, BatchStatus, SurgeryStatus
from canlian.domains.rehab.models import (
    Attendance,
    DeviceProvision,
    SettlementLine,
    SurgeryReferral,
)
from canlian.domains.supervision.choices import NOTICE_RUNNING, NoticeStatus
from canlian.domains.supervision.models import Inspection, RectificationNotice
from canlian.platform.access import scope_roots
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment

PERMISSION = Perm.REHAB_VIEW
#: The Dongying threshold the "children reaching 170 days" figure counts.
THRESHOLD_DAYS = 170
#: Settlement batches whose lines count as money spent.
COUNTED_BATCHES = (BatchStatus.APPROVED, BatchStatus.PAID)
#: Application statuses that establish a need (approved in public notice, or active).
NEED_STATUSES = (EnrollmentStatus.NOTICE, EnrollmentStatus.ACTIVE)
WAN = Decimal(10000)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_wan(yuan: Decimal) -> Decimal:
    """Yuan to 万元 with two decimals, half up."""
    return (Decimal(yuan) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This calendar year."""
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def period_text(first: dt.date, last: dt.date) -> str:
    """ "2026年" for a whole year, "2026年1月1日至11月23日" otherwise (Chinese, like the sentence)."""
    if first == dt.date(first.year, 1, 1) and last == dt.date(last.year, 12, 31):
        return f"{first.year}年" if first.year == last.year else f"{first.year}–{last.year}年"
    end = (
        f"{last.month}月{last.day}日"
        if last.year == first.year
        else f"{last.year}年{last.month}月{last.day}日"
    )
    return f"{first.year}年{first.month}月{first.day}日至{end}"


def percent_text(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


@dataclass
class RehabFigures:
    region: str
    region_name: str
    first: dt.date
    last: dt.date
    institutions_by_kind: dict[str, int] = field(default_factory=dict)
    institutions_by_status: dict[str, int] = field(default_factory=dict)
    institutions_total: int = 0
    designated_rehab: int = 0
    children_served: int = 0
    children_with_needs: int = 0
    needs_served: int = 0
    children_170: int = 0
    training_days: int = 0
    settlement_amount: Decimal = ZERO
    device_amount: Decimal = ZERO
    surgery_amount: Decimal = ZERO
    inspections: int = 0
    unannounced: int = 0
    notices_issued: int = 0
    notices_closed: int = 0
    notices_escalated: int = 0
    notices_overdue: int = 0
    #: The day overdue notices and certificates are judged on: the period's last day or today.
    overdue_on: dt.date | None = None
    staff_trained: int = 0
    staff_certified: int = 0
    staff_uncertified: int = 0

    @property
    def amount(self) -> Decimal:
        return self.settlement_amount + self.device_amount + self.surgery_amount

    @property
    def amount_wan(self) -> Decimal:
        return to_wan(self.amount)

    @property
    def service_rate(self) -> Decimal | None:
        """Children with needs who were served ÷ children with needs, in percent (one decimal)."""
        if not self.children_with_needs:
            return None
        return (Decimal(self.needs_served) * 100 / self.children_with_needs).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def service_rate_text(self) -> str:
        return percent_text(self.service_rate)

    @property
    def whole_years(self) -> bool:
        return self.first == dt.date(self.first.year, 1, 1) and self.last == dt.date(self.last.year, 12, 31)

    @property
    def sentence(self) -> str:
        """The report sentence (Chinese, built from the figures)."""
        year_word = "全年" if self.whole_years else "期间"
        staff = (
            "无证不上岗" if not self.staff_uncertified else f"{self.staff_uncertified}名康复人员尚无有效证书"
        )
        head = f"{self.region_name}{period_text(self.first, self.last)}："
        return (
            f"{head}{self.designated_rehab}家定点康复机构，救助残疾儿童{self.children_served}名，"
            f"支出资金{self.amount_wan}万元，康复服务率{self.service_rate_text}；"
            f"{year_word}训练满{THRESHOLD_DAYS}天的儿童{self.children_170}名；"
            f"开展检查{self.inspections}次（飞行检查{self.unannounced}次），下达整改通知书{self.notices_issued}份、已整改{self.notices_closed}份；"
            f"培训康复人员{self.staff_trained}名，持证{self.staff_certified}名，{staff}"
        )

    def kind_rows(self) -> list[tuple[str, str, int]]:
        return [(k.value, str(k.label), self.institutions_by_kind.get(k.value, 0)) for k in InstitutionKind]

    def status_rows(self) -> list[tuple[str, str, int]]:
        return [
            (s.value, str(s.label), self.institutions_by_status.get(s.value, 0)) for s in InstitutionStatus
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "region_name": self.region_name,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "sentence": self.sentence,
            "institutions": {
                "total": self.institutions_total,
                "designated_rehab": self.designated_rehab,
                "by_kind": {code: n for code, _label, n in self.kind_rows()},
                "by_status": {code: n for code, _label, n in self.status_rows()},
            },
            "children": {
                "served": self.children_served,
                "with_needs": self.children_with_needs,
                "with_needs_served": self.needs_served,
                "service_rate": None if self.service_rate is None else str(self.service_rate),
                "reached_170_days": self.children_170,
                "training_days": self.training_days,
            },
            "money": {
                "settlements": str(self.settlement_amount),
                "devices": str(self.device_amount),
                "surgery": str(self.surgery_amount),
                "total": str(self.amount),
                "total_wan": str(self.amount_wan),
            },
            "supervision": {
                "inspections": self.inspections,
                "unannounced": self.unannounced,
                "notices_issued": self.notices_issued,
                "notices_closed": self.notices_closed,
                "notices_escalated": self.notices_escalated,
                "notices_overdue": self.notices_overdue,
                "overdue_on": self.overdue_on.isoformat() if self.overdue_on else None,
            },
            "staff": {
                "trained": self.staff_trained,
                "certified": self.staff_certified,
                "without_certificate": self.staff_uncertified,
            },
        }


def _in_region(qs: QuerySet, region: str, field_name: str = "region_code") -> QuerySet:
    return qs.filter(**{f"{field_name}__startswith": region}) if region else qs


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def rehab_figures(
    *, user: Any, region: str = "", first: dt.date, last: dt.date, today: dt.date | None = None
) -> RehabFigures:
    """The figures for ``region`` (a code prefix inside the user's scope; blank = the whole scope) and
    the days ``first``..``last`` inclusive."""
    today = today or timezone.localdate()
    # Blank region: the user's whole scope, named when it is one region (a county's federation).
    named = region
    if not named:
        roots = scope_roots(user, PERMISSION)
        named = roots[0] if len(roots) == 1 else ""
    name = region_names([named]).get(named, "") if named else ""
    figures = RehabFigures(region=region, region_name=name, first=first, last=last)
    _institutions(figures, user, region)
    _children(figures, user, region, first, last)
    _money_spent(figures, user, region, first, last)
    _supervision(figures, user, region, first, last, min(last, today))
    _staff(figures, user, region, first, last, min(last, today))
    return figures


def _institutions(figures: RehabFigures, user: Any, region: str) -> None:
    qs = _in_region(Institution.objects.for_user(user, PERMISSION), region).order_by()
    rows = qs.values_list("kind", "status").annotate(n=Count("id"))
    designated = (InstitutionStatus.ACTIVE, InstitutionStatus.WARNED)
    for kind, status, n in rows:
        figures.institutions_by_kind[kind] = figures.institutions_by_kind.get(kind, 0) + n
        figures.institutions_by_status[status] = figures.institutions_by_status.get(status, 0) + n
        figures.institutions_total += n
        if kind == InstitutionKind.REHAB and status in designated:
            figures.designated_rehab += n


def _service_sources(user: Any, region: str, first: dt.date, last: dt.date) -> list[tuple[QuerySet, str]]:
    """The three services of the period, each with the field naming the child served: training
    days, devices provided, operations done."""
    trained = _in_region(Attendance.objects.for_user(user, PERMISSION), region).filter(
        on__gte=first, on__lte=last
    )
    devices = _in_region(DeviceProvision.objects.for_user(user, PERMISSION), region).filter(
        provided_on__gte=first, provided_on__lte=last
    )
    surgery = _in_region(SurgeryReferral.objects.for_user(user, PERMISSION), region).filter(
        status=SurgeryStatus.DONE, operated_on__gte=first, operated_on__lte=last
    )
    return [(trained, "plan__person_id"), (devices, "person_id"), (surgery, "person_id")]


def _children(figures: RehabFigures, user: Any, region: str, first: dt.date, last: dt.date) -> None:
    # The people served are the UNION of the three services' person ids, counted without touching
    # the registry (an OR of semi-joins over people scanned every person for an institution's
    # staff, whose scope gives the planner no region to start from).
    sources = _service_sources(user, region, first, last)
    ids = [rows.order_by().values_list(column, flat=True) for rows, column in sources]
    figures.children_served = ids[0].union(*ids[1:]).count()
    needs = _in_region(Enrollment.objects.for_user(user, PERMISSION), region).filter(
        program__code=PROGRAM_CODE, applied_on__lte=last
    )
    needs = needs.filter(
        Q(status__in=NEED_STATUSES) | Q(status=EnrollmentStatus.STOPPED, stopped_from__gt=first)
    )
    figures.children_with_needs = needs.order_by().values("person_id").distinct().count()
    # …and of those, the served: the semi-joins run per application (few), not per person.
    served_q = Q()
    for rows, column in sources:
        served_q |= Exists(rows.filter(**{column: OuterRef("person_id")}))
    figures.needs_served = needs.filter(served_q).order_by().values("person_id").distinct().count()
    days = _in_region(Attendance.objects.for_user(user, PERMISSION), region).filter(
        on__gte=first, on__lte=last
    )
    figures.training_days = days.count()
    # A child may have several plans in a year (a change of institution): the days of all of them
    # count, per child and calendar year.
    reached = (
        days.order_by()
        .values("plan__person_id", "plan__year")
        .annotate(n=Count("id"))
        .filter(n__gte=THRESHOLD_DAYS)
        .values("plan__person_id")
    )
    figures.children_170 = Person.objects.filter(pk__in=reached).count()


def _money_spent(figures: RehabFigures, user: Any, region: str, first: dt.date, last: dt.date) -> None:
    lines = _in_region(SettlementLine.objects.for_user(user, PERMISSION), region).filter(
        batch__status__in=COUNTED_BATCHES, batch__period_start__gte=first, batch__period_end__lte=last
    )
    figures.settlement_amount = _money(lines.aggregate(s=Sum("amount"))["s"])
    devices = _in_region(DeviceProvision.objects.for_user(user, PERMISSION), region).filter(
        provided_on__gte=first, provided_on__lte=last
    )
    figures.device_amount = _money(devices.aggregate(s=Sum("amount"))["s"])
    surgery = _in_region(SurgeryReferral.objects.for_user(user, PERMISSION), region).filter(
        status=SurgeryStatus.DONE, operated_on__gte=first, operated_on__lte=last
    )
    figures.surgery_amount = _money(surgery.aggregate(s=Sum("amount"))["s"])


def _supervision(
    figures: RehabFigures, user: Any, region: str, first: dt.date, last: dt.date, overdue_on: dt.date
) -> None:
    inspections = _in_region(Inspection.objects.for_user(user, PERMISSION), region).filter(
        inspected_on__gte=first, inspected_on__lte=last
    )
    done = inspections.aggregate(n=Count("id"), unannounced=Count("id", filter=Q(unannounced=True)))
    figures.inspections, figures.unannounced = done["n"], done["unannounced"]
    notices = _in_region(RectificationNotice.objects.for_user(user, PERMISSION), region).filter(
        issued_on__gte=first, issued_on__lte=last
    )
    counts = notices.aggregate(
        issued=Count("id"),
        closed=Count("id", filter=Q(status=NoticeStatus.CLOSED)),
        escalated=Count("id", filter=Q(status=NoticeStatus.ESCALATED)),
        overdue=Count("id", filter=Q(status__in=NOTICE_RUNNING, due_on__lt=overdue_on)),
    )
    figures.notices_issued = counts["issued"]
    figures.notices_closed = counts["closed"]
    figures.notices_escalated = counts["escalated"]
    figures.notices_overdue = counts["overdue"]
    figures.overdue_on = overdue_on


def _staff(
    figures: RehabFigures, user: Any, region: str, first: dt.date, last: dt.date, as_of: dt.date
) -> None:
    staff = _in_region(StaffMember.objects.for_user(user, PERMISSION), region, "institution__region_code")
    figures.staff_trained = (
        TrainingResult.objects.filter(
            passed=True,
            course__ends_on__gte=first,
            course__ends_on__lte=last,
            staff_id__in=staff.values("pk"),
        )
        .order_by()
        .values("staff_id")
        .distinct()
        .count()
    )
    current = staff.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=as_of)).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=as_of)
    )
    valid = StaffCertificate.objects.valid_on(as_of).filter(staff_id=OuterRef("pk"))
    counts = current.order_by().aggregate(
        certified=Count("id", filter=Q(Exists(valid))),
        uncertified=Count("id", filter=Q(post__in=sorted(CERTIFIED_POSTS)) & ~Q(Exists(valid))),
    )
    figures.staff_certified = counts["certified"]
    figures.staff_uncertified = counts["uncertified"]
