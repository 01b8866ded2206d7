"""日管控 on the home page: what the signed-in user has to do today, as counts that open their lists.

Each item is one count over a domain's own scoped selector (``for_user``) with the filter of the list
it opens, so the number on the card is the number of rows on the page it links to (the cycles and
settlement batches to approve leave out the user's own, which the list shows but maker-checker does
not let them approve). Nothing here
defines "overdue" again: review steps use ``programs.enrollment_selectors.overdue_steps``, petitions
``PetitionQuerySet.overdue``, notices ``NoticeQuerySet.overdue``, needs ``needs_visible(overdue_on=)``,
certificates ``certificates_expiring``/``certificates_expired``, a cadre's people care's own
compliance (``care.compliance.person_compliance``, the definition of the ``care:today`` page).

"Near the deadline" is new here and means due within ``NEAR_WORKING_DAYS`` working days (the
calendar's working days, ``programs.workdays``). The lists have no such filter, so it is shown as
the part of a card's count (``soon``) and never as a count of its own.

An item is listed only to a user holding the list page's permission and, when the item names some,
one of the permissions that act on it (a leader who may read review steps but not take one gets no
"review steps" item: their home page is the dashboard). One query per item; counts only, never rows
looped in Python — except a plain cadre's own people, overdue or due soon by care's pro-rated
compliance over the cadre's own pairings (a handful), exactly as ``care:today`` shows them; for a
manager the region's overdue people are one COUNT over the ``care.on_track`` indicator's records
(the same compliance, in SQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.core.registry import selectors as registry
from canlian.domains.care import selectors as care
from canlian.domains.care.compliance import DUE_SOON, OVERDUE, person_compliance
from canlian.domains.care.models import Pairing
from canlian.domains.petitions.models import PetitionStatus
from canlian.domains.petitions.selectors import petitions_overdue, petitions_visible
from canlian.domains.rehab.choices import BatchStatus
from canlian.domains.rehab.settlement.selectors import batches_visible
from canlian.domains.rehabservices import selectors as services
from canlian.domains.supervision.selectors import notices_visible
from canlian.platform.indicators import get_indicator
from canlian.programs import workdays
from canlian.programs.choices import CycleStatus, EnrollmentStatus, RecoveryStatus
from canlian.programs.cycles.selectors import CycleFilters, cycles_for_user
from canlian.programs.enrollments.selectors import EnrollmentFilters, enrollments_for_user, overdue_steps
from canlian.programs.recoveries.selectors import recoveries_visible

OVERDUE_URGENCY = "overdue"
DUE_SOON_URGENCY = "due_soon"
INFO_URGENCY = "info"
URGENCY_ORDER = {OVERDUE_URGENCY: 0, DUE_SOON_URGENCY: 1, INFO_URGENCY: 2}
URGENCY_LABELS = {
    OVERDUE_URGENCY: _("Overdue"),
    DUE_SOON_URGENCY: _("To do"),
    INFO_URGENCY: _("For information"),
}

#: Certificates that expire within this many days are listed for renewal.
EXPIRING_DAYS = 60
#: A deadline within this many working days (today included) is "near".
NEAR_WORKING_DAYS = 3

AREA_WORK = _("Work")
AREA_REGISTRY = _("Registry")
AREA_BENEFITS = _("Benefits")
AREA_CARE = _("Care of people")
AREA_REHAB = _("Children's rehabilitation")
AREA_INSTITUTIONS = _("Institutions")
AREA_SERVICES = _("Rehabilitation services")


@dataclass(frozen=True)
class TodoItem:
    """One line of the day's work: ``count`` rows on the list at ``url`` (None: a link only)."""

    key: str
    area: str | Promise
    label: str | Promise
    count: int | None
    url: str
    urgency: str
    #: Of ``count``, how many fall due within ``NEAR_WORKING_DAYS`` working days (None: no deadline).
    soon: int | None = None

    @property
    def urgency_label(self) -> str | Promise:
        return URGENCY_LABELS[self.urgency]

    @property
    def near_days(self) -> int:
        return NEAR_WORKING_DAYS


@dataclass
class _Context:
    user: Any
    today: dt.date
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def near_until(self) -> dt.date:
        """The last day that is "near": ``NEAR_WORKING_DAYS`` working days on (one query, once)."""
        if "near" not in self.memo:
            self.memo["near"] = workdays.add_working_days(self.today, NEAR_WORKING_DAYS)
        return self.memo["near"]

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass(frozen=True)
class _Count:
    count: int | None
    soon: int | None = None


#: An item's figure, or None when the item does not apply to this user.
Counter = Callable[[_Context], "_Count | None"]


@dataclass(frozen=True)
class _Spec:
    key: str
    area: str | Promise
    label: str | Promise
    #: The permission of the list page the item opens.
    permission: str
    url_name: str
    count: Counter
    urgency: str = DUE_SOON_URGENCY
    query: dict[str, Any] = field(default_factory=dict)
    #: The user must hold one of these (empty: none needed beyond ``permission``).
    acting: tuple[str, ...] = ()
    #: The list reads by region only (an institution's staff would always see an empty list).
    region_only: bool = False
    #: Only for a user who reaches the permission through an institution (its staff).
    institution_only: bool = False

    def applies_to(self, user: Any) -> bool:
        if not user.has_canlian_perm(self.permission):
            return False
        if self.acting and not any(user.has_canlian_perm(p) for p in self.acting):
            return False
        region_scope_empty = user.scope_for(self.permission).is_empty
        if self.region_only and region_scope_empty:
            return False
        if self.institution_only and not (region_scope_empty and user.institutions_for(self.permission)):
            return False
        return True

    def url(self) -> str:
        base = reverse(self.url_name)
        return f"{base}?{urlencode(self.query)}" if self.query else base


def _one(n: int) -> _Count:
    return _Count(n)


def _with_soon(qs: Any, field_name: str, ctx: _Context) -> _Count:
    """The rows of ``qs`` and, among them, those due from today to the near limit: one query."""
    near = Q(**{f"{field_name}__gte": ctx.today, f"{field_name}__lte": ctx.near_until})
    row = qs.order_by().aggregate(n=Count("pk"), soon=Count("pk", filter=near))
    return _Count(row["n"], row["soon"])


# --- registry ----------------------------------------------------------------------------------------


def _certificates_expiring(ctx: _Context) -> _Count:
    return _one(registry.certificates_expiring(user=ctx.user, days=EXPIRING_DAYS, on=ctx.today).count())


def _certificates_expired(ctx: _Context) -> _Count:
    return _one(registry.certificates_expired(user=ctx.user, on=ctx.today).count())


def _screening_open(ctx: _Context) -> _Count:
    return _one(registry.screenings_visible(user=ctx.user, open_only=True).count())


# --- rehabilitation services ---------------------------------------------------------------------


def _modification_steps_overdue(ctx: _Context) -> _Count:
    """Home-modification projects whose current step is past its deadline (the list's "overdue")."""
    return _one(services.overdue_projects(ctx.user, ctx.today).count())


# --- programs ----------------------------------------------------------------------------------------


def _overdue_steps(ctx: _Context) -> _Count:
    return _one(overdue_steps(ctx.user, ctx.today).count())


def _waiting(status: str) -> Counter:
    def count(ctx: _Context) -> _Count:
        qs = enrollments_for_user(user=ctx.user, filters=EnrollmentFilters(status=status))
        return _with_soon(qs, "step_due_on", ctx)

    return count


def _cycles_to_approve(ctx: _Context) -> _Count:
    """Generated cycles in the user's approve scope that someone else generated (maker-checker)."""
    qs = cycles_for_user(
        user=ctx.user, filters=CycleFilters(status=CycleStatus.GENERATED), action=Perm.PAYMENTS_APPROVE
    )
    return _one(qs.exclude(generated_by=ctx.user).count())


def _recoveries(ctx: _Context) -> _Count:
    return _one(recoveries_visible(user=ctx.user, status=RecoveryStatus.TO_RECOVER).count())


# --- care and petitions ---------------------------------------------------------------------------


def _own_compliance(ctx: _Context) -> dict[str, int] | None:
    """{status: people} of a plain cadre's people (care:today), or None for anyone else (a manager
    reads the region's figure) and for a cadre nobody is paired to."""

    def compute() -> dict[str, int] | None:
        if not care.own_only(user=ctx.user):
            return None
        if not Pairing.objects.for_user(ctx.user).filter(cadre=ctx.user, ended_on__isnull=True).exists():
            return None
        rows = person_compliance(user=ctx.user, year=ctx.today.year, on=ctx.today, cadre=ctx.user)
        out = {OVERDUE: 0, DUE_SOON: 0}
        for row in rows:
            if row.status in out:
                out[row.status] += 1
        return out

    return ctx.once("care.own", compute)


def _own_people(status: str) -> Counter:
    def count(ctx: _Context) -> _Count | None:
        tally = _own_compliance(ctx)
        return None if tally is None else _one(tally[status])

    return count


def _region_behind(ctx: _Context) -> _Count | None:
    """People overdue for their contacts or visits in the user's regions, live: the ``care.on_track``
    indicator's own records (care's compliance in SQL, exactly as ``person_compliance`` judges)
    that are not on track, one COUNT."""
    try:
        indicator = get_indicator("care.on_track")
    except LookupError:
        return None
    if indicator.records is None:
        return None
    window = indicator.window(ctx.today.year, ctx.today.month, ctx.today)
    return _one(indicator.records(ctx.user, window, "").filter(on_track=False).count())


def _needs_past_due(ctx: _Context) -> _Count:
    return _one(care.needs_visible(user=ctx.user, open_only=True, overdue_on=ctx.today).count())


def _needs_open(ctx: _Context) -> _Count:
    return _one(care.needs_visible(user=ctx.user, open_only=True).count())


def _follow_ups(ctx: _Context) -> _Count:
    return _one(care.follow_ups_due(user=ctx.user, on=ctx.today, days=0).count())


def _unpaired(ctx: _Context) -> _Count:
    return _one(care.unpaired(user=ctx.user, on=ctx.today).count())


def _petitions_overdue(ctx: _Context) -> _Count:
    return _one(petitions_overdue(user=ctx.user, today=ctx.today).count())


def _petitions_open(ctx: _Context) -> _Count:
    return _with_soon(petitions_visible(user=ctx.user, status=PetitionStatus.OPEN), "deadline", ctx)


# --- institutions, rehabilitation, supervision ------------------------------------------------------


def _notices_overdue(ctx: _Context) -> _Count:
    return _one(notices_visible(user=ctx.user, state="overdue", on=ctx.today).count())


def _notices_open(ctx: _Context) -> _Count:
    return _with_soon(notices_visible(user=ctx.user, state="open", on=ctx.today), "due_on", ctx)


def _batches_to_approve(ctx: _Context) -> _Count:
    qs = batches_visible(user=ctx.user, status=BatchStatus.GENERATED, action=Perm.SETTLEMENTS_APPROVE)
    return _one(qs.exclude(generated_by=ctx.user).count())


def _link(ctx: _Context) -> _Count:
    return _Count(None)


# --- jobs ----------------------------------------------------------------------------------------------


def _jobs(status: str) -> Counter:
    def count(ctx: _Context) -> _Count:
        return _one(Job.objects.for_user(ctx.user, Perm.JOBS_VIEW).filter(status=status).count())

    return count


def _expiring_text() -> str:
    return gettext("Certificates expiring within %(days)s days") % {"days": EXPIRING_DAYS}


_expiring_label = lazy(_expiring_text, str)

_STEP_PERMS = (Perm.ENROLLMENTS_FIRST_CHECK, Perm.ENROLLMENTS_REVIEW, Perm.ENROLLMENTS_DECIDE)
_TO_RESPOND_OR_INSPECT = (Perm.SUPERVISION_INSPECT, Perm.SUPERVISION_RESPOND)

SPECS: list[_Spec] = [
    # registry
    _Spec(
        "registry.certificates_expiring",
        AREA_REGISTRY,
        _expiring_label(),
        Perm.PERSONS_VIEW,
        "registry:certificates-expiring",
        _certificates_expiring,
        query={"days": EXPIRING_DAYS},
        acting=(Perm.PERSONS_EDIT,),
    ),
    _Spec(
        "registry.certificates_expired",
        AREA_REGISTRY,
        _("Expired certificates"),
        Perm.PERSONS_VIEW,
        "registry:certificates-expired",
        _certificates_expired,
        urgency=OVERDUE_URGENCY,
        acting=(Perm.PERSONS_EDIT,),
    ),
    _Spec(
        "registry.screening_open",
        AREA_REGISTRY,
        _("Screening records to follow up"),
        Perm.PERSONS_VIEW,
        "registry:screening-list",
        _screening_open,
        query={"state": "open"},
        acting=(Perm.PERSONS_EDIT,),
    ),
    # the review chain and payments
    _Spec(
        "programs.overdue_steps",
        AREA_BENEFITS,
        _("Overdue review steps"),
        Perm.ENROLLMENTS_VIEW,
        "programs:enrollment-overdue",
        _overdue_steps,
        urgency=OVERDUE_URGENCY,
        acting=_STEP_PERMS,
    ),
    _Spec(
        "programs.first_check",
        AREA_BENEFITS,
        _("Applications waiting for the first check"),
        Perm.ENROLLMENTS_VIEW,
        "programs:enrollment-list",
        _waiting(EnrollmentStatus.APPLIED),
        query={"status": EnrollmentStatus.APPLIED},
        acting=(Perm.ENROLLMENTS_FIRST_CHECK,),
    ),
    _Spec(
        "programs.review",
        AREA_BENEFITS,
        _("Applications waiting for the certificate check"),
        Perm.ENROLLMENTS_VIEW,
        "programs:enrollment-list",
        _waiting(EnrollmentStatus.FIRST_CHECKED),
        query={"status": EnrollmentStatus.FIRST_CHECKED},
        acting=(Perm.ENROLLMENTS_REVIEW,),
    ),
    _Spec(
        "programs.decide",
        AREA_BENEFITS,
        _("Applications waiting for the decision"),
        Perm.ENROLLMENTS_VIEW,
        "programs:enrollment-list",
        _waiting(EnrollmentStatus.REVIEWED),
        query={"status": EnrollmentStatus.REVIEWED},
        acting=(Perm.ENROLLMENTS_DECIDE,),
    ),
    _Spec(
        "programs.cycles_to_approve",
        AREA_BENEFITS,
        _("Payment cycles waiting for your approval"),
        Perm.PAYMENTS_VIEW,
        "programs:cycle-list",
        _cycles_to_approve,
        query={"status": CycleStatus.GENERATED},
        acting=(Perm.PAYMENTS_APPROVE,),
    ),
    _Spec(
        "programs.recoveries",
        AREA_BENEFITS,
        _("Payments to recover"),
        Perm.PAYMENTS_VIEW,
        "programs:recovery-list",
        _recoveries,
        query={"status": RecoveryStatus.TO_RECOVER},
        acting=(Perm.PAYMENTS_GENERATE,),
    ),
    # care
    _Spec(
        "care.own_overdue",
        AREA_CARE,
        _("Your people overdue for a contact or visit"),
        Perm.CARE_VIEW,
        "care:today",
        _own_people(OVERDUE),
        urgency=OVERDUE_URGENCY,
        acting=(Perm.CARE_RECORD,),
    ),
    _Spec(
        "care.own_due_soon",
        AREA_CARE,
        _("Your people due a contact or visit soon"),
        Perm.CARE_VIEW,
        "care:today",
        _own_people(DUE_SOON),
        acting=(Perm.CARE_RECORD,),
    ),
    _Spec(
        "care.region_behind",
        AREA_CARE,
        _("People overdue for a contact or visit"),
        Perm.CARE_VIEW,
        "care:pairing-list",
        _region_behind,
        urgency=OVERDUE_URGENCY,
        query={"status": OVERDUE},
        acting=(Perm.CARE_MANAGE,),
    ),
    _Spec(
        "care.follow_ups",
        AREA_CARE,
        _("Follow-ups you promised, due today"),
        Perm.CARE_VIEW,
        "care:today",
        _follow_ups,
        acting=(Perm.CARE_RECORD,),
    ),
    _Spec(
        "care.needs_past_due",
        AREA_CARE,
        _("Needs past their due date"),
        Perm.CARE_VIEW,
        "care:need-list",
        _needs_past_due,
        urgency=OVERDUE_URGENCY,
        query={"status": "open_all", "overdue": 1},
        acting=(Perm.CARE_RECORD,),
    ),
    _Spec(
        "care.needs_open",
        AREA_CARE,
        _("Open needs"),
        Perm.CARE_VIEW,
        "care:need-list",
        _needs_open,
        urgency=INFO_URGENCY,
        query={"status": "open_all"},
        acting=(Perm.CARE_RECORD,),
    ),
    _Spec(
        "care.unpaired",
        AREA_CARE,
        _("People to pair with a cadre"),
        Perm.CARE_MANAGE,
        "care:unpaired",
        _unpaired,
    ),
    _Spec(
        "petitions.overdue",
        AREA_CARE,
        _("Petitions past their deadline"),
        Perm.PETITIONS_VIEW,
        "petitions:overdue",
        _petitions_overdue,
        urgency=OVERDUE_URGENCY,
        acting=(Perm.PETITIONS_HANDLE,),
    ),
    _Spec(
        "petitions.open",
        AREA_CARE,
        _("Open petitions"),
        Perm.PETITIONS_VIEW,
        "petitions:list",
        _petitions_open,
        urgency=INFO_URGENCY,
        query={"status": PetitionStatus.OPEN},
        acting=(Perm.PETITIONS_HANDLE,),
    ),
    # institutions, rehabilitation, supervision
    _Spec(
        "rehab.attendance",
        AREA_REHAB,
        _("Today's training attendance"),
        Perm.REHAB_ATTENDANCE,
        "rehab:attendance-index",
        _link,
        urgency=INFO_URGENCY,
        institution_only=True,
    ),
    _Spec(
        "rehab.batches_to_approve",
        AREA_REHAB,
        _("Settlement batches waiting for your approval"),
        Perm.REHAB_VIEW,
        "rehab:settlement-batch-list",
        _batches_to_approve,
        query={"status": BatchStatus.GENERATED},
        acting=(Perm.SETTLEMENTS_APPROVE,),
    ),
    _Spec(
        "supervision.notices_overdue",
        AREA_INSTITUTIONS,
        _("Rectification notices past their deadline"),
        Perm.SUPERVISION_VIEW,
        "supervision:notice-list",
        _notices_overdue,
        urgency=OVERDUE_URGENCY,
        query={"state": "overdue"},
        acting=_TO_RESPOND_OR_INSPECT,
    ),
    _Spec(
        "supervision.notices_open",
        AREA_INSTITUTIONS,
        _("Open rectification notices"),
        Perm.SUPERVISION_VIEW,
        "supervision:notice-list",
        _notices_open,
        urgency=INFO_URGENCY,
        query={"state": "open"},
        acting=_TO_RESPOND_OR_INSPECT,
    ),
    # rehabilitation services: home modification steps past their deadline
    _Spec(
        "services.modification_overdue",
        AREA_SERVICES,
        _("Home modification steps overdue"),
        Perm.SERVICES_VIEW,
        "rehabservices:modification-list",
        _modification_steps_overdue,
        urgency=OVERDUE_URGENCY,
        query={"state": "overdue"},
        acting=(Perm.SERVICES_RECORD, Perm.SERVICES_MANAGE),
    ),
    # jobs
    _Spec(
        "jobs.running",
        AREA_WORK,
        _("Jobs running"),
        Perm.JOBS_VIEW,
        "jobs:list",
        _jobs(JobStatus.RUNNING),
        urgency=INFO_URGENCY,
        query={"status": JobStatus.RUNNING},
        region_only=True,
    ),
    _Spec(
        "jobs.failed",
        AREA_WORK,
        _("Jobs that failed"),
        Perm.JOBS_VIEW,
        "jobs:list",
        _jobs(JobStatus.FAILED),
        query={"status": JobStatus.FAILED},
        region_only=True,
    ),
]


def todo_for(user: Any, today: dt.date | None = None) -> list[TodoItem]:
    """The user's items for today, overdue first: every item their permissions allow, zero counts
    included (the page shows them as done); an item whose figure does not exist for the user (a
    cadre's own people when nobody is paired to them) is left out."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    ctx = _Context(user=user, today=today or timezone.localdate())
    found: list[tuple[int, TodoItem]] = []
    for order, spec in enumerate(SPECS):
        if not spec.applies_to(user):
            continue
        figure = spec.count(ctx)
        if figure is None:
            continue
        urgency = spec.urgency
        if figure.soon and urgency == INFO_URGENCY:
            urgency = DUE_SOON_URGENCY  # something on the list falls due within days
        item = TodoItem(
            key=spec.key,
            area=spec.area,
            label=spec.label,
            count=figure.count,
            url=spec.url(),
            urgency=urgency,
            soon=figure.soon,
        )
        found.append((order, item))
    found.sort(key=lambda pair: (URGENCY_ORDER[pair[1].urgency], pair[0]))
    return [item for _order, item in found]
