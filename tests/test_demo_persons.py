"""The demo people generator (canlian.demo.persons) and `canlian demo-data --persons`: valid and
consistent identities, certificates with history, the configured mix, households and their flags,
hardship, screening, determinism, idempotence; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from registry_factories import resident_id
from stdnum.cn import ric

from canlian.core.regions.choices import RegionSource
from canlian.core.regions.models import Region
from canlian.core.registry.actions import household_create, person_register
from canlian.core.registry.choices import (
    CertificateEventKind,
    CertificateState,
    HardshipKind,
    HardshipSource,
    LifeStatus,
    PersonSource,
    ScreeningOutcome,
)
from canlian.core.registry.identity import check_certificate_number, name_keys, parse_resident_id
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
from canlian.demo.persons import MIX, check_character, demo_places, generate_demo_persons

TODAY = timezone.localdate()
N = 1500


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@pytest.fixture
def city(regions):
    """The small tree plus a rural township (镇) with two villages under 东营区."""
    county = regions["370502"]
    town = Region.objects.create(
        code="370502100", name="史口镇", level=4, parent=county, source=RegionSource.IMPORTED
    )
    for code, name in (("370502100001", "李家村"), ("370502100002", "前进村")):
        Region.objects.create(code=code, name=name, level=5, parent=town, source=RegionSource.IMPORTED)
    return regions


@pytest.fixture
def demo(city):
    return generate_demo_persons(region_code="3705", count=N, seed=7, today=TODAY)


def _active(on: dt.date = TODAY):
    return Certificate.objects.filter(state=CertificateState.ACTIVE)


def _wipe_registry() -> None:
    for model in (
        ScreeningRecord,
        HouseholdMember,
        Household,
        HardshipStatus,
        CertificateEvent,
        SubDisability,
        Certificate,
        Person,
    ):
        model.objects.all().delete()


# --- places and ID numbers -------------------------------------------------------------------------


def test_places_are_the_lowest_regions_of_the_city(regions):
    places = {p.code: p for p in demo_places("3705")}
    # 东营区 has a township with a village: the village; 垦利区's township has none: the township.
    assert set(places) == {"370502001001", "370505001"}
    assert places["370505001"].urban  # 街道
    assert places["370502001001"].area == "370502"
    assert {p.code for p in demo_places("3706")} == {"370602001"}


def test_check_character_is_gb11643():
    rng = random.Random(1)
    for _ in range(2000):
        body = "".join(str(rng.randrange(10)) for _ in range(17))
        assert check_character(body) == ric.calc_check_digit(body + "0")


def test_ids_valid_and_consistent_with_region_birth_date_sex_and_name_keys(demo):
    people = list(
        Person.objects.values_list(
            "id_number", "birth_date", "sex", "region_code", "name", "name_pinyin", "name_initials", "source"
        )
    )
    assert len(people) == N == demo.persons
    assert len({p[0] for p in people}) == N
    for id_number, birth, sex, region, name, pinyin, initials, source in people:
        rid = parse_resident_id(id_number, today=TODAY)  # checksum and a possible birth date
        assert rid.birth_date == birth
        assert rid.sex == sex
        assert id_number[:6] == region[:6]
        assert region in {"370502001001", "370505001", "370502100001", "370502100002"}
        assert name_keys(name) == (pinyin, initials)
        assert 2 <= len(name) <= 4
        assert source == PersonSource.DEMO
    surnames = Counter(p[4][0] for p in people)
    top = {s for s, _n in surnames.most_common(6)}
    assert len(top & {"王", "李", "张", "刘", "陈"}) >= 4


# --- certificates and their history ----------------------------------------------------------------


def test_certificate_numbers_dates_and_history(demo):
    certs = list(Certificate.objects.select_related("person"))
    assert len(certs) == demo.counts["certificates"]
    for cert in certs:
        check_certificate_number(
            cert.number, id_number=cert.person.id_number, category=cert.category, grade=cert.grade
        )
        assert cert.valid_until == _add_years(cert.issue_date, 10) - dt.timedelta(days=1)
        assert cert.issue_date >= cert.person.birth_date
        assert cert.issue_date <= TODAY
    by_person: dict[int, list[Certificate]] = {}
    for cert in certs:
        by_person.setdefault(cert.person_id, []).append(cert)
    assert len(by_person) == N  # every demo person holds or held a certificate
    superseded = 0
    for history in by_person.values():
        history.sort(key=lambda c: c.issue_date)
        current = history[-1]
        assert current.state in (CertificateState.ACTIVE, CertificateState.CANCELLED)
        for old in history[:-1]:
            assert old.state == CertificateState.SUPERSEDED
            superseded += 1
    assert superseded > 0
    # Multiple disabilities list their parts; the certificate takes the most severe grade.
    for cert in Certificate.objects.filter(category=7).prefetch_related("sub_disabilities"):
        subs = list(cert.sub_disabilities.all())
        assert len(subs) >= 2
        assert cert.grade == min(s.grade for s in subs)
    assert not SubDisability.objects.exclude(certificate__category=7).exists()


def test_certificate_events(demo):
    kinds = Counter(CertificateEvent.objects.values_list("kind", flat=True))
    # Each person's first certificate was issued; each later one replaced the one before.
    assert kinds[CertificateEventKind.ISSUED] == N
    assert kinds[CertificateEventKind.REASSESSED] > 0
    assert kinds[CertificateEventKind.RENEWED] > 0
    replaced = kinds[CertificateEventKind.REASSESSED] + kinds[CertificateEventKind.RENEWED]
    assert replaced == Certificate.objects.filter(state="superseded").count()
    assert kinds[CertificateEventKind.CANCELLED] == Certificate.objects.filter(state="cancelled").count()
    replacements = CertificateEvent.objects.filter(kind__in=["reassessed", "renewed"])
    for event in replacements.select_related("certificate"):
        old = Certificate.objects.get(
            person_id=event.person_id, number=event.old_values["number"], state="superseded"
        )
        assert old.issue_date.isoformat() == event.old_values["issue_date"]
        assert event.new_values["number"] == event.certificate.number
        assert event.on == event.certificate.issue_date
        if event.kind == "renewed":
            assert old.number == event.certificate.number
            assert event.on >= old.valid_until - dt.timedelta(days=365)


def test_some_certificates_expiring_and_expired_some_cancelled(demo):
    expiring = Certificate.objects.expiring_within(365, on=TODAY).count()
    expired = Certificate.objects.expired(on=TODAY).count()
    active = _active().count()
    assert 0.04 * active < expiring < 0.2 * active
    assert 0.005 * active < expired < 0.08 * active
    cancelled = Certificate.objects.filter(state=CertificateState.CANCELLED)
    assert cancelled.filter(cancel_reason="death").exists()
    for cert in cancelled.select_related("person"):
        assert cert.cancelled_on >= cert.issue_date
        if cert.cancel_reason == "death":
            assert cert.person.life_status == LifeStatus.DECEASED


def test_life_status(demo):
    status = Counter(Person.objects.values_list("life_status", flat=True))
    assert status[LifeStatus.LIVING] > 0.9 * N
    assert status[LifeStatus.DECEASED] > 0
    assert status[LifeStatus.MOVED_OUT] > 0
    not_living = Person.objects.exclude(life_status=LifeStatus.LIVING)
    assert not not_living.filter(life_status_date__isnull=True).exists()
    assert not Person.objects.filter(life_status_date__gt=TODAY).exists()


def test_category_grade_and_age_mix_roughly_as_configured(demo):
    active = list(_active().values_list("category", "grade"))
    categories = Counter(c for c, _g in active)
    grades = Counter(g for _c, g in active)
    n = len(active)
    assert 0.40 * n < categories[4] < 0.62 * n  # physical about half
    assert categories[3] == min(categories.values())  # speech the smallest
    assert set(categories) == set(range(1, 8))
    assert grades[3] + grades[4] > 1.3 * (grades[1] + grades[2])  # more mild/moderate than severe
    births = Person.objects.values_list("birth_date", flat=True)
    elderly = sum(1 for b in births if _add_years(b, 60) <= TODAY)
    assert 0.35 * N < elderly < 0.7 * N
    males = Person.objects.filter(sex="M").count()
    assert abs(males / N - MIX.male) < 0.06


# --- households and hardship -----------------------------------------------------------------------


def test_households_members_and_flags(demo):
    households = list(Household.objects.prefetch_related("members"))
    assert len(households) == demo.counts["households"]
    active_holders = set(_active().filter(valid_until__gte=TODAY).values_list("person_id", flat=True))
    orphans = set(
        HardshipStatus.objects.filter(kind=HardshipKind.ORPHAN, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    adult, elderly = _add_years(TODAY, -18), _add_years(TODAY, -60)
    flagged = Counter()
    sizes = Counter()
    for household in households:
        members = list(household.members.all())
        sizes[len(members)] += 1
        assert 1 <= len(members) <= 5
        assert sum(m.is_head for m in members) == 1
        assert all(m.birth_date is not None for m in members)
        disabled = [m for m in members if m.person_id in active_holders]
        others = [m for m in members if m.person_id not in active_holders]
        multi = len(disabled) >= 2
        alone = bool(disabled) and (len(members) == 1 or any(m.person_id in orphans for m in disabled))
        carers = (
            any(elderly < m.birth_date <= adult for m in disabled)
            and bool(others)
            and all(m.birth_date <= elderly for m in others)
        )
        assert (household.multi_disabled, household.alone_disabled, household.elderly_carers) == (
            multi,
            alone,
            carers,
        ), household.pk
        flagged.update(multi=multi, alone=alone, carers=carers)
    assert flagged["multi"] > 0 and flagged["alone"] > 0 and flagged["carers"] > 0
    assert flagged["multi"] < 0.08 * len(households)
    assert sizes[1] < 0.15 * len(households)  # most people live with relatives
    assert sum(n for size, n in sizes.items() if size >= 2) > 0.8 * len(households)
    relatives = HouseholdMember.objects.filter(person__isnull=True)
    assert relatives.exists()
    assert not relatives.filter(birth_date__gt=TODAY).exists()
    # A few people belong to no household.
    assert 0 < Person.objects.filter(memberships__isnull=True).count() < 0.1 * N


def test_hardship_statuses(demo):
    statuses = HardshipStatus.objects.all()
    assert not statuses.exclude(source=HardshipSource.DEMO).exists()
    open_ = Counter(statuses.filter(valid_to__isnull=True).values_list("kind", flat=True))
    for kind in (HardshipKind.DIBAO, HardshipKind.LOW_INCOME, HardshipKind.TEKUN, HardshipKind.MONITORED):
        assert open_[kind] > 0, kind
    rural = Person.objects.filter(hukou_type="agricultural")
    dibao = statuses.filter(kind="dibao", valid_to__isnull=True, person__in=rural).count()
    assert 0.12 < dibao / rural.count() < 0.35
    assert open_[HardshipKind.TEKUN] < 0.08 * N
    for status in statuses.filter(kind=HardshipKind.MONITORED):
        assert status.monitored_type and status.risk_cause
    for status in statuses.select_related("person"):
        assert status.valid_from > status.person.birth_date
        assert status.valid_to is None or status.valid_to >= status.valid_from
        if status.person.life_status == LifeStatus.DECEASED:
            assert status.valid_to is not None and status.valid_to <= status.person.life_status_date


def test_screening_records(demo):
    records = list(ScreeningRecord.objects.all())
    assert len(records) == round(N * MIX.screening)
    outcomes = Counter(r.outcome for r in records)
    for outcome in (ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED, ScreeningOutcome.CERTIFIED):
        assert outcomes[outcome] > 0, outcome
    concluded = (ScreeningOutcome.NOT_DISABLED, ScreeningOutcome.DECLINED, ScreeningOutcome.UNREACHABLE)
    assert sum(outcomes[o] for o in concluded) > 0
    for record in records:
        assert record.found_on <= TODAY
        if record.outcome == ScreeningOutcome.SCHEDULED:
            assert record.appointment_on >= record.found_on
        if record.outcome == ScreeningOutcome.CERTIFIED:
            assert record.person.id_number == record.id_number
            assert record.certificate.person_id == record.person_id
            assert record.outcome_on == record.certificate.issue_date
        else:
            assert record.person_id is None
            if record.id_number:
                parse_resident_id(record.id_number, today=TODAY)
                assert not Person.objects.filter(id_number=record.id_number).exists()


# --- determinism, idempotence, sequences -----------------------------------------------------------


def _snapshot() -> list[tuple]:
    return list(
        Person.objects.order_by("id").values_list(
            "name", "id_number", "birth_date", "region_code", "residence_address"
        )
    )


def test_same_seed_same_people_other_seed_other_people(city):
    generate_demo_persons(region_code="3705", count=400, seed=11, today=TODAY)
    first = _snapshot()
    certs = list(Certificate.objects.order_by("id").values_list("number", "issue_date", "state"))
    _wipe_registry()
    generate_demo_persons(region_code="3705", count=400, seed=11, today=TODAY)
    assert _snapshot() == first
    assert list(Certificate.objects.order_by("id").values_list("number", "issue_date", "state")) == certs
    _wipe_registry()
    generate_demo_persons(region_code="3705", count=400, seed=12, today=TODAY)
    assert _snapshot() != first


def test_second_run_generates_nothing(demo):
    counts = {model: model.objects.count() for model in (Person, Certificate, Household, ScreeningRecord)}
    again = generate_demo_persons(region_code="3705", count=N, seed=7, today=TODAY)
    assert again.skipped and again.existing == N
    assert counts == {model: model.objects.count() for model in counts}
    # A county inside the city already holds demo people too.
    assert generate_demo_persons(region_code="370502", count=10, seed=7, today=TODAY).skipped


def test_existing_people_keep_their_ids_and_sequences_follow(city):
    number = resident_id("370502", "19800101")
    existing = person_register(actor=None, id_number=number, name="张三", region_code="370502001001")
    generate_demo_persons(region_code="3705", count=300, seed=3, today=TODAY)
    assert Person.objects.count() == 301
    assert Person.objects.filter(pk__gt=existing.pk).count() == 300
    # New rows written by the actions after the load get fresh ids (sequences moved past the block).
    assert Person.objects.get(pk=existing.pk).id_number == number
    later = person_register(
        actor=None, id_number=resident_id("370502", "19800102"), name="李四", region_code="370502001001"
    )
    assert later.pk > Person.objects.exclude(pk=later.pk).order_by("-pk").first().pk
    household = household_create(actor=None, head_person_id=later.pk)
    assert household.pk > Household.objects.exclude(pk=household.pk).order_by("-pk").first().pk


def test_registered_ids_are_never_generated(city):
    generate_demo_persons(region_code="3705", count=200, seed=21, today=TODAY)
    first = Person.objects.order_by("id").values_list("id_number", "name")[0]
    _wipe_registry()
    # Someone already registered holds the first ID the generator would make.
    person_register(actor=None, id_number=first[0], name="赵六", region_code="370502001001")
    generate_demo_persons(region_code="3705", count=200, seed=21, today=TODAY)
    assert Person.objects.filter(id_number=first[0]).get().name == "赵六"
    assert Person.objects.filter(source=PersonSource.DEMO).count() == 200
    assert Person.objects.filter(source=PersonSource.DEMO).order_by("id")[0].name == first[1]


def test_no_places_is_an_error(db):
    with pytest.raises(ValueError, match="load the regions"):
        generate_demo_persons(region_code="3705", count=10, seed=1, today=TODAY)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bulk load drops and rebuilds PostgreSQL keys")
def test_bulk_load_restores_every_index_and_key(city):
    def keys() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'registry\\_%%' "
                "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text LIKE 'registry\\_%%'"
            )
            return set(cursor.fetchall())

    before = keys()
    result = generate_demo_persons(region_code="3705", count=500, seed=5, today=TODAY, bulk=True)
    assert result.persons == 500
    assert keys() == before
    assert Household.objects.filter(multi_disabled=True).exists()


# --- the command -----------------------------------------------------------------------------------


def test_demo_data_command_persons_then_again(regions):
    out = io.StringIO()
    args = ("demo_data", "--persons", "250", "--seed", "9", "--no-queue")
    call_command(*args, stdout=out, stderr=io.StringIO())
    assert "persons 250" in out.getvalue()
    assert Person.objects.filter(source=PersonSource.DEMO, region_code__startswith="3705").count() == 250
    # The demo townships and villages were imported first, so people live in villages.
    assert Person.objects.filter(region_code__regex=r"^\d{12}$").count() > 200
    everyone = Person.objects.count()  # the generated people and the rehabilitation step's children
    again = io.StringIO()
    call_command(*args, stdout=again, stderr=io.StringIO())
    assert "none generated" in again.getvalue()
    assert Person.objects.count() == everyone
    assert Person.objects.filter(source=PersonSource.DEMO).count() == 250
