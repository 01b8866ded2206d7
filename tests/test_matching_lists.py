"""Department lists: the snapshot load (GBK/UTF-8 CSV, xlsx), bad rows with row and field, the
mapping remembered per source, retention, refusals that leave nothing, and the indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from matching_world import AS_OF, death_row, list_file, upload
from registry_factories import registered, resident_id
from test_programs_cycles import enroll, generate, make_setup

from canlian.core.registry.models import Person
from canlian.domains.matching import actions
from canlian.domains.matching.choices import Outcome, UploadStatus
from canlian.domains.matching.indicators import INDICATORS
from canlian.domains.matching.models import ComparisonRun, Finding, ListRow, ListSource, ListUpload
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from canlian.platform.indicators import window_for
from canlian.programs.cycles import actions as cycles
from canlian.programs.recoveries.actions import recovery_resolve

D = dt.date


@pytest.fixture
def world(regions, make_user):
    setup = make_setup(make_user)
    setup["city"] = make_user("city_admin", "3705", username="city")
    setup["township"] = make_user("township_worker", "370502001", username="wenhui")
    return setup


def test_gbk_csv_keeps_good_rows_and_lists_bad_ones_with_row_and_field(world, tmp_path):
    good = registered(name="李四", birth="19700101")
    other = resident_id("370502", "19800202")
    bad_check = other[:-1] + ("0" if other[-1] != "0" else "1")
    rows = [
        ["1", "李四", good.id_number, "2026-10-05", "死亡"],  # row 3
        ["2", "王五", bad_check, "2026-10-06", "死亡"],  # row 4: check character
        ["3", "赵六", other, "2026年13月1日", "死亡"],  # row 5: not a date
        ["4", "钱七", resident_id("370502", "19810303"), "2099-01-01", "死亡"],  # row 6: future
        ["5", "李四", good.id_number, "2026-10-05", "死亡"],  # row 7: repeated
        ["6", "孙八", resident_id("370502", "19820404")[:15] + "", "", ""],  # row 8: 15 characters, wrong
    ]
    people_before = Person.objects.count()
    path = list_file(rows, encoding="gbk", folder=tmp_path)
    up = actions.list_upload(
        actor=world["city"],
        region_code="3705",
        department="civil_affairs",
        list_kind="deaths",
        as_of=AS_OF,
        path=path,
    )
    assert (up.row_count, up.rejected_count) == (1, 5)
    assert [(e["row"], e["field"]) for e in up.errors] == [
        ("4", "id_number"),
        ("5", "event_date"),
        ("6", "event_date"),
        ("7", "id_number"),
        ("8", "id_number"),
    ]
    row = ListRow.objects.get(upload=up)
    assert (row.row_no, row.name, row.event_date, row.stop_from) == (
        3,
        "李四",
        D(2026, 10, 5),
        D(2026, 11, 1),
    )
    assert Person.objects.count() == people_before  # never mixed into the registry
    assert up.expires_on == AS_OF + dt.timedelta(days=365)
    assert up.mapping == {
        "id_number": "公民身份号码",
        "name": "姓名",
        "event_date": "死亡日期",
        "status": "状态",
    }


def test_xlsx_list_and_the_mapping_remembered_per_source(world, tmp_path):
    from openpyxl import Workbook

    person = registered(name="周九", birth="19700101")
    book = Workbook()
    sheet = book.active
    sheet.append(["人员证件", "人员名称", "办理日期"])
    sheet.append([person.id_number, "周九", "2026-09-30"])
    path = tmp_path / "deaths.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as exc:  # no column the usual names recognise as the ID number
        actions.list_upload(
            actor=world["city"],
            region_code="3705",
            department="health",
            list_kind="deaths",
            as_of=AS_OF,
            path=path,
        )
    assert exc.value.field == "id_number"
    assert not ListUpload.objects.exists() and not ListSource.objects.exists()
    mapping = {"id_number": "人员证件", "name": "人员名称", "event_date": "办理日期"}
    up = actions.list_upload(
        actor=world["city"],
        region_code="3705",
        department="health",
        list_kind="deaths",
        as_of=AS_OF,
        path=path,
        mapping=mapping,
    )
    assert up.row_count == 1 and ListRow.objects.get().event_date == D(2026, 9, 30)
    assert ListSource.objects.get().mapping == mapping
    again = actions.list_upload(
        actor=world["city"],
        region_code="3705",
        department="health",
        list_kind="deaths",
        as_of=AS_OF,
        path=path,
    )
    assert again.mapping == mapping and again.row_count == 1


def test_only_list_holders_upload_and_a_refusal_writes_nothing(world, tmp_path):
    path = list_file([["1", "某", resident_id(), "", ""]], folder=tmp_path)
    with pytest.raises(PermissionDenied):
        actions.list_upload(
            actor=world["township"],
            region_code="370502001",
            department="civil_affairs",
            list_kind="dibao",
            as_of=AS_OF,
            path=path,
        )
    with pytest.raises(NotFound):  # outside the uploader's scope
        actions.list_upload(
            actor=world["maker"],
            region_code="3706",
            department="civil_affairs",
            list_kind="dibao",
            as_of=AS_OF,
            path=path,
        )
    with pytest.raises(ValidationFailed):
        actions.list_upload(
            actor=world["maker"],
            region_code="370502",
            department="civil_affairs",
            list_kind="dibao",
            as_of=D(2099, 1, 1),
            path=path,
        )
    assert (
        not ListUpload.objects.exists() and not ListRow.objects.exists() and not ListSource.objects.exists()
    )


def test_retention_deletes_the_rows_and_keeps_the_findings(world):
    person = registered(name="保留", birth="19700101")
    up = upload(world["city"], "dibao", [["1", "保留", person.id_number, "", ""]], retention_days=30)
    assert Finding.objects.count() == 1
    assert actions.lists_purge_expired(actor=None, on=AS_OF + dt.timedelta(days=30)) == []
    purged = actions.lists_purge_expired(actor=None, on=AS_OF + dt.timedelta(days=31))
    assert [u.pk for u in purged] == [up.pk]
    up.refresh_from_db()
    assert up.status == UploadStatus.PURGED and not ListRow.objects.exists()
    assert Finding.objects.get().list_name == "保留"
    with pytest.raises(InvalidState):
        actions.comparison_run(actor=world["city"], upload_id=up.pk)
    assert ComparisonRun.objects.count() == 1


def _value(code, year, month):
    indicator = next(i for i in INDICATORS if i.code == code)
    window = window_for(indicator.period, year, month)
    return {r["region"]: r["numerator"] for r in indicator.leaf(window)}


def test_indicators_count_found_resolved_in_time_open_and_money_recovered(world):
    today = timezone.localdate()
    a = enroll(world["nursing"], applied=D(2026, 8, 1))
    b = enroll(world["nursing"], applied=D(2026, 8, 1))
    result = generate(world, D(2026, 10, 1))
    cycles.cycle_approve(actor=world["checker"], cycle_id=result.cycle.pk)
    upload(world["city"], "deaths", [death_row(a.person, "2026-08-31"), death_row(b.person, "2026-10-31", 2)])
    village = a.person.region_code
    assert _value("matching.findings_found", today.year, today.month) == {village: 2}
    assert _value("matching.findings_open", today.year, today.month) == {village: 2}
    fa = Finding.objects.get(person=a.person)
    actions.finding_resolve(actor=world["maker"], finding_id=fa.pk, outcome=Outcome.STOPPED)
    assert _value("matching.findings_resolved_in_time", today.year, today.month) == {village: 1}
    assert _value("matching.findings_open", today.year, today.month) == {village: 1}
    assert _value("matching.money_recovered", today.year, today.month) == {}
    fa.refresh_from_db()
    recovery_resolve(actor=world["maker"], item_id=fa.recovery_id, status="recovered")
    assert _value("matching.money_recovered", today.year, today.month) == {village: Decimal("300.00")}
    records = next(i for i in INDICATORS if i.code == "matching.findings_found").records
    assert records(world["township"], window_for("in_period", today.year, today.month), "").count() == 2
