"""Region tree: the national list from python-stdnum, imports of townships and villages, history."""

from __future__ import annotations

import datetime as dt

import pytest

from canlian.core.audit.models import AuditEvent
from canlian.core.regions.actions import (
    expected_parent,
    normalize_code,
    regions_import,
    regions_load_national,
)
from canlian.core.regions.loaders import parse_names, parse_stdnum_locations
from canlian.core.regions.models import Region, RegionName
from canlian.platform.errors import ValidationFailed
from canlian.platform.tabular import Table, read_table


def table(*rows: tuple[str, str], header=("code", "name")) -> Table:
    return Table(header=list(header), rows=[list(r) for r in rows])


def test_parse_names_with_history():
    periods = parse_names("[1983-2019]桥东区,[2020-]襄都区")
    assert [p.name for p in periods] == ["桥东区", "襄都区"]
    assert periods[0].valid_to == dt.date(2019, 12, 31)
    assert periods[1].valid_from == dt.date(2020, 1, 1) and periods[1].valid_to is None


def test_stdnum_list_has_levels_and_special_cities():
    records = {r.code: r for r in parse_stdnum_locations()}
    assert records["37"].name == "山东省"
    assert records["3705"].level == 2 and records["370502"].level == 3
    assert records["4419"].name == "东莞市" and "441900" not in records
    assert records["429004"].name == "仙桃市" and records["4290"].level == 2
    assert records["110103"].valid_to == dt.date(2010, 12, 31)  # 崇文区 abolished


@pytest.mark.django_db
def test_load_national_is_idempotent_and_keeps_history():
    first = regions_load_national()
    assert first.created > 3000 and first.updated == 0
    second = regions_load_national()
    assert second.created == 0 and second.updated == 0 and second.unchanged == first.created
    xiantao = Region.objects.get(code="429004")
    assert xiantao.parent.code == "4290" and xiantao.parent.parent.code == "42"
    dongguan = Region.objects.get(code="4419")
    assert dongguan.parent.code == "44" and dongguan.level == 2
    chongwen = Region.objects.get(code="110103")
    assert chongwen.valid_to == dt.date(2010, 12, 31) and not chongwen.is_active()
    xiangdu = Region.objects.get(code="130502")
    assert xiangdu.name == "襄都区"
    assert list(RegionName.objects.filter(region=xiangdu).values_list("name", flat=True)) == [
        "桥东区",
        "襄都区",
    ]
    assert AuditEvent.objects.filter(event_type="regions.loaded").count() == 2


def test_code_rules():
    assert normalize_code("370502001000") == "370502001"
    assert normalize_code("370502000000") == "370502"
    assert normalize_code(" 370502001001 ") == "370502001001"
    assert expected_parent("370502001001") == "370502001"
    assert expected_parent("370502001") == "370502"
    assert expected_parent("441900003") == "4419"  # 东莞: townships under the prefecture
    assert expected_parent("429004") == "4290"


def test_import_creates_and_links_parents(regions):
    result = regions_import(
        actor=None,
        table=table(("370502002", "黄河路街道"), ("370502002001", "李家村"), ("441900004", "南城街道")),
    )
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    village = Region.objects.get(code="370502002001")
    assert village.level == 5 and village.parent.code == "370502002"
    assert Region.objects.get(code="441900004").parent.code == "4419"
    event = AuditEvent.objects.get(event_type="regions.imported")
    assert event.new_values == {"created": 3, "updated": 0, "unchanged": 0}
    assert event.region_code == ""  # the file spans two provinces


def test_reimport_changes_nothing_and_rename_keeps_history(regions):
    rows = (("370502002", "黄河路街道"), ("370502002001", "李家村"))
    regions_import(actor=None, table=table(*rows))
    again = regions_import(actor=None, table=table(*rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    renamed = regions_import(
        actor=None, table=table(("370502002", "黄河路街道"), ("370502002001", "李家社区"))
    )
    assert renamed.updated == 1
    village = Region.objects.get(code="370502002001")
    assert village.name == "李家社区"
    assert list(village.names.values_list("name", flat=True)) == ["李家村"]


def test_import_abolish_with_valid_to(regions):
    regions_import(
        actor=None,
        table=table(("370502001001", "王家村", "2024-06-30"), header=("代码", "名称", "撤销日期")),
    )
    village = Region.objects.get(code="370502001001")
    assert village.valid_to == dt.date(2024, 6, 30)
    assert not village.is_active(dt.date(2025, 1, 1))
    assert village.is_active(dt.date(2024, 1, 1))


def test_import_rejects_whole_file_naming_each_bad_row(regions):
    before = Region.objects.count()
    bad = table(
        ("370502003", "好街道"),  # row 2: fine
        ("370599001", "无父镇"),  # row 3: county 370599 unknown
        ("370502003", "重复街道"),  # row 4: duplicate of row 2
        ("37050200", "八位码"),  # row 5: 8 digits
        ("370502003001", ""),  # row 6: empty name
    )
    with pytest.raises(ValidationFailed) as caught:
        regions_import(actor=None, table=bad)
    errors = {(e.row, e.field): e.message for e in caught.value.errors}
    assert set(errors) == {(3, "code"), (4, "code"), (5, "code"), (6, "name")}
    assert "370599" in errors[(3, "code")]
    assert "2" in errors[(4, "code")]
    assert Region.objects.count() == before
    assert not AuditEvent.objects.filter(event_type="regions.imported").exists()


def test_import_outside_scope_is_rejected(regions, county_admin):
    with pytest.raises(ValidationFailed) as caught:
        regions_import(actor=county_admin, table=table(("370602002", "别的街道")))
    assert caught.value.errors[0].field == "code"
    assert not Region.objects.filter(code="370602002").exists()
    ok = regions_import(actor=county_admin, table=table(("370502009", "新街道")))
    assert ok.created == 1


def test_dry_run_writes_nothing(regions):
    result = regions_import(actor=None, table=table(("370502007", "试街道")), dry_run=True)
    assert result.created == 1
    assert not Region.objects.filter(code="370502007").exists()


def test_read_table_gbk_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "towns.csv"
    csv_path.write_bytes("代码,名称\n370502001,文汇街道\n".encode("gbk"))
    t = read_table(csv_path)
    assert t.header == ["代码", "名称"] and t.rows == [["370502001", "文汇街道"]]
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某县乡镇名单"])  # a title row before the header
    ws.append(["代码", "名称"])
    ws.append([370502001001, "王家村"])  # a number cell: must come back as digits, not 3.7e11
    xlsx = tmp_path / "v.xlsx"
    wb.save(xlsx)
    t = read_table(xlsx)
    assert t.header == ["代码", "名称"]
    assert t.rows == [["370502001001", "王家村"]]
    assert t.first_row == 3


def test_scope_prefix_query(regions):
    assert set(Region.objects.subtree("3705").values_list("code", flat=True)) == {
        "3705",
        "370502",
        "370505",
        "370502001",
        "370502001001",
        "370505001",
    }


def test_a_load_that_more_than_doubles_the_tree_rebuilds_its_keys_once(regions, monkeypatch):
    """The first township and village list: on PostgreSQL the indexes and the parent key are
    dropped for the load and rebuilt after it; the tree comes out the same either way."""
    from django.db import connection

    from canlian.core.regions import actions

    monkeypatch.setattr(actions, "BULK_ROWS", 5)

    def keys() -> list[str]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'regions_region' "
                "UNION ALL SELECT conname FROM pg_constraint WHERE conrelid = 'regions_region'::regclass"
            )
            return sorted(r[0] for r in cursor.fetchall())

    before = keys()
    towns = [(f"370505{t:03d}", f"第{t}镇") for t in range(2, 6)]
    villages = [(f"{code}{v:03d}", f"第{v}村") for code, _ in towns for v in range(1, 5)]
    result = regions_import(actor=None, table=table(*villages[:3], *towns, *villages[3:]))
    assert (result.created, result.updated) == (20, 0)
    assert keys() == before
    assert Region.objects.get(code="370505003002").parent.code == "370505003"
    assert Region.objects.get(code="370505003").parent.code == "370505"
    assert not Region.objects.filter(code__startswith="370505", parent__isnull=True).exists()


def test_progress_of_a_region_file_moves_in_rounds(regions):
    from canlian.platform.progress import NullProgress

    class Steps(NullProgress):
        def __init__(self) -> None:
            super().__init__()
            self.steps: list[int] = []

        def advance(self, n: int = 1) -> None:
            super().advance(n)
            self.steps.append(n)

    progress = Steps()
    towns = [(f"370502{t}", f"第{t}街道") for t in range(101, 113)]
    villages = [(f"{code}{v:03d}", f"村{v}") for code, _ in towns for v in range(1, 101)]
    regions_import(actor=None, table=table(*towns, *villages), progress=progress)
    checking = progress.steps[:-1]  # the last step is the write
    assert sum(checking) == 1212 and checking == [500, 500, 212]  # rounds of 500, then the rest
