"""The work cadence (日管控、周排查、月调度、季通报、年总结) above the daily page: the figures of the
weekly screening, the monthly dispatch, the quarterly bulletin and the yearly summary, and the one
ledger format (六统一) every level exports.

Every figure is set-based: one GROUP BY per table (pairings, contacts, needs, petitions, festival
visits) over the region-code prefix of the level shown, read through ``for_user`` so nothing outside
the user's scope is counted. Who sees what is care's ``for_user`` (``CareScopedQuerySet``): a plain cadre
counts only their own people, contacts and needs. Petitions and festival money need
``petitions.view``; without it they count 0.

Definitions: "people paired" = people with a pairing in force on some day of the period; contacts,
visits, policies, difficulties and tasks = contacts dated in the period; needs found = needs created
in the period, resolved = resolved in the period; petitions received / closed in the period; money =
festival visits in the period; the on-track rate = people not overdue (care.compliance) among those
paired in the year, as of the period's end (or today for a period not over).

The ledger's headers and the bulletin's sentences are the federation's own (Chinese) documents, like
the registry's ledger (registry/exporting.py), not interface text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncDate
from openpyxl import Workbook
from openpyxl.styles import Font

from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.domains.care import compliance, selectors
from canlian.domains.care.models import Contact, ContactWay, Need, NeedStatus, Pairing
from canlian.domains.care.selectors import contacts_visible, needs_visible, pairings_visible
from canlian.domains.petitions.models import FestivalVisit, Petition, PetitionStatus
from canlian.platform.access import region_in_scope as _region_in_scope
from canlian.platform.access import scope_roots
from canlian.platform.exports import SafeSheet

# --- periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # week, month, quarter, year
    start: dt.date
    end: dt.date
    label: str  # the federation's own wording (第三季度, 2026年10月, …)

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.end.year, 1, 1)


QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def week_period(day: dt.date) -> Period:
    start = day - dt.timedelta(days=day.weekday())
    end = start + dt.timedelta(days=6)
    iso = start.isocalendar()
    return Period("week", start, end, f"{iso[0]}年第{iso[1]}周")


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", start, nxt - dt.timedelta(days=1), f"{year}年{month}月")


def quarter_period(year: int, quarter: int) -> Period:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = month_period(year, 3 * quarter).end
    return Period("quarter", start, end, f"{year}年{QUARTER_ZH[quarter]}")


def year_period(year: int) -> Period:
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}年")


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


# --- scope -----------------------------------------------------------------------------------------

#: The code length of the level below a code of this length.
CHILD_LENGTH = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


def default_region(user: Any, permission: str = Perm.CARE_VIEW) -> str:
    """The widest region of the user's scope for ``permission`` (the cadence pages start there)."""
    roots = [code for code in scope_roots(user, permission) if code]
    if roots:
        return min(roots, key=lambda c: (len(c), c))
    codes = user.region_codes() if hasattr(user, "region_codes") else []
    return min(codes, key=lambda c: (len(c), c)) if codes else ""


def pairings_in_scope(user: Any) -> QuerySet[Pairing]:
    return pairings_visible(user=user, active=None)


def contacts_in_scope(user: Any) -> QuerySet[Contact]:
    return contacts_visible(user=user)


def needs_in_scope(user: Any) -> QuerySet[Need]:
    return needs_visible(user=user)


# --- the ledger (六统一) ----------------------------------------------------------------------------

#: One ledger layout at every level: (key, header).
LEDGER_COLUMNS: list[tuple[str, str]] = [
    ("region", "地区"),
    ("paired", "结对关爱人数"),
    ("contacts", "联系次数"),
    ("visits", "入户走访次数"),
    ("policies", "宣传落实政策（件）"),
    ("difficulties", "解决困难（件）"),
    ("tasks", "办理实事（件）"),
    ("needs_found", "发现需求（件）"),
    ("needs_resolved", "解决需求（件）"),
    ("petitions_received", "接访（件）"),
    ("petitions_closed", "办结（件）"),
    ("money", "慰问金（元）"),
    ("rate", "按期完成率（%）"),
]
FIGURES = [key for key, _header in LEDGER_COLUMNS if key not in ("region", "rate")]


@dataclass
class LedgerRow:
    code: str
    name: str
    paired: int = 0
    contacts: int = 0
    visits: int = 0
    policies: int = 0
    difficulties: int = 0
    tasks: int = 0
    needs_found: int = 0
    needs_resolved: int = 0
    petitions_received: int = 0
    petitions_closed: int = 0
    money: Decimal = field(default_factory=lambda: Decimal("0.00"))
    due: int = 0  # people with an obligation (for the rate)
    on_track: int = 0
    rank: int | None = None

    @property
    def rate(self) -> Decimal | None:
        """Share of people on track, in percent with one decimal (None when nobody is due)."""
        if not self.due:
            return None
        return (Decimal(100 * self.on_track) / Decimal(self.due)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    def add(self, other: LedgerRow) -> None:
        for key in (*FIGURES, "due", "on_track"):
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def values(self) -> list[Any]:
        out: list[Any] = []
        for key, _header in LEDGER_COLUMNS:
            if key == "region":
                out.append(self.name)
            elif key == "rate":
                out.append(float(self.rate) if self.rate is not None else "")
            elif key == "money":
                out.append(float(self.money))
            else:
                out.append(getattr(self, key))
        return out


@dataclass
class Ledger:
    region: Region
    period: Period
    rows: list[LedgerRow]
    total: LedgerRow

    @property
    def child_label(self) -> str:
        return {4: "市", 6: "县（市、区）", 9: "乡镇（街道）", 12: "村（社区）"}.get(
            CHILD_LENGTH.get(len(self.region.code), 12), "地区"
        )


def _grouped(qs: QuerySet, length: int, prefix: str, **aggregates: Any) -> dict[str, dict[str, Any]]:
    """One GROUP BY over the first ``length`` characters of region_code."""
    rows = (
        qs.filter(region_code__startswith=prefix)
        .order_by()
        .annotate(g=Substr("region_code", 1, length))
        .values("g")
        .annotate(**aggregates)
    )
    return {r.pop("g"): r for r in rows}


def _compliance_by_region(user: Any, region: str, length: int, on: dt.date) -> dict[str, tuple[int, int]]:
    """{child code: (people with an obligation, people not overdue)} on ``on`` (care.compliance)."""
    out: dict[str, tuple[int, int]] = {}
    for row in compliance.person_compliance(user=user, year=on.year, on=on, region=region or None):
        due, ok = out.get(row.region_code[:length], (0, 0))
        out[row.region_code[:length]] = (due + 1, ok + (row.status != compliance.OVERDUE))
    return out


def ledger(*, user: Any, region: Region, period: Period, on: dt.date | None = None) -> Ledger:
    """The ledger of ``region`` for ``period``: one row per child region (every active child, zeros
    included), and a total over the region (people registered above the child level included)."""
    code = region.code
    length = CHILD_LENGTH.get(len(code), 12)
    start, end = period.start, period.end
    on = on or end
    paired = _grouped(
        pairings_in_scope(user)
        .filter(started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start)),
        length,
        code,
        paired=Count("person", distinct=True),
    )
    contacts = _grouped(
        contacts_in_scope(user).filter(on__gte=start, on__lte=end),
        length,
        code,
        contacts=Count("id"),
        visits=Count("id", filter=Q(way=ContactWay.HOME_VISIT)),
        policies=Sum("policies_delivered"),
        difficulties=Sum("difficulties_solved"),
        tasks=Sum("tasks_done"),
    )
    needs = needs_in_scope(user).annotate(found_on=TruncDate("created_at"))
    found = _grouped(
        needs.filter(found_on__gte=start, found_on__lte=end),
        length,
        code,
        needs_found=Count("id", distinct=True),
    )
    resolved = _grouped(
        needs_in_scope(user).filter(
            status__in=(NeedStatus.RESOLVED, NeedStatus.CLOSED), resolved_on__gte=start, resolved_on__lte=end
        ),
        length,
        code,
        needs_resolved=Count("id", distinct=True),
    )
    petitions = Petition.objects.for_user(user, Perm.PETITIONS_VIEW)
    received = _grouped(
        petitions.filter(received_on__gte=start, received_on__lte=end),
        length,
        code,
        petitions_received=Count("id"),
    )
    closed = _grouped(
        petitions.filter(status=PetitionStatus.CLOSED, closed_on__gte=start, closed_on__lte=end),
        length,
        code,
        petitions_closed=Count("id"),
    )
    money = _grouped(
        FestivalVisit.objects.for_user(user, Perm.PETITIONS_VIEW).filter(on__gte=start, on__lte=end),
        length,
        code,
        money=Sum("money"),
    )
    rates = _compliance_by_region(user, code, length, on)

    children = (
        {
            r.code: r.name
            for r in Region.objects.filter(parent__code=code).active(on).only("code", "name")
            if len(r.code) == length
        }
        if length != len(code)
        else {code: region.name}
    )
    groups: dict[str, LedgerRow] = {c: LedgerRow(code=c, name=n) for c, n in children.items()}
    total = LedgerRow(code=code, name=f"{region.name}合计")
    for source in (paired, contacts, found, resolved, received, closed, money):
        for g, figures in source.items():
            row = groups.get(g)
            if row is None:
                row = groups.setdefault(g, LedgerRow(code=g, name=_name_of(g, region)))
            for key, value in figures.items():
                setattr(row, key, getattr(row, key) + (value or 0))
    for g, (due, on_track) in rates.items():
        row = groups.get(g) or groups.setdefault(g, LedgerRow(code=g, name=_name_of(g, region)))
        row.due += due
        row.on_track += on_track
    for row in groups.values():
        row.money = Decimal(row.money).quantize(Decimal("0.01"))
        total.add(row)
    total.money = Decimal(total.money).quantize(Decimal("0.01"))
    rows = sorted((r for r in groups.values() if len(r.code) == length), key=lambda r: r.code)
    above = [r for r in groups.values() if len(r.code) != length]
    if above:  # people registered at the region itself, not in a child region
        own = LedgerRow(code=code, name=f"{region.name}本级")
        for r in above:
            own.add(r)
        rows.append(own)
    return Ledger(region=region, period=period, rows=rows, total=total)


def _name_of(code: str, region: Region) -> str:
    found = Region.objects.filter(code=code).values_list("name", flat=True).first()
    return found or (f"{region.name}本级" if len(code) <= len(region.code) else code)


def rank(rows: Iterable[LedgerRow]) -> list[LedgerRow]:
    """Regions ranked by the on-track rate (regions with nobody due last), ties broken by people
    paired (more first), then contacts (more first), then region code: deterministic."""
    ordered = sorted(
        rows,
        key=lambda r: (r.rate is None, -(r.rate or 0), -r.paired, -r.contacts, r.code),
    )
    # Only regions with someone due are ranked: a region with nobody due (an empty 市辖区) has no
    # rank (shown as —) and comes last.
    for i, row in enumerate(ordered, start=1):
        row.rank = i if row.rate is not None else None
    return ordered


# --- the bulletin's sentences --------------------------------------------------------------------


def whole_of(region: Region) -> str:
    """全省 / 全市 / 全区 / 全县 / 全旗 / 全镇…: how a bulletin names the whole region."""
    name = region.name
    if len(region.code) == 2:
        return "全省"
    for suffix in ("自治县", "自治旗"):
        if name.endswith(suffix):
            return "全" + suffix[-1]
    if name.endswith("街道"):
        return "全街道"
    return "全" + name[-1] if name else "全域"


def _n(value: int | Decimal) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def bulletin_text(ledger_: Ledger, ranked: list[LedgerRow]) -> list[str]:
    """The bulletin's paragraph(s), in the federation's words."""
    t = ledger_.total
    period = ledger_.period
    when = QUARTER_ZH[quarter_of(period.start)] if period.kind == "quarter" else period.label
    first = (
        f"{when}，{whole_of(ledger_.region)}结对关爱对象{_n(t.paired)}人，累计联系{_n(t.contacts)}次，"
        f"其中入户走访{_n(t.visits)}次"
    )
    first += f"，按期完成率{t.rate}%" if t.rate is not None else ""
    rated = [r for r in ranked if r.rate is not None]
    if len(rated) >= 6:
        top = "、".join(r.name for r in rated[:3])
        bottom = "、".join(r.name for r in rated[-3:])
        first += f"，排名前三的是{top}，后三位的是{bottom}"
    elif len(rated) >= 2:
        first += f"，排名第一的是{rated[0].name}，排名最后的是{rated[-1].name}"
    first += "。"
    second = (
        f"宣传落实政策{_n(t.policies)}件，解决困难{_n(t.difficulties)}件，办理实事{_n(t.tasks)}件；"
        f"发现群众需求{_n(t.needs_found)}件，解决{_n(t.needs_resolved)}件；"
        f"接待来访{_n(t.petitions_received)}件，办结{_n(t.petitions_closed)}件；"
        f"发放慰问金{_n(t.money)}元。"
    )
    return [first, second]


# --- per cadre (monthly dispatch) ----------------------------------------------------------------


@dataclass
class CadreRow:
    cadre_id: int
    name: str
    region_code: str = ""
    paired: int = 0
    contacts: int = 0
    visits: int = 0
    contacts_ytd: int = 0
    visits_ytd: int = 0
    needs_resolved: int = 0
    due: int = 0
    on_track: int = 0

    @property
    def rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (Decimal(100 * self.on_track) / Decimal(self.due)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def cadre_rows(*, user: Any, region: Region, period: Period, on: dt.date | None = None) -> list[CadreRow]:
    """Per cadre with a pairing in force during the period (in ``region``): people paired, contacts
    and visits in the period and the year to date, needs resolved, share of their people on track."""
    from canlian.core.accounts.models import User

    on = on or period.end
    code = region.code
    pairings = (
        pairings_in_scope(user)
        .filter(region_code__startswith=code, started_on__lte=period.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
    )
    paired = {
        r["cadre"]: r["n"]
        for r in pairings.order_by().values("cadre").annotate(n=Count("person", distinct=True))
    }
    contacts = contacts_in_scope(user).filter(region_code__startswith=code)

    def per_cadre(start: dt.date) -> dict[Any, dict[str, Any]]:
        """Contacts (n) and home visits (v) per cadre from ``start`` to the period's end."""
        return {
            r["cadre"]: r
            for r in contacts.filter(on__gte=start, on__lte=period.end)
            .order_by()
            .values("cadre")
            .annotate(n=Count("id"), v=Count("id", filter=Q(way=ContactWay.HOME_VISIT)))
        }

    month, ytd = per_cadre(period.start), per_cadre(period.year_start)
    resolved = {
        r["owner"]: r["n"]
        for r in needs_in_scope(user)
        .filter(
            region_code__startswith=code,
            status__in=(NeedStatus.RESOLVED, NeedStatus.CLOSED),
            resolved_on__gte=period.start,
            resolved_on__lte=period.end,
        )
        .order_by()
        .values("owner")
        .annotate(n=Count("id", distinct=True))
    }
    rates = {
        t.key: (t.people, t.people - t.overdue)
        for t in compliance.cadre_compliance(user=user, year=on.year, on=on, region=code or None)
    }
    ids = set(paired) | set(month) | set(ytd)
    users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    out = []
    for pk in ids:
        u = users.get(pk)
        row = CadreRow(cadre_id=pk, name=(getattr(u, "display_name", "") or u.username) if u else str(pk))
        row.paired = paired.get(pk, 0)
        row.contacts = month.get(pk, {}).get("n", 0)
        row.visits = month.get(pk, {}).get("v", 0)
        row.contacts_ytd = ytd.get(pk, {}).get("n", 0)
        row.visits_ytd = ytd.get(pk, {}).get("v", 0)
        row.needs_resolved = resolved.get(pk, 0)
        row.due, row.on_track = rates.get(pk, (0, 0))
        out.append(row)
    out.sort(key=lambda r: (r.rate is None, r.rate or 0, r.name, r.cadre_id))
    return out


# --- the weekly screening -----------------------------------------------------------------------

WEEKLY_LIMIT = 20


@dataclass
class ExceptionList:
    key: str
    count: int
    items: list[Any]


def weekly_screening(
    *, user: Any, region: Region, period: Period, limit: int = WEEKLY_LIMIT
) -> list[ExceptionList]:
    """The exception lists of the week, as of the week's last day: people overdue for contact,
    people who should be paired and are not, open needs past due, petitions past deadline."""
    on = period.end
    code = region.code
    overdue = [
        r
        for r in compliance.person_compliance(user=user, year=on.year, on=on, region=code or None)
        if r.status == compliance.OVERDUE
    ]
    unpaired_q = selectors.unpaired(user=user, region=code, on=on)
    needs_q = (
        needs_in_scope(user)
        .filter(
            region_code__startswith=code, status__in=(NeedStatus.OPEN, NeedStatus.IN_PROGRESS), due_on__lt=on
        )
        .select_related("person", "owner")
        .order_by("due_on", "id")
    )
    petitions_q = (
        Petition.objects.for_user(user, Perm.PETITIONS_VIEW)
        .filter(region_code__startswith=code)
        .overdue(on)
        .select_related("person", "handler")
        .order_by("deadline", "id")
    )
    out = [ExceptionList(key="overdue_contacts", count=len(overdue), items=overdue[:limit])]
    for key, qs in (
        ("unpaired", unpaired_q),
        ("needs_past_due", needs_q),
        ("petitions_past_deadline", petitions_q),
    ):
        out.append(ExceptionList(key=key, count=qs.count(), items=list(qs[:limit])))
    return out


# --- the workbook --------------------------------------------------------------------------------


def ledger_export(*, user: Any, ledger_: Ledger, stream: IO[bytes], title: str) -> int:
    """Write the ledger (六统一: the same columns at every level) as .xlsx to ``stream`` and record
    the export. Returns the number of region rows written."""
    workbook = Workbook()
    sheet = SafeSheet(workbook.active)
    sheet.title = "工作台账"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"统计期间：{ledger_.period.start.isoformat()} 至 {ledger_.period.end.isoformat()}"])
    sheet.append([header for _key, header in LEDGER_COLUMNS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in ledger_.rows:
        sheet.append(row.values())
    sheet.append(ledger_.total.values())
    sheet.column_dimensions["A"].width = 22
    workbook.save(stream)
    audit_sensitive_read(
        actor=user,
        event=EventType.RECORDS_EXPORTED,
        region_code=ledger_.region.code,
        filters={
            "ledger": ledger_.period.kind,
            "start": ledger_.period.start.isoformat(),
            "end": ledger_.period.end.isoformat(),
        },
        rows=len(ledger_.rows),
    )
    return len(ledger_.rows)


def region_in_scope(user: Any, code: str) -> Region | None:
    """The region ``code`` if the user may see the cadence pages there."""
    if not code:
        return None
    if not _region_in_scope(user, Perm.CARE_VIEW, code):
        return None
    return Region.objects.filter(code=code).first()
