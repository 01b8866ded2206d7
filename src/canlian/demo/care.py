"""Demo data of pairing care and petitions for a city whose demo people exist (canlian.demo.persons).

* **Cadres**: the demo user ``ganbu`` (first county) and, created here, one cadre per county
  (``ganbu_<county code>``) and one in each of the first county's first two townships
  (``ganbu_<township code>``). A person is paired with a cadre whose region contains them.
* **Pairings** of the people who should be paired (care.selectors.should_be_paired): about 88% of
  them (the rest are the unpaired list, 应结尽结); most since 1 January of last year, some since a
  day earlier this year (the obligation is pro-rated), a few re-assigned this spring (history).
* **Contacts** on the province measure's schedule (4 contacts, 2 of them home visits, a year): last
  year in full (a few people missed one), this year up to yesterday. A person's bucket decides their
  state today: on track (and so, near a due date, due soon), one contact or visit behind (overdue),
  or no contact at all; a few were paired a fortnight ago and their first contact is due soon. Home
  visits deliver policies, solve difficulties, do tasks and find needs.
* **Needs** found on some visits: resolved, open, or open past their due date.
* **Petitions** at the window (some closed, some open, some past their deadline in working days),
  an **invitation event** on 助残日 with attendance, and **festival visits** (Spring Festival and
  Mid-Autumn) with condolence money for every paired person.

Rows are written set-based (one COPY / executemany per table, one INSERT … SELECT for festival
visits), never a model instance per row. The same seed and people give the same data; a second run
changes nothing (it is skipped when the city holds a pairing).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from canlian.core.accounts.actions import user_create
from canlian.core.accounts.models import User
from canlian.core.permissions import Role
from canlian.core.regions.models import Region
from canlian.domains.care.compliance import days_in_year, due_day, prorated
from canlian.domains.care.models import Contact, ContactWay, Need, NeedStatus, Pairing
from canlian.domains.care.selectors import should_be_paired
from canlian.domains.petitions.models import (
    Festival,
    FestivalVisit,
    InvitationEvent,
    Invitee,
    KeyDate,
    Petition,
    PetitionCategory,
    PetitionStatus,
    Satisfaction,
    deadline_days,
    key_date,
)
from canlian.platform.access import SYSTEM
from canlian.platform.bulk import append_rows, is_postgres
from canlian.programs.workdays import add_working_days, deadlines_record

#: Buckets (of 100): 0–87 paired, 88–99 not (the unpaired list).
PAIRED = 88
#: Buckets paired since a day earlier this year (pro-rated obligation).
MID_YEAR = range(40, 50)
#: Buckets re-assigned from another cadre this spring.
REASSIGNED = range(50, 53)
#: Buckets one contact or visit behind this year (overdue); buckets with no contact this year.
BEHIND = range(60, 78)
SILENT = range(78, 84)
#: Buckets paired a fortnight ago with no contact yet: their first contact is due soon.
NEW = range(84, 88)
CONTACTS_PER_YEAR, VISITS_PER_YEAR = 4, 2

DISCUSSED = [
    "询问身体和生活情况",
    "了解康复需求",
    "宣传残疾人两项补贴政策",
    "了解辅助器具使用情况",
    "询问就业意愿",
]
POLICIES = ["两项补贴政策", "残疾人证办理与换领", "辅助器具适配政策", "家庭无障碍改造政策"]
NEEDS = ["需要适配轮椅", "申请家庭无障碍改造", "希望参加职业技能培训", "申请康复训练", "协助办理残疾人证换领"]
PETITION_ISSUES = [
    (PetitionCategory.SUBSIDY, "咨询护理补贴发放时间"),
    (PetitionCategory.ASSISTIVE_DEVICES, "申请适配助听器"),
    (PetitionCategory.CERTIFICATE, "残疾人证到期换领"),
    (PetitionCategory.EMPLOYMENT, "咨询按比例就业政策"),
    (PetitionCategory.HOUSING, "申请家庭无障碍改造"),
    (PetitionCategory.REHABILITATION, "孩子康复训练机构咨询"),
    (PetitionCategory.COMPLAINT, "反映补贴未按时到账"),
]
VISITOR_NAMES = ["王秀英", "李建国", "张桂兰", "刘志强", "陈玉梅", "杨明", "赵淑珍", "黄海", "周丽", "吴军"]


@dataclass
class DemoCareResult:
    region_code: str
    skipped: bool = False
    cadres: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _bucket(id_number: str, seed: int) -> int:
    return (int(id_number[14:17]) * 7 + int(id_number[10:14]) + seed) % 100


def _ts(day: dt.date, hour: int = 10) -> Any:
    """A timestamp for a raw insert: aware on PostgreSQL, naive UTC text on SQLite (as Django stores)."""
    moment = timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 0))
    if is_postgres():
        return moment
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


# --- cadres ---------------------------------------------------------------------------------------


def ensure_cadres(city: Region, *, password: str | None) -> list[User]:
    """The demo cadres of the city (created once): ganbu, one per county, two in townships."""
    counties = list(
        Region.objects.active().filter(parent=city, level=3).exclude(name="市辖区").order_by("code")
    )
    plan: list[tuple[str, Region, str]] = []
    for county in counties:
        plan.append((f"ganbu_{county.code}", county, f"{county.name}结对干部"))
    if counties:
        for township in Region.objects.filter(parent=counties[0], level=4).order_by("code")[:2]:
            plan.append((f"ganbu_{township.code}", township, f"{township.name}结对干部"))
    made = []
    for username, region, display in plan:
        if not User.objects.filter(username=username).exists():
            user = user_create(
                actor=SYSTEM,
                username=username,
                password=None,
                role=Role.CADRE,
                region=region,
                display_name=display,
                check_password=False,
            )
            made.append(user.pk)
    if made and password:  # one hash for all (hashing is the slow part)
        User.objects.filter(pk__in=made).update(password=make_password(password))
    names = ["ganbu", *[p[0] for p in plan]]
    users = list(User.objects.filter(username__in=names).order_by("username"))
    for user in users:
        user.forget_assignments()
    return [u for u in users if any(c.startswith(city.code) for c in u.region_codes())]


def _cadre_for(code: str, bucket: int, cadres: list[tuple[str, int]]) -> int | None:
    """A cadre whose region contains ``code``: the deepest ones first, chosen by bucket."""
    matching = [(region, pk) for region, pk in cadres if code.startswith(region)]
    if not matching:
        return None
    deepest = max(len(r) for r, _pk in matching)
    pool = sorted(pk for r, pk in matching if len(r) == deepest or bucket % 3 == 0)
    return pool[bucket % len(pool)]


# --- the contact schedule -------------------------------------------------------------------------


def schedule(
    start: dt.date, year: int, until: dt.date, bucket: int, *, behind: bool
) -> list[tuple[dt.date, str]]:
    """Contacts of a person paired from ``start`` in ``year``, dated before ``until``: home visits a
    few days before each visit falls due, calls before each contact falls due unless the visits
    already cover it. ``behind`` drops the last one that fell due (the person is overdue)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = max(start, first)
    period = (last - start).days + 1
    days = days_in_year(year)
    n_contacts = prorated(CONTACTS_PER_YEAR, period, days)
    n_visits = prorated(VISITS_PER_YEAR, period, days)
    lead = 3 + bucket % 9
    visits = [
        start + dt.timedelta(days=due_day(k, n_visits, period) - 1 - lead) for k in range(1, n_visits + 1)
    ]
    events = [(max(d, start), ContactWay.HOME_VISIT) for d in visits]
    for k in range(1, n_contacts + 1):
        due = start + dt.timedelta(days=due_day(k, n_contacts, period) - 1)
        if sum(1 for d, _w in events if d <= due) < k:
            way = (ContactWay.PHONE, ContactWay.WECHAT, ContactWay.SMS)[(bucket + k) % 3]
            events.append((max(due - dt.timedelta(days=lead), start), way))
    events = sorted(e for e in events if e[0] < until)
    if behind and events:
        events.pop()
    return events


# --- the generator --------------------------------------------------------------------------------


def generate_demo_care(
    *,
    region_code: str,
    seed: int,
    overseer: Any,
    password: str | None = None,
    today: dt.date | None = None,
) -> DemoCareResult:
    """Pair, contact, petition and visit in ``region_code`` (a city). ``overseer`` is a user whose
    care.view scope covers the city (who should be paired is read through it)."""
    started = time.monotonic()
    today = today or timezone.localdate()
    result = DemoCareResult(region_code=region_code)
    if Pairing.objects.filter(region_code__startswith=region_code).exists():
        result.skipped = True
        return result
    city = Region.objects.get(code=region_code)
    with transaction.atomic():
        cadre_users = ensure_cadres(city, password=password)
        result.cadres = len(cadre_users)
        cadres = [
            (code, u.pk) for u in cadre_users for code in u.region_codes() if code.startswith(region_code)
        ]
        people = list(
            should_be_paired(user=overseer, on=today, region=region_code)
            .order_by("id")
            .values_list("id", "region_code", "id_number")
        )
        result.counts["pairings"] = _pair(people, cadres, seed=seed, today=today)
        result.counts["contacts"] = _contacts(region_code, seed=seed, today=today)
        result.counts["needs"] = _needs(region_code, seed=seed, today=today)
        result.counts["petitions"] = _petitions(region_code, cadre_users, seed=seed, today=today)
        result.counts["invitees"] = _invitation(region_code, today=today)
        result.counts["festival visits"] = _festival_visits(region_code, today=today)
    result.seconds = time.monotonic() - started
    return result


_PAIRING_COLUMNS = [
    "cadre_id",
    "person_id",
    "region_code",
    "started_on",
    "ended_on",
    "end_reason",
    "end_note",
    "created_by_id",
    "created_at",
]


def _pair(
    people: list[tuple[int, str, str]], cadres: list[tuple[str, int]], *, seed: int, today: dt.date
) -> int:
    year = today.year
    rows = []
    for pid, code, id_number in people:
        b = _bucket(id_number, seed)
        cadre = _cadre_for(code, b, cadres)
        if b >= PAIRED or cadre is None:
            continue
        start = dt.date(year - 1, 1, 1)
        if b in NEW:
            start = max(dt.date(year, 1, 1), today - dt.timedelta(days=15))
        if b in MID_YEAR:
            start = max(dt.date(year, 1, 1), today - dt.timedelta(days=30 + 25 * (b - MID_YEAR.start)))
        if b in REASSIGNED:
            switch = min(today - dt.timedelta(days=1), dt.date(year, 4, 1))
            previous = next((pk for r, pk in sorted(cadres) if code.startswith(r) and pk != cadre), None)
            if previous is not None and switch > start:
                rows.append(
                    (
                        previous,
                        pid,
                        code,
                        start,
                        switch - dt.timedelta(days=1),
                        "reassigned",
                        "工作调整（演示）",
                        None,
                        _ts(start),
                    )
                )
                start = switch
        rows.append((cadre, pid, code, start, None, "", "", None, _ts(start)))
    append_rows(Pairing._meta.db_table, _PAIRING_COLUMNS, rows)
    return len(rows)


_CONTACT_COLUMNS = [
    "person_id",
    "pairing_id",
    "cadre_id",
    "region_code",
    "way",
    '"on"',
    "discussed",
    "needs_found",
    "policies_delivered",
    "policies_text",
    "difficulties_solved",
    "difficulties_text",
    "tasks_done",
    "tasks_text",
    "photo",
    "follow_up_on",
    "follow_up_done",
    "created_at",
]


def _contacts(region_code: str, *, seed: int, today: dt.date) -> int:
    pairings = list(
        Pairing.objects.filter(region_code__startswith=region_code)
        .order_by("person_id", "started_on")
        .values_list(
            "id", "person_id", "cadre_id", "region_code", "started_on", "ended_on", "person__id_number"
        )
    )
    rows = []
    for pk, person_id, cadre_id, code, start, end, id_number in pairings:
        b = _bucket(id_number, seed)
        for year in (today.year - 1, today.year):
            if start > dt.date(year, 12, 31) or (end and end < dt.date(year, 1, 1)):
                continue
            if year == today.year and (b in SILENT or b in NEW):
                continue
            behind = b in BEHIND if year == today.year else b % 10 == 0
            until = min(today, end + dt.timedelta(days=1) if end else today, dt.date(year + 1, 1, 1))
            for i, (on, way) in enumerate(schedule(start, year, until, b, behind=behind)):
                visit = way == ContactWay.HOME_VISIT
                need = visit and (b + i) % 4 == 0
                follow_up = on + dt.timedelta(days=14) if visit and (b + i) % 5 == 0 else None
                rows.append(
                    (
                        person_id,
                        pk,
                        cadre_id,
                        code,
                        way,
                        on,
                        DISCUSSED[(b + i) % len(DISCUSSED)],
                        NEEDS[(b + i) % len(NEEDS)] if need else "",
                        1 if visit or i % 2 else 0,
                        POLICIES[(b + i) % len(POLICIES)] if visit or i % 2 else "",
                        1 if visit and (b + i) % 2 else 0,
                        "协调解决生活困难（演示）" if visit and (b + i) % 2 else "",
                        1 if visit and (b + i) % 3 == 0 else 0,
                        "帮助打扫卫生、代购生活用品（演示）" if visit and (b + i) % 3 == 0 else "",
                        "",
                        follow_up,
                        bool(follow_up and follow_up < today - dt.timedelta(days=7)),
                        _ts(on, 15),
                    )
                )
    append_rows(Contact._meta.db_table, _CONTACT_COLUMNS, rows)
    return len(rows)


_NEED_COLUMNS = [
    "person_id",
    "contact_id",
    "region_code",
    "description",
    "owner_id",
    "status",
    "due_on",
    "resolution",
    "resolved_on",
    "created_at",
    "updated_at",
]


def _needs(region_code: str, *, seed: int, today: dt.date) -> int:
    """A need for every contact that found one: resolved within a month when it is old enough,
    otherwise open with a due date a month after it was found (past due for some)."""
    contacts = (
        Contact.objects.filter(region_code__startswith=region_code)
        .exclude(needs_found="")
        .order_by("id")
        .values_list("id", "person_id", "region_code", "needs_found", "cadre_id", "on", "person__id_number")
    )
    rows = []
    for pk, person_id, code, text, cadre_id, on, id_number in contacts:
        key = int(id_number[10:17]) + on.toordinal() + seed  # not the row id: same seed, same data
        due = on + dt.timedelta(days=30)
        resolved_on = on + dt.timedelta(days=10 + key % 15)
        if key % 3 and resolved_on < today:
            status, resolution = NeedStatus.RESOLVED, "已协调解决（演示）"
        else:
            status = NeedStatus.IN_PROGRESS if key % 2 else NeedStatus.OPEN
            resolution, resolved_on = "", None
        rows.append(
            (
                person_id,
                pk,
                code,
                text,
                cadre_id,
                status,
                due,
                resolution,
                resolved_on,
                _ts(on, 16),
                _ts(on, 16),
            )
        )
    append_rows(Need._meta.db_table, _NEED_COLUMNS, rows)
    return len(rows)


def _petitions(region_code: str, cadres: list[User], *, seed: int, today: dt.date) -> int:
    """Six petitions a county over the last four months: closed, open within the deadline, and open
    past it."""
    counties = list(
        Region.objects.active()
        .filter(parent__code=region_code, level=3)
        .exclude(name="市辖区")
        .order_by("code")
    )
    handlers = {}
    for user in User.objects.filter(username__in=("xian_admin", "xian2_admin")):
        for code in user.region_codes():
            handlers[code] = user
    petitions = []
    for c, county in enumerate(counties):
        person_ids = list(
            Pairing.objects.filter(region_code__startswith=county.code, ended_on__isnull=True)
            .order_by("person_id")
            .values_list("person_id", "region_code")[:3]
        )
        for i in range(6):
            category, issue = PETITION_ISSUES[(c + i + seed) % len(PETITION_ISSUES)]
            received = today - dt.timedelta(days=5 + 20 * i + c)
            deadline = add_working_days(received, deadline_days(category))
            person_id, code = person_ids[i] if i < len(person_ids) else (None, county.code)
            closed = i % 3 == 1 or received < today - dt.timedelta(days=60)
            if closed:
                closed_on = min(today, add_working_days(received, 3 + i))
            petitions.append(
                Petition(
                    received_on=received,
                    region_code=code,
                    person_id=person_id,
                    visitor_name="" if person_id else VISITOR_NAMES[(c * 6 + i) % len(VISITOR_NAMES)],
                    issue=issue,
                    category=category,
                    handler=handlers.get(county.code),
                    deadline=deadline,
                    status=PetitionStatus.CLOSED if closed else PetitionStatus.OPEN,
                    closed_on=closed_on if closed else None,
                    result="已答复并办结（演示）" if closed else "",
                    satisfaction=(Satisfaction.SATISFIED if i % 2 else Satisfaction.BASICALLY)
                    if closed
                    else "",
                )
            )
    Petition.objects.bulk_create(petitions)
    # Deadlines counted into a year the calendar does not hold yet are provisional (recomputed later).
    deadlines_record(
        ((p, p.received_on, deadline_days(p.category), None) for p in petitions), field_name="deadline"
    )
    return len(petitions)


def _invitation(region_code: str, *, today: dt.date) -> int:
    """助残日 (the third Sunday of May; last year's when this year's is still ahead) in the first county:
    twenty paired people invited, most of them came."""
    county = (
        Region.objects.active()
        .filter(parent__code=region_code, level=3)
        .exclude(name="市辖区")
        .order_by("code")
        .first()
    )
    if county is None:
        return 0
    held = key_date(KeyDate.HELP_DAY, today.year)
    if held is None or held > today:
        held = key_date(KeyDate.HELP_DAY, today.year - 1)
    event = InvitationEvent.objects.create(
        title=f"{held.year}年全国助残日邀访活动",
        key_date_kind=KeyDate.HELP_DAY,
        held_on=held,
        region_code=county.code,
        place=f"{county.name}残疾人联合会",
    )
    person_ids = list(
        Pairing.objects.filter(region_code__startswith=county.code, ended_on__isnull=True)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:20]
    )
    Invitee.objects.bulk_create(
        [
            Invitee(event=event, person_id=pid, invited=True, attended=i % 4 != 3)
            for i, pid in enumerate(person_ids)
        ]
    )
    return len(person_ids)


def _festival_visits(region_code: str, *, today: dt.date) -> int:
    """Spring Festival and Mid-Autumn visits (the latest of each not after today) to every person
    paired then, by their cadre: 200, 300 or 500 yuan. One INSERT … SELECT per festival."""
    written = 0
    for festival, month, day in ((Festival.SPRING, 1, 25), (Festival.MID_AUTUMN, 9, 20)):
        on = dt.date(today.year, month, day)
        if on > today:
            on = dt.date(today.year - 1, month, day)
        table = FestivalVisit._meta.db_table
        sql = f"""INSERT INTO {table} (person_id, region_code, "on", festival, visited_by, visited_by_user_id,
            money, goods, note, created_at)
SELECT p.person_id, p.region_code, %s, %s, '', p.cadre_id,
       CASE p.person_id %% 3 WHEN 0 THEN 500 WHEN 1 THEN 300 ELSE 200 END, %s, '', %s
FROM {Pairing._meta.db_table} p
WHERE p.region_code LIKE %s AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on >= %s)"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [on, festival, "米、面、油（演示）", _ts(on), f"{region_code}%", on, on])
            written += max(cursor.rowcount, 0)
    return written
