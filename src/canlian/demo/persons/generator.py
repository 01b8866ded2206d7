"""The generator: every demo person, certificate, status, household and screening record, as tuples."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    CancelReason,
    CertificateEventKind,
    CertificateState,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    PersonSource,
    Relationship,
    ScreeningOutcome,
    Sex,
)
from canlian.core.registry.identity import certificate_number_for
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
from canlian.demo.persons.mix import (
    _ETHNICITIES,
    _MOBILE_PREFIXES,
    _MONITORED_TYPES,
    _OUTCOME_NOTES,
    _RISK_CAUSES,
    _SCREENING_OUTCOMES,
    _SCREENING_SOURCES,
    _SEEN,
    _STREETS,
    YEAR,
    DemoMix,
    _add_years,
    _cert_json,
    _valid_until,
    _Weighted,
)
from canlian.demo.persons.names import (
    IdNumbers,
    Names,
)
from canlian.demo.persons.places import (
    Place,
)
from canlian.demo.persons.writing import (
    NULL,
    _Table,
    _Writer,
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
