"""Targets: the values as typed (a rate as a percentage), who may set them (a region sets its own and its
sub-regions'), the audit rows, the cascade (parts add up, fall short, exceed, are missing; a rate part
at least the whole), 序时进度 and the status on both sides of the 5-point tolerance, the plan sheet's
import (all or nothing, each bad row named by row and column) and the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from steering_targets_world import LIVING, RATE, install, more_counties, put, target

from canlian.core.audit.models import AuditEvent
from canlian.platform.errors import NotFound, PermissionDenied, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.reporting.models import Target
from canlian.reporting.steering import targets as actions
from canlian.reporting.steering.progress import Status, elapsed, percent
from canlian.reporting.steering.selectors import Cascade, CascadeRow, figures
from canlian.reporting.steering.views_targets import cascade_warning, targets_overview

YEAR = 2025
TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def world(regions, monkeypatch):
    install(monkeypatch)
    return more_counties(regions)


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind).order_by("pk"))


# --- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("98", "0.98"), ("98%", "0.98"), (98, "0.98"), ("98.5%", "0.985"), ("98.25 ％", "0.9825"), ("0", "0")],
)
def test_a_rate_is_typed_as_a_percentage(typed, stored):
    assert actions.target_value(RATE, typed) == Decimal(stored)


@pytest.mark.parametrize("typed", ["101", "-1%", "98.125", "abc", ""])
def test_a_rate_outside_0_to_100_or_too_fine_is_refused(typed):
    with pytest.raises(ValidationFailed) as caught:
        actions.target_value(RATE, typed, row=7)
    assert caught.value.errors[0].field == "value" and caught.value.errors[0].row == 7


def test_counts_and_amounts_as_given():
    from steering_targets_world import AMOUNT

    assert actions.target_value(LIVING, "36,000") == Decimal(36000)
    assert actions.target_value(AMOUNT, "1,234.5") == Decimal("1234.50")
    with pytest.raises(ValidationFailed):
        actions.target_value(LIVING, "1.5")
    with pytest.raises(ValidationFailed):
        actions.target_value(AMOUNT, "1.234")
    assert actions.display_value(RATE, Decimal("0.9800")) == "98%"
    assert actions.display_value(RATE, Decimal("0.9850")) == "98.5%"
    assert actions.display_value(LIVING, Decimal("36000.0000")) == "36,000"


# --- who, and the audit -----------------------------------------------------------------------------


def test_set_change_and_unchanged_are_audited_once_each(world, city_admin):
    first = actions.target_set(
        actor=city_admin, indicator="t.rate", region_code="370502", year=YEAR, value="98%"
    )
    assert first.value == Decimal("0.98") and first.set_by == city_admin
    changed = actions.target_set(
        actor=city_admin, indicator="t.rate", region_code="370502", year=YEAR, value="97.5", note="调整"
    )
    actions.target_set(
        actor=city_admin, indicator="t.rate", region_code="370502", year=YEAR, value="97.5%", note="调整"
    )
    assert changed.pk == first.pk and Target.objects.count() == 1
    rows = events("steering.target_set")
    assert len(rows) == 2
    assert rows[0].old_values is None
    assert rows[0].new_values == {"indicator": "t.rate", "year": YEAR, "value": "0.9800", "note": ""}
    assert rows[1].old_values == {"value": "0.9800", "note": ""}
    assert rows[1].new_values["value"] == "0.9750" and rows[1].new_values["note"] == "调整"
    assert rows[1].region_code == "370502"


def test_a_county_sets_its_own_and_its_townships_never_a_sibling_or_its_city(world, make_user):
    county = make_user("county_admin", "370505")
    actions.target_set(actor=county, indicator="t.living", region_code="370505", year=YEAR, value=100)
    actions.target_set(actor=county, indicator="t.living", region_code="370505001", year=YEAR, value=60)
    for code in ("370502", "3705"):
        with pytest.raises(NotFound):
            actions.target_set(actor=county, indicator="t.living", region_code=code, year=YEAR, value=1)
    leader = make_user("leader", "370505")
    with pytest.raises(PermissionDenied):
        actions.target_set(actor=leader, indicator="t.living", region_code="370505", year=YEAR, value=1)
    assert set(Target.objects.values_list("region_code", flat=True)) == {"370505", "370505001"}
    assert len(events("steering.target_set")) == 2


def test_remove_is_scoped_and_audited(world, make_user):
    mine = target("t.living", "370505", 100)
    sibling = target("t.living", "370502", 200)
    county = make_user("county_admin", "370505")
    with pytest.raises(NotFound):
        actions.target_remove(actor=county, target_id=sibling.pk)
    actions.target_remove(actor=county, target_id=mine.pk)
    assert list(Target.objects.values_list("pk", flat=True)) == [sibling.pk]
    (row,) = events("steering.target_removed")
    assert row.old_values == {"indicator": "t.living", "year": YEAR, "value": "100.0000", "note": ""}
    assert row.region_code == "370505"


def test_unknown_indicator_and_region_name_the_field(world, city_admin):
    with pytest.raises(ValidationFailed) as caught:
        actions.target_set(actor=city_admin, indicator="t.nothing", region_code="3705", year=YEAR, value=1)
    assert caught.value.field == "indicator"
    with pytest.raises(ValidationFailed) as caught:
        actions.target_set(actor=city_admin, indicator="t.living", region_code="370599", year=YEAR, value=1)
    assert caught.value.field == "region_code"
    assert not Target.objects.exists()


# --- the cascade ----------------------------------------------------------------------------------


def _cascade(world, indicator, whole, parts):
    children = [world[c] for c in ("370502", "370503", "370505", "370522")]
    return Cascade(
        indicator=indicator,
        region_code="3705",
        year=YEAR,
        whole=None if whole is None else Decimal(whole),
        rows=[
            CascadeRow(region=r, target=None if parts[r.code] is None else Decimal(parts[r.code]))
            for r in children
        ],
    )


def test_cascade_parts_add_up_fall_short_exceed_or_are_missing(world, english):
    city = world["3705"]
    exact = _cascade(world, LIVING, 36000, {"370502": 20000, "370503": 6000, "370505": 8500, "370522": 1500})
    assert exact.adds_up and exact.gap == 0 and cascade_warning(exact, city) == ""

    short = _cascade(world, LIVING, 36000, {"370502": 20000, "370503": 6000, "370505": 8500, "370522": None})
    assert not short.adds_up and short.parts_total == 34500 and short.gap == 1500
    assert [r.code for r in short.missing] == ["370522"]
    assert cascade_warning(short, city) == (
        "Counties: targets add up to 34,500 people, 1,500 people less than the target of 东营市; "
        "Not split: 利津县"
    )
    over = _cascade(world, LIVING, 36000, {"370502": 20000, "370503": 6000, "370505": 8500, "370522": 2500})
    assert over.gap == -1000 and not over.adds_up
    assert cascade_warning(over, city) == (
        "Counties: targets add up to 37,000 people, 1,000 people more than the target of 东营市"
    )


def test_a_rate_target_is_not_split_each_part_at_least_the_whole(world, english):
    city = world["3705"]
    ok = _cascade(world, RATE, "0.98", {"370502": "0.98", "370503": "0.99", "370505": "0.98", "370522": "1"})
    assert ok.adds_up and ok.gap is None and cascade_warning(ok, city) == ""
    low = _cascade(
        world, RATE, "0.98", {"370502": "0.98", "370503": "0.97", "370505": "0.98", "370522": None}
    )
    assert not low.adds_up
    assert cascade_warning(low, city) == "Below the target of 东营市 (98.0%): 河口区; Not split: 利津县"


def test_cascade_from_the_overview_reads_the_stored_targets(world, city_admin, english):
    target("t.living", "3705", 36000)
    target("t.living", "370502", 20000)
    target("t.living", "370503", 6000)
    target("t.living", "370505", 8500)
    overview = targets_overview(user=city_admin, region_code="3705", year=YEAR, today=TODAY)
    (line,) = [x for x in overview.lines if x.indicator.code == "t.living"]
    assert line.cascade.parts_total == 34500 and line.parts_total == "34,500 people"
    assert line.warning.endswith("Not split: 利津县")
    assert [x.indicator.code for x in overview.without_targets if x.indicator.code.startswith("t.")] == [
        "t.amount",  # 两项补贴
        "t.care",  # 关爱
        "t.rate",  # 康复
        "t.expired",  # 登记
    ]


# --- 序时进度 and status ---------------------------------------------------------------------------


def test_time_elapsed_at_30_june_is_half_the_year():
    assert percent(elapsed(2026, 6)) == Decimal("50.0")
    assert percent(elapsed(2026, 6, today=dt.date(2026, 6, 30))) == Decimal("50.0")
    assert percent(elapsed(2026, 6, today=dt.date(2026, 6, 15))) == Decimal("45.8")  # 5.5 months of 12
    assert percent(elapsed(2026, 9)) == Decimal("75.0")


def test_status_on_both_sides_of_the_tolerance_at_30_june(world, city_admin):
    counties = ("370502", "370503", "370505", "370522")
    for code, value in zip(counties, (550, 549, 450, 449), strict=True):
        put("t.living", code, 6, value, year=2026)
        target("t.living", code, 1000, year=2026)
    for code, (num, den) in zip(counties, ((98, 100), (93, 100), (9299, 10000), (99, 100)), strict=True):
        put("t.rate", code, 6, num, den, year=2026)
        target("t.rate", code, "0.98", year=2026)
    found = figures(user=city_admin, regions=list(counties), year=2026, month=6, today=dt.date(2026, 6, 30))
    assert percent(found[("t.living", "370502")].elapsed) == Decimal("50.0")
    assert [found[("t.living", c)].status for c in counties] == [
        Status.AHEAD,  # 55.0% ≥ 50 + 5
        Status.ON_TRACK,  # 54.9%
        Status.ON_TRACK,  # 45.0% ≥ 50 − 5
        Status.BEHIND,  # 44.9%
    ]
    assert [found[("t.rate", c)].status for c in counties] == [
        Status.AHEAD,  # 98% reached
        Status.ON_TRACK,  # 93%: 5 points below
        Status.BEHIND,  # 92.99%
        Status.AHEAD,  # 99%
    ]
    assert found[("t.living", "370502")].progress == Decimal("0.55")


# --- the plan sheet ---------------------------------------------------------------------------------


def _csv(tmp_path, text: str, name: str = "plan.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_table(path)


def test_import_is_all_or_nothing_and_names_the_row_and_column(world, city_admin, tmp_path, english):
    bad = _csv(
        tmp_path,
        "地区代码,指标代码,目标\n370502,t.living,20000\n370505,t.living,14500\n370503,t.rate,120%\n370522,t.nothing,5\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        actions.targets_import(actor=city_admin, table=bad, year=YEAR)
    errors = [(e.row, e.field, e.value) for e in caught.value.errors]
    assert errors == [(4, "目标", "120%"), (5, "指标代码", "t.nothing")]
    assert [e.message for e in caught.value.errors] == [
        "Enter a percentage from 0 to 100.",
        "Unknown indicator.",
    ]
    assert not Target.objects.exists() and not events("steering.targets_imported")

    good = _csv(
        tmp_path,
        "地区代码,指标代码,目标,备注\n370500,t.living,36000,全市\n370502,t.living,20000,\n370505,t.rate,98%,\n",
    )
    result = actions.targets_import(actor=city_admin, table=good, year=YEAR)
    assert result.as_dict() == {"year": YEAR, "rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    stored = dict(Target.objects.values_list("region_code", "value"))
    assert stored == {"3705": Decimal(36000), "370502": Decimal(20000), "370505": Decimal("0.98")}
    assert Target.objects.get(region_code="3705").note == "全市"
    assert Target.objects.get(region_code="3705").set_by == city_admin

    again = _csv(
        tmp_path,
        "地区代码,指标代码,目标,备注\n370500,t.living,36000,全市\n370502,t.living,21000,\n370505,t.rate,98,\n",
    )
    result = actions.targets_import(actor=city_admin, table=again, year=YEAR)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Target.objects.get(region_code="370502").value == 21000
    first, second = events("steering.targets_imported")
    assert first.new_values == {"year": YEAR, "rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert second.old_values == {"values": {"370502:t.living": "20000.0000"}}
    assert second.region_code == "3705"


def test_import_by_names_from_a_workbook(world, city_admin, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["2025年民生实事目标"])
    sheet.append(["地区名称", "指标名称", "目标"])
    sheet.append(["垦利区", "困难残疾人生活补贴发放", 14500])
    sheet.append(["河口区", "精准康复服务率", "98.5%"])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    result = actions.targets_import(actor=city_admin, table=read_table(path), year=YEAR)
    assert result.created == 2
    assert dict(Target.objects.values_list("region_code", "value")) == {
        "370505": Decimal(14500),
        "370503": Decimal("0.985"),
    }


def test_import_refuses_rows_outside_the_scope_and_duplicates(world, make_user, tmp_path, english):
    county = make_user("county_admin", "370505")
    table = _csv(
        tmp_path,
        "地区代码,指标代码,目标\n370505,t.living,100\n370502,t.living,100\n370505001,t.living,60\n"
        "370505001,t.living,70\n370599,t.living,1\n",
    )
    with pytest.raises(ValidationFailed) as caught:
        actions.targets_import(actor=county, table=table, year=YEAR)
    assert [(e.row, e.field, e.message) for e in caught.value.errors] == [
        (3, "地区代码", "This region is outside your scope."),
        (5, "指标代码", "The same region and indicator appear twice (row 4)."),
        (6, "地区代码", "No such region."),
    ]
    assert not Target.objects.exists()


def test_import_needs_its_columns(world, city_admin, tmp_path):
    with pytest.raises(ValidationFailed) as caught:
        actions.targets_import(actor=city_admin, table=_csv(tmp_path, "地区,数量\n垦利区,1\n"), year=YEAR)
    assert caught.value.code == "missing_columns"


# --- pages ----------------------------------------------------------------------------------------


def test_targets_page_shows_progress_and_the_split(client, world, city_admin):
    target("t.living", "3705", 36000)
    target("t.living", "370502", 20000)
    target("t.living", "370505", 14500)
    put("t.living", "3705", 9, 27000)
    put("t.living", "370502", 9, 16000)
    client.force_login(city_admin)
    response = client.get(reverse("steering:targets"), {"region": "3705", "year": YEAR})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="cascade-t.living"' in body
    assert "36,000" in body and "27,000" in body and "75.0%" in body  # 27,000 ÷ 36,000
    assert "80.0%" in body  # 东营区 16,000 ÷ 20,000
    assert 'data-testid="cascade-warning"' in body and "34,500" in body and "1,500" in body
    assert "河口区" in body and "利津县" in body


def test_a_county_page_never_shows_a_sibling(client, world, make_user):
    target("t.living", "370502", 20000)
    target("t.living", "370505", 14500)
    county = make_user("county_admin", "370505")
    client.force_login(county)
    body = client.get(reverse("steering:targets"), {"region": "370502", "year": YEAR}).content.decode()
    assert "垦利区" in body and "东营区" not in body and "20,000" not in body and "14,500" in body


def test_set_and_remove_through_the_pages(client, world, city_admin):
    client.force_login(city_admin)
    url = reverse("steering:target-set")
    form = client.get(url, {"indicator": "t.rate", "region": "370502", "year": YEAR})
    assert form.status_code == 200
    response = client.post(url, {"indicator": "t.rate", "region": "370502", "year": YEAR, "value": "98%"})
    assert (
        response.status_code == 302 and response["Location"] == f"/steering/targets/?year={YEAR}&region=3705"
    )
    saved = Target.objects.get()
    assert saved.value == Decimal("0.98")
    refill = client.get(url, {"indicator": "t.rate", "region": "370502", "year": YEAR}).content.decode()
    assert 'value="98%"' in refill
    bad = client.post(url, {"indicator": "t.rate", "region": "370502", "year": YEAR, "value": "120"})
    assert bad.status_code == 400 and Target.objects.get().value == Decimal("0.98")
    removed = client.post(reverse("steering:target-remove"), {"target": saved.pk})
    assert removed.status_code == 302 and not Target.objects.exists()
    assert client.post(reverse("steering:target-remove"), {"target": saved.pk}).status_code == 404


def test_import_page_and_template(client, world, city_admin):
    target("t.rate", "370502", "0.98")
    client.force_login(city_admin)
    template = client.get(reverse("steering:target-template"), {"region": "3705", "year": YEAR})
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(template.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("地区代码", "地区名称", "指标代码", "指标名称", "目标", "备注")
    assert ("370502", "东营区", "t.rate", "精准康复服务率", "98%", None) in rows
    assert ("3705", "东营市", "t.living", "困难残疾人生活补贴发放", None, None) in rows

    bad = SimpleUploadedFile("plan.csv", "地区代码,指标代码,目标\n370505,t.living,x\n".encode())
    response = client.post(reverse("steering:target-import"), {"year": YEAR, "file": bad})
    assert response.status_code == 400
    assert 'data-testid="import-errors"' in response.content.decode()
    good = SimpleUploadedFile("plan.csv", "地区代码,指标代码,目标\n370505,t.living,14500\n".encode())
    response = client.post(reverse("steering:target-import"), {"year": YEAR, "file": good})
    assert response.status_code == 302
    assert Target.objects.get(region_code="370505").value == 14500
