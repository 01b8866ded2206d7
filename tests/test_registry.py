"""The registry's rules: identity checks, people, certificates and their history, hardship statuses,
household flags, screening, search and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from registry_factories import registered, resident_id

from canlian.core.audit.events import EventType
from canlian.core.audit.models import AuditEvent
from canlian.core.registry import actions, selectors
from canlian.core.registry.choices import (
    CertificateEventKind,
    CertificateState,
    CertificateStatus,
    HardshipKind,
    LifeStatus,
    Relationship,
    ScreeningOutcome,
)
from canlian.core.registry.identity import (
    IdError,
    check_certificate_number,
    mask_id,
    mask_phone,
    name_keys,
    parse_category,
    parse_grade,
    parse_resident_id,
    upgrade_15,
)
from canlian.core.registry.models import Certificate, CertificateEvent, Household, Person
from canlian.core.registry.selectors import PersonFilters, classify_query, persons_search
from canlian.platform.errors import Conflict, InvalidState, NotFound, PermissionDenied, ValidationFailed

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english():
    """Some assertions read the (English) reason of an error."""
    with translation.override("en"):
        yield


# --- identity -------------------------------------------------------------------------------------


def test_resident_id_checksum_birth_date_and_sex():
    number = resident_id("370502", "19800229", seq=123)
    rid = parse_resident_id(number)
    assert rid.birth_date == dt.date(1980, 2, 29)
    assert rid.sex == "M"
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdError, match="check character"):
        parse_resident_id(wrong)


@pytest.mark.parametrize("birth", ["19810229", "19801301", "18991231"])
def test_resident_id_impossible_birth_dates(birth):
    body = f"370502{birth}123"
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(IdError, match="impossible"):
        parse_resident_id(number)


def test_resident_id_future_birth_is_impossible():
    future = (TODAY + dt.timedelta(days=40)).strftime("%Y%m%d")
    with pytest.raises(IdError):
        parse_resident_id(resident_id("370502", future))


def test_legacy_15_digit_id_is_converted():
    rid = parse_resident_id("370502800101123")
    assert rid.number == upgrade_15("370502800101123")
    assert rid.number.startswith("37050219800101123") and len(rid.number) == 18
    assert rid.converted_from_15
    assert parse_resident_id(rid.number).number == rid.number


def test_certificate_number_must_match_holder_category_and_grade():
    number = resident_id()
    assert check_certificate_number(f"{number}42", id_number=number, category=4, grade=2) == f"{number}42"
    assert check_certificate_number(f"{number}42B1", id_number=number, category=4, grade=2).endswith("B1")
    with pytest.raises(ValueError, match="grade digit"):
        check_certificate_number(f"{number}43", id_number=number, category=4, grade=2)
    with pytest.raises(ValueError, match="category digit"):
        check_certificate_number(f"{number}52", id_number=number, category=4, grade=2)
    with pytest.raises(ValueError, match="holder"):
        check_certificate_number(f"{resident_id()}42", id_number=number, category=4, grade=2)


def test_masks_and_words():
    assert mask_id("37050219800101123X") == "370502********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert parse_category("肢体残疾") == 4
    assert parse_category("精神") == 6
    assert parse_grade("二级") == 2
    assert parse_grade("4") == 4


def test_pinyin_keys_use_surname_readings():
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("曾小红")[0].startswith("zeng")
    assert name_keys("单田芳")[0].startswith("shan")


# --- people ---------------------------------------------------------------------------------------


def test_register_derives_sex_and_birth_and_audits(regions, county_admin):
    number = resident_id("370502", "19750612", male=False)
    person = actions.person_register(
        actor=county_admin,
        id_number=number,
        name=" 李 四 ",
        region_code="370502001001",
        phone="138 1234 5678",
    )
    assert (person.sex, person.birth_date) == ("F", dt.date(1975, 6, 12))
    assert (person.name, person.name_pinyin, person.name_initials) == ("李四", "lisi", "ls")
    assert person.phone == "13812345678"
    event = AuditEvent.objects.get(event_type=EventType.PERSON_REGISTERED, object_id=str(person.pk))
    assert event.region_code == "370502001001"
    assert number not in str(event.new_values)  # the audit log holds the masked ID


def test_register_rejects_duplicates_and_names_the_field(regions, county_admin):
    number = resident_id()
    actions.person_register(actor=county_admin, id_number=number, name="张三", region_code="370502001001")
    with pytest.raises(Conflict) as exc:
        actions.person_register(actor=county_admin, id_number=number, name="张三", region_code="370502001001")
    assert exc.value.field == "id_number"
    with pytest.raises(ValidationFailed) as bad:
        actions.person_register(
            actor=county_admin,
            id_number=number[:17] + "0" if number[17] != "0" else number[:17] + "1",
            name="王五",
            region_code="370502001001",
            phone="12345",
        )
    fields = {e.field for e in bad.value.errors} | {bad.value.field}
    assert "id_number" in fields
    assert Person.objects.count() == 1


def test_register_outside_scope_is_not_found(regions, county_admin, make_user):
    with pytest.raises(NotFound):
        actions.person_register(
            actor=county_admin, id_number=resident_id("370602"), name="赵六", region_code="370602001"
        )
    leader = make_user("leader", "370502")
    with pytest.raises(PermissionDenied):
        actions.person_register(
            actor=leader, id_number=resident_id(), name="赵六", region_code="370502001001"
        )
    assert not Person.objects.exists()


def test_update_moves_only_within_scope(regions, county_admin):
    person = registered(actor=county_admin)
    actions.person_update(actor=county_admin, person_id=person.pk, name="张三丰", region_code="370502001")
    person.refresh_from_db()
    assert (person.name, person.name_initials, person.region_code) == ("张三丰", "zsf", "370502001")
    with pytest.raises(NotFound):
        actions.person_update(actor=county_admin, person_id=person.pk, region_code="370602001")
    person.refresh_from_db()
    assert person.region_code == "370502001"


def test_death_cancels_certificate_and_needs_a_date(regions, county_admin):
    person = registered(actor=county_admin)
    with pytest.raises(ValidationFailed):
        actions.person_set_life_status(actor=county_admin, person_id=person.pk, status=LifeStatus.DECEASED)
    actions.person_set_life_status(
        actor=county_admin, person_id=person.pk, status=LifeStatus.DECEASED, on=TODAY - dt.timedelta(days=3)
    )
    cert = person.certificates.get()
    assert (cert.state, cert.cancel_reason, cert.cancelled_on) == (
        "cancelled",
        "death",
        TODAY - dt.timedelta(days=3),
    )


# --- certificates ---------------------------------------------------------------------------------


def test_issue_computes_number_and_ten_year_validity(regions, county_admin):
    person = registered(actor=county_admin, category=None)
    cert = actions.certificate_issue(
        actor=county_admin, person_id=person.pk, category=5, grade=3, issue_date=dt.date(2021, 3, 10)
    )
    assert cert.number == f"{person.id_number}53"
    assert cert.valid_until == dt.date(2031, 3, 9)
    assert CertificateEvent.objects.filter(certificate=cert, kind=CertificateEventKind.ISSUED).count() == 1
    with pytest.raises(InvalidState):
        actions.certificate_issue(
            actor=county_admin, person_id=person.pk, category=4, grade=1, issue_date=TODAY
        )
    with pytest.raises(ValidationFailed) as exc:
        other = registered(actor=county_admin, name="王五", category=None)
        actions.certificate_issue(
            actor=county_admin,
            person_id=other.pk,
            category=4,
            grade=2,
            issue_date=TODAY,
            number=f"{other.id_number}43",
        )
    assert exc.value.field == "number"


def test_multiple_disability_records_each_sub_disability(regions, county_admin):
    person = registered(actor=county_admin, category=None)
    with pytest.raises(ValidationFailed):
        actions.certificate_issue(
            actor=county_admin, person_id=person.pk, category=7, grade=1, issue_date=TODAY
        )
    cert = actions.certificate_issue(
        actor=county_admin,
        person_id=person.pk,
        category=7,
        grade=1,
        issue_date=TODAY,
        sub_disabilities=[(1, 1), (2, 3)],
    )
    assert sorted(cert.sub_disabilities.values_list("category", "grade")) == [(1, 1), (2, 3)]
    found = persons_search(user=county_admin, filters=PersonFilters(category=2))
    assert list(found) == [person]


def test_renewal_window_and_reassessment_history(regions, county_admin):
    person = registered(actor=county_admin, issued=dt.date(2016, 6, 1))
    cert = person.certificates.get()
    with pytest.raises(InvalidState):
        actions.certificate_renew(actor=county_admin, certificate_id=cert.pk, issue_date=dt.date(2024, 1, 1))
    renewed = actions.certificate_renew(
        actor=county_admin, certificate_id=cert.pk, issue_date=dt.date(2025, 8, 1)
    )
    cert.refresh_from_db()
    assert cert.state == CertificateState.SUPERSEDED
    assert (renewed.category, renewed.grade, renewed.valid_until) == (4, 2, dt.date(2035, 7, 31))
    reassessed = actions.certificate_reassess(
        actor=county_admin, certificate_id=renewed.pk, category=4, grade=1, issue_date=dt.date(2025, 9, 1)
    )
    assert reassessed.number.endswith("41")
    kinds = list(selectors.certificate_history(person=person).values_list("kind", flat=True))
    assert kinds == ["reassessed", "renewed", "issued"]
    assert person.certificates.filter(state="active").get() == reassessed


def test_cancelled_holder_cannot_reapply_within_a_year(regions, county_admin):
    person = registered(actor=county_admin)
    cert = person.certificates.get()
    with pytest.raises(ValidationFailed):
        actions.certificate_cancel(actor=county_admin, certificate_id=cert.pk, reason="other")
    on = TODAY - dt.timedelta(days=30)
    actions.certificate_cancel(actor=county_admin, certificate_id=cert.pk, reason="recovery", on=on)
    assert list(selectors.certificates_cancelled_recently(user=county_admin)) == [
        Certificate.objects.get(pk=cert.pk)
    ]
    with pytest.raises(InvalidState, match="within a year"):
        actions.certificate_issue(
            actor=county_admin, person_id=person.pk, category=4, grade=2, issue_date=TODAY
        )
    later = on + dt.timedelta(days=366)
    with pytest.raises(ValidationFailed):  # the future is refused, which is what protects the block
        actions.certificate_issue(
            actor=county_admin, person_id=person.pk, category=4, grade=2, issue_date=later
        )


def test_expiring_and_expired_lists(regions, county_admin):
    expiring = registered(
        actor=county_admin, name="甲一", issued=TODAY.replace(year=TODAY.year - 10) + dt.timedelta(days=60)
    )
    expired = registered(
        actor=county_admin, name="乙二", issued=TODAY.replace(year=TODAY.year - 10) - dt.timedelta(days=60)
    )
    fresh = registered(actor=county_admin, name="丙三", issued=TODAY - dt.timedelta(days=10))
    assert [c.person for c in selectors.certificates_expiring(user=county_admin, days=90)] == [expiring]
    assert [c.person for c in selectors.certificates_expired(user=county_admin)] == [expired]
    assert fresh.certificates.get().status == CertificateStatus.VALID
    assert set(persons_search(user=county_admin, filters=PersonFilters(status="expiring"))) == {expiring}
    assert set(persons_search(user=county_admin, filters=PersonFilters(status="expired"))) == {expired}


# --- hardship ---------------------------------------------------------------------------------------


def test_hardship_periods(regions, county_admin):
    person = registered(actor=county_admin)
    status = actions.hardship_add(
        actor=county_admin, person_id=person.pk, kind=HardshipKind.DIBAO, valid_from=dt.date(2024, 1, 1)
    )
    with pytest.raises(Conflict):
        actions.hardship_add(
            actor=county_admin, person_id=person.pk, kind="dibao", valid_from=dt.date(2024, 6, 1)
        )
    with pytest.raises(ValidationFailed) as exc:
        actions.hardship_add(
            actor=county_admin, person_id=person.pk, kind="monitored", valid_from=dt.date(2024, 6, 1)
        )
    assert exc.value.field == "monitored_type"
    assert set(persons_search(user=county_admin, filters=PersonFilters(hardship="dibao"))) == {person}
    actions.hardship_end(actor=county_admin, status_id=status.pk, valid_to=TODAY - dt.timedelta(days=1))
    assert not persons_search(user=county_admin, filters=PersonFilters(hardship="dibao")).exists()
    with pytest.raises(ValidationFailed):  # a new period may not overlap the closed one
        actions.hardship_add(
            actor=county_admin, person_id=person.pk, kind="dibao", valid_from=dt.date(2024, 6, 1)
        )
    actions.hardship_add(actor=county_admin, person_id=person.pk, kind="dibao", valid_from=TODAY)


# --- households -------------------------------------------------------------------------------------


def test_household_flags(regions, county_admin):
    adult = registered(actor=county_admin, name="赵大", birth="19900101")
    household = actions.household_create(actor=county_admin, head_person_id=adult.pk)
    household.refresh_from_db()
    assert household.alone_disabled and not household.multi_disabled and not household.elderly_carers

    old_mother = TODAY.replace(year=TODAY.year - 65)
    actions.household_add_member(
        actor=county_admin,
        household_id=household.pk,
        relationship=Relationship.PARENT,
        name="钱氏",
        birth_date=old_mother,
    )
    household.refresh_from_db()
    assert household.elderly_carers and not household.alone_disabled

    brother = registered(actor=county_admin, name="赵二", birth="19920101")
    member = actions.household_add_member(
        actor=county_admin, household_id=household.pk, relationship=Relationship.SIBLING, person_id=brother.pk
    )
    household.refresh_from_db()
    assert household.multi_disabled and household.elderly_carers
    flagged = persons_search(user=county_admin, filters=PersonFilters(household_flag="elderly_carers"))
    assert set(flagged) == {adult, brother}
    assert set(selectors.households_visible(user=county_admin, flag="multi_disabled")) == {household}

    young = actions.household_add_member(
        actor=county_admin,
        household_id=household.pk,
        relationship=Relationship.CHILD,
        name="赵小",
        birth_date=dt.date(2010, 1, 1),
    )
    household.refresh_from_db()
    assert not household.elderly_carers  # a carer under 60
    actions.household_remove_member(actor=county_admin, member_id=young.pk)
    actions.certificate_cancel(
        actor=county_admin, certificate_id=brother.certificates.get().pk, reason="recovery", on=TODAY
    )
    household.refresh_from_db()
    assert not household.multi_disabled and not household.elderly_carers  # the brother now cares, aged 34
    with pytest.raises(Conflict):
        actions.household_create(actor=county_admin, head_person_id=brother.pk)
    actions.household_set_head(actor=county_admin, member_id=member.pk)
    assert household.members.get(is_head=True).person == brother


def test_refresh_flags_is_set_based_over_all_households(regions, county_admin):
    a = registered(actor=county_admin, name="孙一")
    household = actions.household_create(actor=county_admin, head_person_id=a.pk)
    Household.objects.filter(pk=household.pk).update(alone_disabled=False, multi_disabled=True)
    assert actions.households_refresh_flags() >= 1
    household.refresh_from_db()
    assert household.alone_disabled and not household.multi_disabled


# --- screening --------------------------------------------------------------------------------------


def test_screening_to_certificate(regions, county_admin):
    record = actions.screening_record(
        actor=county_admin,
        name="周七",
        region_code="370502001001",
        found_on=TODAY - dt.timedelta(days=20),
        suspected_category=5,
        description="行走不便",
    )
    actions.screening_schedule(actor=county_admin, record_id=record.pk, appointment_on=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        actions.screening_conclude(
            actor=county_admin, record_id=record.pk, outcome="certified", on=TODAY, category=5, grade=3
        )
    assert exc.value.field == "id_number"
    number = resident_id("370502", "19600505")
    record = actions.screening_conclude(
        actor=county_admin,
        record_id=record.pk,
        outcome=ScreeningOutcome.CERTIFIED,
        on=TODAY,
        category=5,
        grade=3,
        id_number=number,
    )
    assert record.person.id_number == number and record.person.source == "screening"
    assert record.certificate.number == f"{number}53"
    with pytest.raises(InvalidState):
        actions.screening_conclude(actor=county_admin, record_id=record.pk, outcome="declined", on=TODAY)
    assert not selectors.screenings_visible(user=county_admin, open_only=True).exists()


# --- search and scope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        ("37050219800101123X", "id"),
        ("37050219800101123X42", "certificate"),
        ("13812345678", "phone"),
        ("370502", "id_prefix"),
        ("123X", "id_suffix"),
        ("ZS", "pinyin"),
        ("张三", "name"),
    ],
)
def test_classify_query(term, kind):
    assert classify_query(term)[0] == kind


def test_search_by_pinyin_initials_id_certificate_and_phone(regions, county_admin):
    zhang = registered(actor=county_admin, name="张三", phone="13812345678")
    registered(actor=county_admin, name="李四", birth="19700101")
    cert = zhang.certificates.get()

    def found(q):
        return list(persons_search(user=county_admin, filters=PersonFilters(q=q)))

    assert found("zs") == [zhang]
    assert found("zhangsan") == [zhang]
    assert found("zhang") == [zhang]
    assert found("张") == [zhang]
    assert found(zhang.id_number) == [zhang]
    assert found(zhang.id_number[-4:]) == [zhang]
    assert found(cert.number) == [zhang]
    assert found("13812345678") == [zhang]
    assert found("ls") != [zhang]


def test_search_never_leaves_scope(regions, county_admin, make_user):
    registered(actor=None, name="张三")
    outside = registered(actor=None, name="张飞", region_code="370602001")
    assert [p.name for p in persons_search(user=county_admin, filters=PersonFilters(q="zs"))] == ["张三"]
    city = make_user("city_admin", "3706")
    assert list(persons_search(user=city, filters=PersonFilters(q="zhang"))) == [outside]
    with pytest.raises(NotFound):
        selectors.person_for_page(user=county_admin, pk=outside.pk)
    institution = make_user("institution_staff", "370502")
    assert not persons_search(user=institution).exists()


def test_reveal_needs_permission_and_is_audited(regions, county_admin, make_user):
    person = registered(actor=county_admin)
    leader = make_user("leader", "370502")
    with pytest.raises(NotFound):
        actions.person_reveal(actor=leader, person_id=person.pk)
    assert actions.person_reveal(actor=county_admin, person_id=person.pk).id_number == person.id_number
    assert AuditEvent.objects.filter(event_type=EventType.IDENTITY_REVEALED, actor=county_admin).count() == 1


def test_timeline_merges_providers(regions, county_admin):
    person = registered(actor=county_admin, issued=dt.date(2020, 5, 1))
    actions.hardship_add(
        actor=county_admin, person_id=person.pk, kind="dibao", valid_from=dt.date(2022, 1, 1)
    )

    def extra(p, user):
        yield selectors.TimelineEntry(on=dt.date(2021, 1, 1), kind="test", title="visit")

    selectors.register_timeline_provider(extra)
    try:
        entries = selectors.person_timeline(person=person, user=county_admin)
    finally:
        selectors._TIMELINE_PROVIDERS.remove(extra)
    assert [e.kind for e in entries] == ["hardship.added", "test", "certificate.issued"]


def test_the_system_actor_writes_like_the_command_line(regions):
    from canlian.platform.access import SYSTEM

    person = registered(actor=SYSTEM, name="系统")
    actions.person_update(actor=SYSTEM, person_id=person.pk, phone="13800001111")
    household = actions.household_create(actor=SYSTEM, head_person_id=person.pk)
    record = actions.screening_record(actor=SYSTEM, name="李四", region_code="370502001001", found_on=TODAY)
    actions.screening_schedule(actor=SYSTEM, record_id=record.pk, appointment_on=TODAY)
    assert Household.objects.filter(pk=household.pk).exists()
    assert Certificate.objects.filter(person=person, state=CertificateState.ACTIVE).exists()
    assert AuditEvent.objects.filter(event_type="person.registered", actor__isnull=True).exists()


def test_an_edit_out_of_view_is_not_found_in_view_without_edit_denied(regions, county_admin, make_user):
    person = registered(actor=county_admin)
    leader = make_user("leader", "370502")  # sees the person, may not edit
    with pytest.raises(PermissionDenied):
        actions.person_update(actor=leader, person_id=person.pk, name="改名")
    stranger = make_user("county_admin", "370602", username="yt_admin")
    with pytest.raises(NotFound):
        actions.person_update(actor=stranger, person_id=person.pk, name="改名")
    with pytest.raises(NotFound):
        actions.certificate_issue(actor=stranger, person_id=person.pk, category=4, grade=2, issue_date=TODAY)
    person.refresh_from_db()
    assert person.name == "张三"
