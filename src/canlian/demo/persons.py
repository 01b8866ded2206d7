"""Demo people for a city: certificate holders with valid IDs, certificates and their history,
hardship statuses, households with their relatives, and screening (摸排) records.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed, region,
size and day give the same people. Rows are built as tuples in Python and written set-based: COPY
into the real tables on PostgreSQL (ids allocated explicitly from a reserved range, sequences moved
past them afterwards), one ``executemany`` per table and chunk on SQLite. No model instance is
ever built per row. The household flags are refreshed at the end with the registry's own
``households_refresh_flags``.

Re-running with demo people already in the region generates nothing (see ``generate_demo_persons``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import queue
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

from django.db import connection, transaction
from django.utils import timezone

from canlian.core.regions.models import Region
from canlian.core.registry.actions import households_refresh_flags
from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    CancelReason,
    CertificateEventKind,
    CertificateState,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    MonitoredType,
    PersonSource,
    Relationship,
    RiskCause,
    ScreeningOutcome,
    ScreeningSource,
    Sex,
)
from canlian.core.registry.identity import certificate_number_for, name_keys
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    HardshipStatus,
    Household,
    HouseholdMember,
    Person,
    ScreeningRecord,
    SubDisability,
)
from canlian.platform.bulk import is_postgres
from canlian.platform.progress import NullProgress, Progress

YEAR = 365.2425

# --- the configured mix ----------------------------------------------------------------------------


def _default_category_weights() -> dict[str, dict[int, float]]:
    # Shares in percent by age group. With the age mix below the whole population comes out at about
    # physical 51, visual 11, hearing 10, intellectual 8.5, mental 8.3, multiple 8, speech 2: the order
    # of the national certificate-holder statistics (physical about half). Children are more often
    # intellectual, hearing or speech; the elderly more often visual and hearing.
    return {
        "child": {1: 5, 2: 12, 3: 8, 4: 25, 5: 30, 6: 8, 7: 12},
        "adult": {1: 8, 2: 6, 3: 2, 4: 52, 5: 13, 6: 12, 7: 7},
        "elderly": {1: 15, 2: 14, 3: 1.5, 4: 54, 5: 2, 6: 5, 7: 8.5},
    }


@dataclass(frozen=True)
class DemoMix:
    """The shares the generator draws from (probabilities unless noted)."""

    #: (youngest, oldest, weight): certificate holders are mostly older people.
    age_bands: tuple[tuple[int, int, float], ...] = (
        (1, 6, 1.5),
        (7, 17, 4.5),
        (18, 44, 18),
        (45, 59, 26),
        (60, 74, 32),
        (75, 84, 13.5),
        (85, 96, 4.5),
    )
    category_weights: dict[str, dict[int, float]] = field(default_factory=_default_category_weights)
    #: More mild and moderate than severe; a multiple disability takes its most severe grade.
    grade_weights: dict[int, float] = field(default_factory=lambda: {1: 12, 2: 22, 3: 28, 4: 38})
    male: float = 0.56
    # Households (shares of household units drawn).
    no_household: float = 0.03
    alone: float = 0.06
    multi_disabled: float = 0.035
    orphan_child: float = 0.04
    # Certificates (shares of people).
    expired: float = 0.03
    reassessed: float = 0.06
    renewed: float = 0.08
    # Life status: deaths are weighted towards the elderly (×2.2 at 60+, ×0.3 below).
    deceased: float = 0.025
    deceased_still_active: float = 0.15
    moved_out: float = 0.015
    cancelled_other: float = 0.006
    # Hardship (shares of households; urban = 街道 townships and 社区 communities).
    dibao_rural: float = 0.25
    dibao_urban: float = 0.10
    tekun_alone: float = 0.30
    tekun_other: float = 0.005
    low_income: float = 0.07
    monitored_rural: float = 0.05
    dibao_ended: float = 0.03
    # People.
    hukou_elsewhere: float = 0.08
    phone: float = 0.82
    #: Screening records per person generated.
    screening: float = 0.02


MIX = DemoMix()

_ETHNICITIES = (("汉族", 95.0), ("回族", 2.0), ("满族", 1.2), ("蒙古族", 0.6), ("壮族", 0.6), ("苗族", 0.6))
_MOBILE_PREFIXES = (
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 176 177 178 "
    "180 181 182 183 184 185 186 187 188 189 198 199"
).split()
_STREETS = (
    "幸福路",
    "建设路",
    "人民路",
    "胜利路",
    "黄河路",
    "府前街",
    "新华路",
    "和平路",
    "育才路",
    "民主街",
)
_MONITORED_TYPES = ((MonitoredType.UNSTABLE, 35), (MonitoredType.MARGINAL, 45), (MonitoredType.SUDDEN, 20))
_RISK_CAUSES = (
    (RiskCause.DISABILITY, 45),
    (RiskCause.ILLNESS, 30),
    (RiskCause.NO_LABOUR, 10),
    (RiskCause.ACCIDENT, 5),
    (RiskCause.SCHOOLING, 4),
    (RiskCause.DISASTER, 2),
    (RiskCause.BUSINESS, 2),
    (RiskCause.UNSTABLE_WORK, 2),
)
_SCREENING_OUTCOMES = (
    (ScreeningOutcome.PENDING, 35),
    (ScreeningOutcome.SCHEDULED, 25),
    (ScreeningOutcome.CERTIFIED, 18),
    (ScreeningOutcome.NOT_DISABLED, 12),
    (ScreeningOutcome.DECLINED, 5),
    (ScreeningOutcome.UNREACHABLE, 5),
)
_SCREENING_SOURCES = (
    (ScreeningSource.VILLAGE, 60),
    (ScreeningSource.HOSPITAL, 15),
    (ScreeningSource.CIVIL_AFFAIRS, 10),
    (ScreeningSource.EDUCATION, 5),
    (ScreeningSource.SELF, 8),
    (ScreeningSource.OTHER, 2),
)
_SEEN = {
    1: "视物模糊，行走需人引导",
    2: "听不清说话，需大声交流",
    3: "说话不清，交流困难",
    4: "行走不便，需拄拐或轮椅",
    5: "反应迟缓，生活需人照料",
    6: "情绪不稳，曾住院治疗",
    7: "多种功能障碍，长期卧床",
}
_OUTCOME_NOTES = {
    ScreeningOutcome.NOT_DISABLED: "评定未达到残疾标准",
    ScreeningOutcome.DECLINED: "家属暂不同意评定",
    ScreeningOutcome.UNREACHABLE: "多次联系未果，已外出务工",
    ScreeningOutcome.CERTIFIED: "入户评定后办证",
}


# --- small helpers ---------------------------------------------------------------------------------


class _Weighted:
    """Weighted choice by bisecting a cumulative table (one ``random()`` per pick)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Iterable[tuple[object, float]]) -> None:
        self.items: list = []
        self.cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            if weight > 0:
                total += weight
                self.items.append(item)
                self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random):  # type: ignore[no-untyped-def]
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _valid_until(issue: dt.date) -> dt.date:
    """The last day of a certificate issued on ``issue`` (as ``certificate_issue`` computes it)."""
    return _add_years(issue, CERTIFICATE_YEARS) - dt.timedelta(days=1)


def _cert_json(number: str, category: int, grade: int, issue: str, until: str) -> str:
    """A certificate in force as the registry actions record it in events (written without
    json.dumps: this is the hot path)."""
    return (
        f'{{"number": "{number}", "category": {category}, "grade": {grade}, '
        f'"issue_date": "{issue}", "valid_until": "{until}", "state": "active"}}'
    )


# --- names -----------------------------------------------------------------------------------------


def _data_lines(filename: str) -> list[str]:
    text = resources.files("canlian.demo.data").joinpath(filename).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Names:
    """Surnames by national frequency and given names by sex and generation (data/*.txt).

    Pinyin keys are those of ``identity.name_keys``: the surname's keys (with its surname reading)
    followed by the given name's (the data holds no character with a special surname reading, so a
    given name reads the same at any position); each part is computed once.
    """

    def __init__(self) -> None:
        surnames = []
        for line in _data_lines("surnames.txt"):
            name, share = line.split()
            surnames.append((name, float(share)))
        self.surnames = _Weighted(surnames)
        sections: dict[str, list[str]] = {}
        current = ""
        for line in _data_lines("given_names.txt"):
            if line.startswith("["):
                current = line.strip("[]")
                sections[current] = []
            else:
                sections[current].extend(line.split())
        self.chars = {True: sections["male_chars"], False: sections["female_chars"]}
        self.modern = {True: sections["male_modern"], False: sections["female_modern"]}
        self.classic = {True: sections["male_classic"], False: sections["female_classic"]}
        self._keys: dict[str, tuple[str, str]] = {}

    def surname(self, rng: random.Random) -> str:
        return self.surnames.pick(rng)

    def given(self, rng: random.Random, male: bool, birth_year: int) -> str:
        if birth_year < 1970 and rng.random() < 0.45:
            names = self.classic[male]
            return names[int(rng.random() * len(names))]
        pool = self.modern[male] if birth_year >= 2000 and rng.random() < 0.7 else self.chars[male]
        first = pool[int(rng.random() * len(pool))]
        if rng.random() < 0.12:
            return first
        return first + pool[int(rng.random() * len(pool))]

    def keys(self, surname: str, given: str) -> tuple[str, str]:
        keys = self._keys
        s = keys.get(surname)
        if s is None:
            s = keys[surname] = name_keys(surname)
        g = keys.get("+" + given)
        if g is None:
            g = keys["+" + given] = name_keys(given)
        return s[0] + g[0], s[1] + g[1]


# --- resident ID numbers ---------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted_sum(digits: str, offset: int) -> int:
    return sum(int(d) * _WEIGHTS[offset + i] for i, d in enumerate(digits))


def check_character(body: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 characters."""
    return _CHECK[_weighted_sum(body[:17], 0) % 11]


class IdNumbers:
    """Unique, valid 18-character IDs: area code + birth date + 3-digit sequence (odd = male) + check.

    The checksum is the sum of three cached parts (area, date, sequence). Numbers in ``taken``
    (people already registered) are skipped; when a day's 500 sequences of one sex are used up the
    birth date moves one day earlier, and the caller gets the date it must store.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self._next: dict[tuple[str, int, bool], int] = {}
        self._area: dict[str, int] = {}
        self._date: dict[int, tuple[str, int]] = {}
        self._seq = [(f"{s:03d}", _weighted_sum(f"{s:03d}", 14)) for s in range(1000)]

    def make(self, area: str, birth_ord: int, male: bool) -> tuple[str, int]:
        area_sum = self._area.get(area)
        if area_sum is None:
            area_sum = self._area[area] = _weighted_sum(area, 0)
        while True:
            date = self._date.get(birth_ord)
            if date is None:
                text = dt.date.fromordinal(birth_ord).strftime("%Y%m%d")
                date = self._date[birth_ord] = (text, _weighted_sum(text, 6))
            key = (area, birth_ord, male)
            n = self._next.get(key, 0)
            start = (birth_ord * 37 + int(area)) % 500
            while n < 500:
                seq_text, seq_sum = self._seq[2 * ((start + n) % 500) + male]
                n += 1
                number = area + date[0] + seq_text + _CHECK[(area_sum + date[1] + seq_sum) % 11]
                if number not in self.taken:
                    self._next[key] = n
                    return number, birth_ord
            self._next[key] = n
            birth_ord -= 1


# --- places ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where people live: a village/community, or the lowest region that exists."""

    code: str
    name: str
    level: int
    urban: bool

    @property
    def area(self) -> str:
        return self.code[:6]


def demo_places(region_code: str, on: dt.date | None = None) -> list[Place]:
    """The lowest in-force regions (county level or below) under ``region_code``: villages and
    communities where they exist, else townships, else the county itself."""
    rows = list(
        Region.objects.active(on)
        .filter(code__startswith=region_code, level__gte=3)
        .exclude(name="市辖区")
        .order_by("code")
        .values_list("code", "name", "level")
    )
    names = {code: name for code, name, _level in rows}
    parents = {code[:n] for code, _name, _level in rows for n in (6, 9) if len(code) > n}
    places = []
    for code, name, level in rows:
        if code in parents:
            continue
        town = names.get(code[:9], "") if level == 5 else name
        if level == 5:
            urban = name.endswith("社区") or town.endswith("街道")
        elif level == 4:
            urban = name.endswith("街道")
        else:
            urban = name.endswith("区")
        places.append(Place(code=code, name=name, level=level, urban=urban))
    return places


# --- writing ---------------------------------------------------------------------------------------


#: NULL in the rows: every value is text, written as is by COPY (PostgreSQL's text format; the
#: generator makes no value with a tab, newline or backslash) and bound as text on SQLite, whose
#: column affinities turn digits back into integers.
NULL = "\\N"


class _Table:
    __slots__ = ("name", "rows", "sql", "written")

    def __init__(self, model: type, columns: Sequence[str]) -> None:
        quote = connection.ops.quote_name
        self.name = model._meta.db_table
        cols = ", ".join(quote(c) for c in columns)
        if is_postgres():
            self.sql = f"COPY {quote(self.name)} ({cols}) FROM STDIN"
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.sql = f"INSERT INTO {quote(self.name)} ({cols}) VALUES ({marks})"
        self.rows: list[tuple[str, ...]] = []
        self.written = 0


class _Writer:
    """Writes batches of rows. On PostgreSQL a thread runs the COPYs on the transaction's own
    connection while the generator builds the next batch (the server works on the other core);
    the calling thread must not use the connection until ``close()``. On SQLite: executemany, inline.
    """

    def __init__(self) -> None:
        self.postgres = is_postgres()
        self.error: BaseException | None = None
        if self.postgres:
            connection.ensure_connection()
            self.raw = connection.connection
            self.queue: queue.Queue = queue.Queue(maxsize=2)
            self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
            self.thread.start()

    def submit(self, tables: Sequence[_Table]) -> None:
        batch = [(t.sql, t.rows) for t in tables if t.rows]
        for table in tables:
            table.written += len(table.rows)
            table.rows = []
        if not self.postgres:
            with connection.cursor() as cursor:
                for sql, rows in batch:
                    cursor.executemany(sql, [tuple(None if v == NULL else v for v in row) for row in rows])
            return
        if self.error is not None:
            self.close()
        self.queue.put(batch)

    def _run(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.error is not None:
                continue
            try:
                with self.raw.cursor() as cursor:
                    for sql, rows in batch:
                        with cursor.copy(sql) as copy:
                            copy.write("\n".join(map("\t".join, rows)) + "\n")
            except BaseException as exc:  # re-raised in the calling thread by close()
                self.error = exc

    def close(self) -> None:
        if self.postgres and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


#: What a bulk load drops and rebuilds (PostgreSQL): every foreign key (one deferred trigger per row
#: otherwise; re-adding one checks it with a single join), and the unique constraints and indexes
#: that lead with a value column (names, pinyin, ID and certificate numbers, dates): maintained
#: row by row their inserts land all over the tree, while one build over sorted data is several
#: times cheaper. Indexes that lead with an id column stay: the generator writes ids in increasing
#: order, so those inserts append at the right edge, and the server keeps them up to date on its
#: own core while Python generates. Columns: drop, restore, restore order, leading column.
_KEYS_SQL = """
SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)),
       CASE c.contype WHEN 'f' THEN 3 ELSE 2 END,
       CASE c.contype WHEN 'f' THEN '' ELSE a.attname END
FROM pg_constraint c
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('f', 'u')
UNION ALL
SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), 1, a.attname
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
ORDER BY 3, 1
"""


def _drop_keys(models: Sequence[type]) -> list[str]:
    """Drop the foreign keys and the value-led unique constraints and indexes of ``models`` (inside
    the caller's transaction) and return the statements that restore them, in order."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(_KEYS_SQL, {"tables": tables})
        keys = [k for k in cursor.fetchall() if not (k[3] == "id" or k[3].endswith("_id"))]
        # Foreign keys first: a unique constraint cannot go while a key depends on it.
        for drop, _restore, _order, _column in sorted(keys, key=lambda k: -k[2]):
            cursor.execute(drop)
    return [restore for _drop, restore, _order, _column in keys]


def _restore_keys(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in statements:
            cursor.execute(sql)


def _existing_rows(model: type) -> int:
    """PostgreSQL's estimate of a table's rows (no count over millions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def _reserve_ids(model: type) -> int:
    """The first id of a block this transaction may use explicitly (the table is locked against
    other writers on PostgreSQL until commit)."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            from_sequence = cursor.fetchone()[0]
        else:
            from_sequence = 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {quote(table)}")
        return max(from_sequence, cursor.fetchone()[0])


def _move_sequence(model: type) -> None:
    """Move PostgreSQL's sequence past the explicit ids (SQLite's AUTOINCREMENT follows by itself)."""
    if not is_postgres():
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {table} "
            "HAVING MAX(id) IS NOT NULL",
            [model._meta.db_table],
        )


# --- the generator ---------------------------------------------------------------------------------


@dataclass
class DemoPersonsResult:
    region_code: str
    requested: int
    skipped: bool = False
    existing: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def persons(self) -> int:
        return self.counts.get("persons", 0)


class _IsoDates(dict):
    """Day ordinal → ISO date text, cached (some ten thousand distinct days)."""

    def __missing__(self, day: int) -> str:
        text = self[day] = dt.date.fromordinal(day).isoformat()
        return text


class _LastDays(dict):
    """Issue day ordinal → ordinal of the certificate's last valid day, cached."""

    def __missing__(self, day: int) -> int:
        last = self[day] = _valid_until(dt.date.fromordinal(day)).toordinal()
        return last


class _P:
    """What a household needs to know about a person just generated."""

    __slots__ = ("birth_ord", "death_ord", "id", "name", "surname")

    def __init__(self, pid: str, name: str, surname: str, birth_ord: int, death_ord: int | None) -> None:
        self.id, self.name, self.surname = pid, name, surname
        self.birth_ord, self.death_ord = birth_ord, death_ord


_PERSON_COLUMNS = (
    "id name name_pinyin name_initials id_number sex birth_date ethnicity phone region_code "
    "residence_address hukou_region_code hukou_address hukou_type life_status life_status_date source "
    "created_at updated_at"
).split()
_HOUSEHOLD_COLUMNS = (
    "id region_code number address multi_disabled alone_disabled elderly_carers created_at updated_at"
).split()
_CERTIFICATE_COLUMNS = (
    "id person_id number category grade issue_date valid_until state cancelled_on cancel_reason "
    "cancel_note superseded_on created_at updated_at"
).split()
_EVENT_COLUMNS = "person_id certificate_id kind on old_values new_values note created_at".split()
_HARDSHIP_COLUMNS = (
    "person_id kind monitored_type risk_cause valid_from valid_to source note created_at"
).split()
_MEMBER_COLUMNS = "household_id person_id name birth_date relationship is_head".split()
_SCREENING_COLUMNS = (
    "name id_number phone region_code address suspected_category source found_on description "
    "appointment_on assessor outcome outcome_on outcome_note person_id certificate_id created_at"
).split()
_GROUP = ("child",) * 18 + ("adult",) * 42 + ("elderly",)  # by age, capped at 60


class _Generator:
    """Draws households and people in a fixed order from one ``random.Random`` and appends their
    rows (tuples of text) to the tables; ``flush`` hands the rows to the writer."""

    def __init__(
        self,
        *,
        places: list[Place],
        count: int,
        seed: int,
        today: dt.date,
        taken: set[str],
        mix: DemoMix,
        ids: tuple[int, int, int],
    ) -> None:
        self.rng = rng = random.Random(seed)
        self.mix = mix
        self.count = count
        self.made = 0
        self.today_ord = today.toordinal()
        self.now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
        self.iso = _IsoDates()
        self.last_day = _LastDays()
        self.names = Names()
        self.id_numbers = IdNumbers(taken)
        self.next_person, self.next_cert, self.next_household = ids
        self.places = _Weighted((p, rng.uniform(0.6, 1.4) * (1.3 if p.urban else 1.0)) for p in places)
        self.by_area: dict[str, list[Place]] = {}
        for place in places:
            self.by_area.setdefault(place.area, []).append(place)
        self.household_seq: dict[str, int] = {}
        self.ages = _Weighted(((lo, hi), w) for lo, hi, w in mix.age_bands)
        self.older_ages = _Weighted(((lo, hi), w) for lo, hi, w in mix.age_bands if lo >= 45)
        self.categories = {group: _Weighted(w.items()) for group, w in mix.category_weights.items()}
        self.sub_categories = _Weighted((c, w) for c, w in mix.category_weights["adult"].items() if c != 7)
        self.grades = _Weighted(mix.grade_weights.items())
        self.ethnicities = _Weighted(_ETHNICITIES)
        self.monitored_types = _Weighted(_MONITORED_TYPES)
        self.risk_causes = _Weighted(_RISK_CAUSES)
        self.certified_candidates: list[tuple] = []
        self.want_certified = max(1, round(count * mix.screening * 0.18))
        self.t_person = _Table(Person, _PERSON_COLUMNS)
        self.t_household = _Table(Household, _HOUSEHOLD_COLUMNS)
        self.t_cert = _Table(Certificate, _CERTIFICATE_COLUMNS)
        self.t_sub = _Table(SubDisability, ("certificate_id", "category", "grade"))
        self.t_event = _Table(CertificateEvent, _EVENT_COLUMNS)
        self.t_hardship = _Table(HardshipStatus, _HARDSHIP_COLUMNS)
        self.t_member = _Table(HouseholdMember, _MEMBER_COLUMNS)
        self.t_screening = _Table(ScreeningRecord, _SCREENING_COLUMNS)
        self.tables = (
            self.t_person,
            self.t_household,
            self.t_cert,
            self.t_sub,
            self.t_event,
            self.t_hardship,
            self.t_member,
            self.t_screening,
        )

    # -- writing

    def flush(self, writer: _Writer) -> None:
        writer.submit(self.tables)

    def pending(self) -> int:
        return len(self.t_person.rows)

    # -- small draws

    def _randint(self, lo: int, hi: int) -> int:
        return lo + int(self.rng.random() * (hi - lo + 1))

    def _age(self, older: bool = False) -> int:
        lo, hi = (self.older_ages if older else self.ages).pick(self.rng)
        return lo + int(self.rng.random() * (hi - lo + 1))

    def _birth_ord(self, age: int) -> int:
        return self.today_ord - int((max(age, 0) + self.rng.random()) * YEAR) - 1

    def _phone(self) -> str:
        rand = self.rng.random
        if rand() >= self.mix.phone:
            return ""
        return _MOBILE_PREFIXES[int(rand() * len(_MOBILE_PREFIXES))] + f"{int(rand() * 1e8):08d}"

    def _address(self, place: Place) -> str:
        randint = self._randint
        if place.level == 5 and place.name.endswith("社区"):
            return f"{place.name}{randint(1, 30)}号楼{randint(1, 4)}单元{randint(1, 6)}0{randint(1, 4)}室"
        if place.level == 5:
            return f"{place.name}{randint(1, 399)}号"
        return f"{place.name}{_STREETS[int(self.rng.random() * len(_STREETS))]}{randint(1, 299)}号"

    def _category(self, age: int) -> tuple[int, int, list[tuple[int, int]]]:
        """(category, grade, sub-disabilities): a multiple disability takes its most severe grade."""
        rng = self.rng
        category = self.categories[_GROUP[min(age, 60)]].pick(rng)
        if category != 7:
            return category, self.grades.pick(rng), []
        pick_sub, pick_grade = self.sub_categories.pick, self.grades.pick
        first = pick_sub(rng)
        second = pick_sub(rng)
        while second == first:
            second = pick_sub(rng)
        subs = [(first, pick_grade(rng)), (second, pick_grade(rng))]
        if rng.random() < 0.2:
            third = pick_sub(rng)
            if third not in (first, second):
                subs.append((third, pick_grade(rng)))
        subs.sort()
        return 7, min(g for _c, g in subs), subs

    # -- a person with certificates

    def _person(
        self,
        place: Place,
        address: str,
        *,
        age: int,
        male: bool | None = None,
        surname: str | None = None,
        category: int | None = None,
    ) -> _P:
        rng, mix, today_ord, iso, now = self.rng, self.mix, self.today_ord, self.iso, self.now
        rand = rng.random
        randint = self._randint
        if male is None:
            male = rand() < mix.male
        surname = surname or self.names.surname(rng)
        id_number, birth_ord = self.id_numbers.make(place.area, self._birth_ord(age), male)
        given = self.names.given(rng, male, int(iso[birth_ord][:4]))
        name = surname + given
        pinyin, initials = self.names.keys(surname, given)
        pid = str(self.next_person)
        self.next_person += 1
        self.made += 1

        # The certificate in force (or the last one): category, grade, sub-disabilities, issue date.
        if category is None:
            category, grade, subs = self._category(age)
        else:
            grade, subs = self.grades.pick(rng), []
        earliest = birth_ord + 180
        if rand() < mix.expired:
            issue_ord = today_ord - int((CERTIFICATE_YEARS + rand() * 3) * YEAR)
        else:
            issue_ord = today_ord - int(rand() * CERTIFICATE_YEARS * YEAR)
        if issue_ord < earliest:
            issue_ord = earliest + int(rand() * max(0, today_ord - earliest))
        until_ord = self.last_day[issue_ord]
        number = certificate_number_for(id_number, category, grade)

        # Life status: deaths mostly among the elderly; a death usually cancels the certificate.
        life, life_ord, death_ord = LifeStatus.LIVING, None, None
        state, cancelled_ord, reason = CertificateState.ACTIVE, None, ""
        r = rand()
        p_dead = mix.deceased * (2.2 if age >= 60 else 0.3)
        if r < p_dead and issue_ord + 30 < today_ord:
            death_ord = life_ord = randint(max(issue_ord + 30, today_ord - 3 * 365), today_ord)
            life = LifeStatus.DECEASED
            if rand() >= mix.deceased_still_active:
                state, reason = CertificateState.CANCELLED, CancelReason.DEATH
                cancelled_ord = min(today_ord, death_ord + randint(0, 60))
        elif r < p_dead + mix.moved_out:
            life, life_ord = LifeStatus.MOVED_OUT, randint(max(issue_ord, today_ord - 730), today_ord)
        elif r < p_dead + mix.moved_out + mix.cancelled_other and issue_ord + 365 < today_ord:
            state = CertificateState.CANCELLED
            reason = CancelReason.RECOVERY if rand() < 0.6 else CancelReason.VOLUNTARY
            cancelled_ord = randint(max(issue_ord + 365, today_ord - 730), today_ord)

        # History: a re-assessment replaced an older certificate, or a renewal (换领) did.
        cert_rows, sub_rows, event_rows = self.t_cert.rows, self.t_sub.rows, self.t_event.rows
        h = rand()
        previous = None
        if h < mix.reassessed and issue_ord - earliest > 365:
            old_ord = max(earliest, issue_ord - randint(365, 6 * 365))
            old_category, old_grade = subs[0] if subs else (category, grade)
            old_grade = old_grade + 1 if old_grade < 4 else 3
            if (old_category, old_grade) != (category, grade):
                previous = (CertificateEventKind.REASSESSED, old_ord, old_category, old_grade, [])
        elif h < mix.reassessed + mix.renewed:
            old = _add_years(dt.date.fromordinal(issue_ord), -CERTIFICATE_YEARS).toordinal() + randint(0, 330)
            if old >= earliest:
                previous = (CertificateEventKind.RENEWED, old, category, grade, subs)
        old_json = NULL
        if previous is not None:
            _kind, old_ord, old_category, old_grade, old_subs = previous
            old_number = certificate_number_for(id_number, old_category, old_grade)
            old_issue, old_until = iso[old_ord], iso[self.last_day[old_ord]]
            cid = str(self.next_cert)
            self.next_cert += 1
            cert_rows.append(
                (
                    cid,
                    pid,
                    old_number,
                    str(old_category),
                    str(old_grade),
                    old_issue,
                    old_until,
                    CertificateState.SUPERSEDED,
                    NULL,
                    "",
                    "",
                    iso[issue_ord],
                    now,
                    now,
                )
            )
            for c, g in old_subs:
                sub_rows.append((cid, str(c), str(g)))
            old_json = _cert_json(old_number, old_category, old_grade, old_issue, old_until)
            event_rows.append((pid, cid, CertificateEventKind.ISSUED, old_issue, NULL, old_json, "", now))
        cid = str(self.next_cert)
        self.next_cert += 1
        issue, until = iso[issue_ord], iso[until_ord]
        cancelled = iso[cancelled_ord] if cancelled_ord is not None else NULL
        row = (cid, pid, number, str(category), str(grade), issue, until, state, cancelled, reason, "", NULL)
        cert_rows.append((*row, now, now))
        for c, g in subs:
            sub_rows.append((cid, str(c), str(g)))
        new_json = _cert_json(number, category, grade, issue, until)
        kind = CertificateEventKind.ISSUED if previous is None else previous[0]
        event_rows.append((pid, cid, kind, issue, old_json, new_json, "", now))
        if cancelled_ord is not None:
            after = f'{{"state": "cancelled", "cancelled_on": "{cancelled}", "cancel_reason": "{reason}"}}'
            event_rows.append((pid, cid, CertificateEventKind.CANCELLED, cancelled, new_json, after, "", now))
        elif (
            life == LifeStatus.LIVING
            and issue_ord > today_ord - 300
            and len(self.certified_candidates) < self.want_certified
        ):
            self.certified_candidates.append((pid, cid, id_number, name, place, address, issue_ord, category))

        # The person row.
        if rand() < mix.hukou_elsewhere:
            others = self.by_area[place.area]
            hukou_place = others[int(rand() * len(others))]
            hukou_code, hukou_address = hukou_place.code, self._address(hukou_place)
        else:
            hukou_code, hukou_address = place.code, address
        if place.urban:
            hukou_type = HukouType.NON_AGRICULTURAL if rand() < 0.5 else HukouType.RESIDENT
        else:
            hukou_type = HukouType.AGRICULTURAL if rand() < 0.85 else HukouType.RESIDENT
        self.t_person.rows.append(
            (
                pid,
                name,
                pinyin,
                initials,
                id_number,
                Sex.MALE if male else Sex.FEMALE,
                iso[birth_ord],
                self.ethnicities.pick(rng),
                self._phone(),
                place.code,
                address,
                hukou_code,
                hukou_address,
                hukou_type,
                life,
                iso[life_ord] if life_ord is not None else NULL,
                PersonSource.DEMO,
                now,
                now,
            )
        )
        return _P(pid, name, surname, birth_ord, death_ord)

    # -- households

    def _household(self, place: Place, address: str) -> str:
        hid = str(self.next_household)
        self.next_household += 1
        seq = self.household_seq.get(place.code, 0) + 1
        self.household_seq[place.code] = seq
        self.t_household.rows.append(
            (hid, place.code, f"{place.code}{seq:04d}", address, "0", "0", "0", self.now, self.now)
        )
        return hid

    def _member(self, hid: str, person: _P, relationship: str, head: bool = False) -> None:
        self.t_member.rows.append(
            (hid, person.id, person.name, self.iso[person.birth_ord], relationship, "1" if head else "0")
        )

    def _relative(
        self, hid: str, surname: str | None, male: bool, age: int, relationship: str, head: bool = False
    ) -> str:
        """A relative known by name and birth date; returns the surname used."""
        surname = surname or self.names.surname(self.rng)
        birth_ord = self._birth_ord(min(age, 99))
        birth = self.iso[birth_ord]
        name = surname + self.names.given(self.rng, male, int(birth[:4]))
        self.t_member.rows.append((hid, NULL, name, birth, relationship, "1" if head else "0"))
        return surname

    def unit(self) -> None:
        """One household (or a person without one) in one place."""
        rng, mix = self.rng, self.mix
        place = self.places.pick(rng)
        address = self._address(place)
        r = rng.random()
        if r < mix.no_household:
            self._person(place, address, age=self._age())
            return
        r -= mix.no_household
        if r < mix.alone:
            person = self._person(place, address, age=self._age(older=True))
            hid = self._household(place, address)
            self._member(hid, person, Relationship.HEAD, True)
            self._hardship([person], place, alone=True)
            return
        r -= mix.alone
        if r < mix.multi_disabled and self.count - self.made >= 2:
            self._multi(place, address)
            return
        self._standard(place, address)

    def _standard(self, place: Place, address: str) -> None:
        """One disabled person with one to four relatives, by age: a child with parents (or
        grandparents, orphaned), an unmarried adult with the parents, a married person."""
        rng, randint, relative = self.rng, self._randint, self._relative
        age = self._age()
        male = rng.random() < self.mix.male
        orphan = False
        if age < 18:
            surname = self.names.surname(rng)
            person = self._person(place, address, age=age, male=male, surname=surname)
            hid = self._household(place, address)
            if rng.random() < self.mix.orphan_child:
                orphan = True
                grandfather = age + randint(50, 64)
                relative(hid, surname, True, grandfather, Relationship.HEAD, True)
                relative(hid, None, False, grandfather - randint(-2, 4), Relationship.SPOUSE)
                self._member(hid, person, Relationship.GRANDCHILD)
            else:
                father = age + randint(24, 35)
                relative(hid, surname, True, father, Relationship.HEAD, True)
                relative(hid, None, False, father - randint(-1, 5), Relationship.SPOUSE)
                self._member(hid, person, Relationship.CHILD)
                if rng.random() < 0.35:
                    sibling = max(0, age + randint(-6, 6))
                    relative(hid, surname, rng.random() < 0.5, sibling, Relationship.CHILD)
                if rng.random() < 0.3:
                    relative(hid, surname, rng.random() < 0.5, father + randint(24, 32), Relationship.PARENT)
        elif age < 60 and rng.random() < (0.45 if age < 45 else 0.2):
            # Unmarried: lives with the parents (the elderly-carer families when they are 60+).
            surname = self.names.surname(rng)
            person = self._person(place, address, age=age, male=male, surname=surname)
            hid = self._household(place, address)
            father = age + randint(22, 34)
            if father <= 95 and rng.random() < 0.85:
                relative(hid, surname, True, father, Relationship.HEAD, True)
                if rng.random() < 0.75:
                    relative(hid, None, False, father - randint(-1, 5), Relationship.SPOUSE)
                self._member(hid, person, Relationship.CHILD)
            else:
                self._member(hid, person, Relationship.HEAD, True)
                relative(hid, surname, rng.random() < 0.5, age + randint(-8, 8), Relationship.SIBLING)
        else:
            # Married (or widowed elderly): the person or the spouse heads the household.
            person = self._person(place, address, age=age, male=male)
            hid = self._household(place, address)
            others = 0
            if age < 60 or rng.random() < 0.65:
                spouse_age = age + (randint(-5, 1) if male else randint(-1, 5))
                if male:
                    self._member(hid, person, Relationship.HEAD, True)
                    relative(hid, None, False, spouse_age, Relationship.SPOUSE)
                    family = person.surname
                else:
                    family = relative(hid, None, True, spouse_age, Relationship.HEAD, True)
                    self._member(hid, person, Relationship.SPOUSE)
                others += 1
            else:
                self._member(hid, person, Relationship.HEAD, True)
                family = person.surname if male else self.names.surname(rng)
            spouse_heads = others and not male
            kids = randint(0, 2) if age >= 24 else 0
            if age >= 60 and others == 0:
                kids = max(kids, 1)
            for _ in range(kids):
                kid_age = age - randint(22, 35)
                if kid_age >= 0:
                    relative(hid, family, rng.random() < 0.5, kid_age, Relationship.CHILD)
                    others += 1
            if age >= 60 and others and rng.random() < 0.25:
                grandchild = max(0, age - randint(45, 60))
                relative(hid, family, rng.random() < 0.5, grandchild, Relationship.GRANDCHILD)
            elif 24 <= age < 60 and rng.random() < 0.2 and age + 22 <= 95:
                relationship = Relationship.OTHER if spouse_heads else Relationship.PARENT
                relative(hid, person.surname, rng.random() < 0.5, age + randint(22, 32), relationship)
        self._hardship([person], place, orphan=orphan)

    def _multi(self, place: Place, address: str) -> None:
        """一户多残: two (sometimes three) disabled people in one household."""
        rng, randint = self.rng, self._randint
        third = self.count - self.made >= 3 and rng.random() < 0.15
        r = rng.random()
        persons: list[_P]
        if r < 0.35:
            # An elderly couple, both disabled.
            age = randint(60, 85)
            husband = self._person(place, address, age=age, male=True)
            hid = self._household(place, address)
            wife = self._person(place, address, age=age - randint(-1, 5), male=False)
            self._member(hid, husband, Relationship.HEAD, True)
            self._member(hid, wife, Relationship.SPOUSE)
            persons = [husband, wife]
            if third:
                child = self._person(place, address, age=age - randint(24, 34), surname=husband.surname)
                self._member(hid, child, Relationship.CHILD)
                persons.append(child)
        elif r < 0.7:
            # A disabled parent and child, often with the same (hereditary) hearing or intellectual
            # disability.
            age = randint(35, 62)
            category = (2, 5)[int(rng.random() * 2)] if rng.random() < 0.4 else None
            parent = self._person(place, address, age=age, male=True, category=category)
            hid = self._household(place, address)
            child_age = max(1, age - randint(22, 32))
            child = self._person(place, address, age=child_age, surname=parent.surname, category=category)
            self._member(hid, parent, Relationship.HEAD, True)
            if rng.random() < 0.7:
                self._relative(hid, None, False, age - randint(-1, 5), Relationship.SPOUSE)
            self._member(hid, child, Relationship.CHILD)
            persons = [parent, child]
            if third:
                sibling_age = max(1, age - randint(22, 34))
                sibling = self._person(place, address, age=sibling_age, surname=parent.surname)
                self._member(hid, sibling, Relationship.CHILD)
                persons.append(sibling)
        else:
            # Disabled siblings looked after by their parents.
            age = randint(20, 50)
            surname = self.names.surname(rng)
            category = 5 if rng.random() < 0.4 else None
            first = self._person(place, address, age=age, surname=surname, category=category)
            hid = self._household(place, address)
            second = self._person(place, address, age=max(1, age + randint(-6, 6)), surname=surname)
            father = age + randint(24, 34)
            self._relative(hid, surname, True, father, Relationship.HEAD, True)
            if rng.random() < 0.7:
                self._relative(hid, None, False, father - randint(-1, 5), Relationship.SPOUSE)
            self._member(hid, first, Relationship.CHILD)
            self._member(hid, second, Relationship.CHILD)
            persons = [first, second]
            if third:
                extra = self._person(place, address, age=max(1, age + randint(-8, 8)), surname=surname)
                self._member(hid, extra, Relationship.CHILD)
                persons.append(extra)
        self._hardship(persons, place)

    # -- hardship

    def _hardship(
        self, persons: list[_P], place: Place, *, alone: bool = False, orphan: bool = False
    ) -> None:
        """Civil-affairs statuses are decided per household and recorded for each disabled member."""
        rng, mix, today_ord, randint = self.rng, self.mix, self.today_ord, self._randint
        rand = rng.random
        start = today_ord - randint(30, 6 * 365)
        statuses: list[tuple[str, str, str, int, int | None]] = []
        if rand() < (mix.tekun_alone if alone else mix.tekun_other):
            statuses.append((HardshipKind.TEKUN, "", "", start, None))
        elif rand() < (mix.dibao_urban if place.urban else mix.dibao_rural):
            statuses.append((HardshipKind.DIBAO, "", "", start, None))
            if rand() < 0.15:
                statuses.append((HardshipKind.LOW_INCOME, "", "", start - randint(400, 1100), start - 1))
        elif rand() < mix.low_income:
            statuses.append((HardshipKind.LOW_INCOME, "", "", start, None))
        elif rand() < mix.dibao_ended:
            statuses.append((HardshipKind.DIBAO, "", "", start, randint(start, today_ord - 1)))
        if orphan:
            statuses.append((HardshipKind.ORPHAN, "", "", start, None))
        if not place.urban and rand() < mix.monitored_rural:
            monitored, cause = self.monitored_types.pick(rng), self.risk_causes.pick(rng)
            statuses.append((HardshipKind.MONITORED, monitored, cause, today_ord - randint(30, 1460), None))
        if not statuses:
            return
        rows, iso, now, source = self.t_hardship.rows, self.iso, self.now, HardshipSource.DEMO
        for kind, monitored, cause, valid_from, valid_to in statuses:
            for person in persons:
                begin = max(valid_from, person.birth_ord + 1)
                end = valid_to
                if person.death_ord is not None and (end is None or end > person.death_ord):
                    end = person.death_ord
                if end is not None and end < begin:
                    continue
                until = iso[end] if end is not None else NULL
                rows.append((person.id, kind, monitored, cause, iso[begin], until, source, "", now))

    # -- screening (摸排)

    def screening(self) -> None:
        """Suspected, not yet certified people: pending, booked, concluded (some certified, linked
        to a person and certificate issued in the last months)."""
        rng, today_ord, now, iso, randint = self.rng, self.today_ord, self.now, self.iso, self._randint
        total = max(5, round(self.count * self.mix.screening))
        outcomes = _Weighted(_SCREENING_OUTCOMES)
        sources = _Weighted(_SCREENING_SOURCES)
        candidates = list(self.certified_candidates)
        rows = self.t_screening.rows
        for _ in range(total):
            outcome = outcomes.pick(rng)
            source = sources.pick(rng)
            if outcome == ScreeningOutcome.CERTIFIED and candidates:
                pid, cid, id_number, name, place, address, issue_ord, category = candidates.pop()
                found = issue_ord - randint(20, 90)
                appointment = max(found, issue_ord - randint(5, 15))
                rows.append(
                    (
                        name,
                        id_number,
                        self._phone(),
                        place.code,
                        address,
                        str(category),
                        source,
                        iso[found],
                        _SEEN[category],
                        iso[appointment],
                        self.names.surname(rng) + "医生",
                        outcome,
                        iso[issue_ord],
                        _OUTCOME_NOTES[outcome],
                        pid,
                        cid,
                        now,
                    )
                )
                continue
            if outcome == ScreeningOutcome.CERTIFIED:
                outcome = ScreeningOutcome.PENDING
            place = self.places.pick(rng)
            age = self._age()
            male = rng.random() < self.mix.male
            category = self.categories[_GROUP[min(age, 60)]].pick(rng)
            birth_ord = self._birth_ord(age)
            id_number = ""
            if rng.random() < 0.6:
                id_number, birth_ord = self.id_numbers.make(place.area, birth_ord, male)
            name = self.names.surname(rng) + self.names.given(rng, male, int(iso[birth_ord][:4]))
            appointment = outcome_on = None
            assessor = note = ""
            if outcome == ScreeningOutcome.PENDING:
                found = today_ord - randint(0, 90)
            elif outcome == ScreeningOutcome.SCHEDULED:
                found = today_ord - randint(3, 60)
                appointment = max(found, today_ord + randint(-3, 30))
                assessor = self.names.surname(rng) + "医生"
            else:
                found = today_ord - randint(30, 365)
                note = _OUTCOME_NOTES[outcome]
                if outcome == ScreeningOutcome.NOT_DISABLED:
                    appointment = outcome_on = found + randint(7, 30)
                    assessor = self.names.surname(rng) + "医生"
                else:
                    outcome_on = found + randint(10, 29)
            rows.append(
                (
                    name,
                    id_number,
                    self._phone(),
                    place.code,
                    self._address(place),
                    str(category),
                    source,
                    iso[found],
                    _SEEN[category],
                    iso[appointment] if appointment is not None else NULL,
                    assessor,
                    outcome,
                    iso[outcome_on] if outcome_on is not None else NULL,
                    note,
                    NULL,
                    NULL,
                    now,
                )
            )


def demo_persons_exist(region_code: str) -> int:
    return Person.objects.filter(source=PersonSource.DEMO, region_code__startswith=region_code).count()


def _taken_ids(places: list[Place]) -> set[str]:
    taken: set[str] = set()
    for area in sorted({p.area for p in places}):
        taken.update(Person.objects.filter(id_number__startswith=area).values_list("id_number", flat=True))
    return taken


#: Households refreshed by id list up to this many; above it every household (one UPDATE).
_FLAGS_BY_ID_LIMIT = 20_000
#: From this many people (and at least as many as the table holds) a PostgreSQL load drops and
#: rebuilds the registry tables' indexes and keys (see ``_KEYS_SQL``).
BULK_FROM = 100_000


def generate_demo_persons(
    *,
    region_code: str,
    count: int,
    seed: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
    mix: DemoMix = MIX,
    chunk: int = 20_000,
    bulk: bool | None = None,
) -> DemoPersonsResult:
    """Generate ``count`` demo people living in ``region_code`` (a city, county or smaller) in one
    transaction.

    Idempotent by skipping: when the region already holds demo people (source ``demo``), nothing is
    generated and the result says ``skipped``. Deleting demo people is not attempted, because later
    layers (programs, payments) will point at them; a fresh database is the way to regenerate.

    ``bulk`` (PostgreSQL; default: from ``BULK_FROM`` people when the load at least doubles the
    person table) drops the foreign keys and value-led indexes for the load and rebuilds them before
    commit (``_KEYS_SQL``). The tables are locked for writes throughout, and for reads too in bulk mode.
    """
    progress = progress or NullProgress()
    today = today or timezone.localdate()
    result = DemoPersonsResult(region_code=region_code, requested=count)
    existing = demo_persons_exist(region_code)
    if existing:
        result.skipped, result.existing = True, existing
        return result
    places = demo_places(region_code, today)
    if not places:
        raise ValueError(f"No regions under {region_code}: load the regions first.")
    started = time.perf_counter()
    models = (
        Person,
        Certificate,
        SubDisability,
        CertificateEvent,
        HardshipStatus,
        Household,
        HouseholdMember,
        ScreeningRecord,
    )
    if bulk is None:
        bulk = is_postgres() and count >= BULK_FROM and count >= _existing_rows(Person)
    with transaction.atomic():
        ids = (_reserve_ids(Person), _reserve_ids(Certificate), _reserve_ids(Household))
        gen = _Generator(
            places=places,
            count=count,
            seed=seed,
            today=today,
            taken=_taken_ids(places),
            mix=mix,
            ids=ids,
        )
        restore = _drop_keys(models) if bulk and is_postgres() else []
        progress.start(count, stage="people")
        reported = 0
        writer = _Writer()
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of short-lived row tuples: the cyclic collector only costs time here
        try:
            while gen.made < count:
                gen.unit()
                if gen.pending() >= chunk:
                    gen.flush(writer)
                    progress.advance(gen.made - reported)
                    reported = gen.made
            gen.screening()
            gen.flush(writer)
        finally:
            if gc_was_enabled:
                gc.enable()
            writer.close()
        progress.advance(gen.made - reported)
        result.seconds["rows"] = time.perf_counter() - started
        mark = time.perf_counter()
        if restore:
            progress.log(f"indexes and keys: {len(restore)}")
            _restore_keys(restore)
        result.seconds["keys"] = time.perf_counter() - mark
        for model in (Person, Certificate, Household):
            _move_sequence(model)
        mark = time.perf_counter()
        # Fresh statistics first: without them both planners pick a scan of every certificate per
        # household for the flag subqueries (SQLite: 24 s instead of 0.03 s for 3,000 people).
        with connection.cursor() as cursor:
            for model in (Person, Certificate, HardshipStatus, Household, HouseholdMember):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        households = gen.next_household - ids[2]
        progress.log(f"household flags for {households:,} households")
        if households <= _FLAGS_BY_ID_LIMIT:
            households_refresh_flags(household_ids=list(range(ids[2], gen.next_household)), on=today)
        else:
            households_refresh_flags(on=today)
        result.seconds["flags"] = time.perf_counter() - mark
        mark = time.perf_counter()
    result.seconds["commit"] = time.perf_counter() - mark
    result.seconds["total"] = time.perf_counter() - started
    result.counts = {
        "persons": gen.t_person.written,
        "certificates": gen.t_cert.written,
        "sub_disabilities": gen.t_sub.written,
        "certificate_events": gen.t_event.written,
        "hardship_statuses": gen.t_hardship.written,
        "households": gen.t_household.written,
        "household_members": gen.t_member.written,
        "screening_records": gen.t_screening.written,
    }
    return result
