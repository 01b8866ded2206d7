"""The ledger import (core/registry/importing/): validation rules, the 5,000-row GBK scenario with 50
bad rows, strict mode, dry run, idempotence, updates, .xlsx, mapping, scope, the rejected-rows
workbook, one transaction, the command, the job and the pages.

Ledgers are generated here in tmp_path; nothing large is committed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import include, path, reverse
from openpyxl import Workbook, load_workbook
from registry_factories import registered, resident_id
from stdnum.cn import ric

from canlian.config import urls as project_urls
from canlian.core.audit.models import AuditEvent
from canlian.core.jobs.actions import job_submit
from canlian.core.jobs.choices import JobStatus
from canlian.core.jobs.runner import run_job
from canlian.core.regions.choices import RegionSource
from canlian.core.regions.models import Region
from canlian.core.registry import importing, urls_import
from canlian.core.registry import urls as registry_urls
from canlian.core.registry.importing import (
    LEDGER_TEMPLATE,
    auto_mapping,
    field_for_header,
    parse_ledger_date,
    parse_yes_no,
    persons_import,
    persons_import_header,
)
from canlian.core.registry.models import Certificate, CertificateEvent, HardshipStatus, Person
from canlian.platform.errors import NotFound, ValidationFailed

# The project's URLs with the import pages included in the registry namespace (as the lead will).
urlpatterns = [p for p in project_urls.urlpatterns if getattr(p, "namespace", None) != "registry"] + [
    path("registry/", include((registry_urls.urlpatterns + urls_import.urlpatterns, "registry")))
]

#: The template's columns up to 是否低保 (the generated rows fill these).
HEADER = list(LEDGER_TEMPLATE[:16])
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鹏飞建国志强海燕"
CATEGORY_WORDS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
#: Villages of the county 东营区 (370502) made by the ``places`` fixture, as (township, village, code).
VILLAGES = [
    ("文汇街道", "王家村", "370502001001"),
    ("文汇街道", "李家村", "370502001002"),
    ("文汇街道", "张家社区", "370502001003"),
    ("辛店街道", "刘家村", "370502002001"),
    ("辛店街道", "王家村", "370502002002"),
]
BAD_KINDS = ("checksum", "birth_date", "certificate", "village", "duplicate")


@pytest.fixture
def places(regions) -> dict[str, Region]:
    """More townships and villages under the conftest tree (东营区 370502 and 垦利区 370505)."""
    rows = [
        ("370502001002", "李家村", 5),
        ("370502001003", "张家社区", 5),
        ("370502002", "辛店街道", 4),
        ("370502002001", "刘家村", 5),
        ("370502002002", "王家村", 5),
        ("370505001001", "陈家村", 5),
    ]
    made = dict(regions)
    for code, name, level in rows:
        parent = made.get(code[:9]) or made.get(code[:6])
        made[code] = Region.objects.create(
            code=code, name=name, level=level, parent=parent, source=RegionSource.IMPORTED
        )
    return made


def _id(area: str, birth: dt.date, order: int) -> str:
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def ledger_rows(n: int, *, seed: int = 7, bad: int = 0, start: dt.date = dt.date(1950, 1, 1)):
    """``n`` ledger rows of 东营区 (as lists in HEADER order) and {row number: kind} of the ``bad`` ones,
    an equal share of each kind in BAD_KINDS. Row numbers are the spreadsheet's (header = row 1)."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for i in range(n):
        birth = start + dt.timedelta(days=i // 400)
        male = rng.random() < 0.55
        order = (i % 400) * 2 + (1 if male else 0)
        id_number = _id("370502", birth, order)
        category, grade = rng.choice([1, 2, 4, 4, 4, 5, 6, 7]), rng.randint(1, 4)
        issue = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
        township, village, _code = rng.choice(VILLAGES)
        rows.append(
            [
                str(i + 1),
                rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                "男" if male else "女",
                "汉族",
                id_number,
                f"{id_number}{category}{grade}",
                CATEGORY_WORDS[category] if rng.random() < 0.5 else str(category),
                f"{'一二三四'[grade - 1]}级" if rng.random() < 0.5 else str(grade),
                issue.isoformat() if rng.random() < 0.5 else f"{issue.year}/{issue.month}/{issue.day}",
                "",
                f"13{rng.randint(0, 999_999_999):09d}",
                f"东营区{village}{rng.randint(1, 99)}号",
                f"东营区{village}{rng.randint(1, 99)}号",
                township,
                village,
                "是" if rng.random() < 0.1 else "",
            ]
        )
    bad_rows: dict[int, str] = {}
    if bad:
        picks = rng.sample(range(min(100, n // 2), n), bad)
        for j, i in enumerate(picks):
            kind = BAD_KINDS[j % len(BAD_KINDS)]
            row = rows[i]
            if kind == "checksum":
                wrong = "0" if row[4][-1] != "0" else "1"
                row[4] = row[4][:-1] + wrong
                row[5] = row[4] + row[5][18:]
            elif kind == "birth_date":
                body = f"370502{1980 + j}1332{j % 100:03d}"  # month 13
                row[4] = body + ric.calc_check_digit(body + "0")
                row[5] = row[4] + row[5][18:]
            elif kind == "certificate":
                category = int(row[5][18])
                row[5] = row[5][:18] + str(category % 7 + 1) + row[5][19:]
            elif kind == "village":
                row[14] = "不存在村"
            else:  # a later row repeats an earlier (valid) row's ID
                earlier = rows[i - 50]
                row[2], row[4], row[5] = earlier[2], earlier[4], earlier[4] + row[5][18:]
            bad_rows[i + 2] = kind
        # Duplicates must point at a row that is itself fine.
        assert all(bad_rows.get(r - 50) is None for r, k in bad_rows.items() if k == "duplicate")
    return rows, bad_rows


def write_csv(
    path: Path, rows: list[list[str]], *, encoding: str = "gbk", header: list[str] = HEADER
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def snapshot() -> dict[str, Any]:
    return {
        "persons": list(Person.objects.order_by("id_number").values_list()),
        "certificates": list(Certificate.objects.order_by("id").values_list()),
        "events": CertificateEvent.objects.count(),
        "hardships": list(HardshipStatus.objects.order_by("id").values_list()),
    }


# --- value rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-03-05", dt.date(2019, 3, 5)),
        ("2019/3/5", dt.date(2019, 3, 5)),
        ("20190305", dt.date(2019, 3, 5)),
        ("2019.3.5", dt.date(2019, 3, 5)),
        ("2019年3月5日", dt.date(2019, 3, 5)),
        ("43529", dt.date(2019, 3, 5)),  # Excel serial number
        ("2019-03-05 00:00:00", dt.date(2019, 3, 5)),
    ],
)
def test_ledger_dates(raw, expected):
    assert parse_ledger_date(raw) == expected


@pytest.mark.parametrize("raw", ["2019-02-30", "2019", "去年", "2019.13.1"])
def test_impossible_dates_are_refused(raw):
    with pytest.raises(ValueError):
        parse_ledger_date(raw)


def test_yes_no_cells():
    assert [parse_yes_no(v) for v in ("是", "√", "1", "Y", "yes", "否", "×", "0", "N", "")] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        None,
    ]
    with pytest.raises(ValueError):
        parse_yes_no("也许")


def test_headers_match_with_synonyms_and_normalisation():
    assert field_for_header("身份证号码") == "id_number"
    assert field_for_header(" 公民身份号码 ") == "id_number"
    assert field_for_header("所属乡镇（街道）") == "township"
    assert field_for_header("*所属村（社区）") == "village"
    assert field_for_header("身份证号(18位)") == "id_number"
    assert field_for_header("手机号") == "phone"
    assert field_for_header("首次发证日期") == "issue_date"
    assert field_for_header("区划代码") == "region_code"
    assert field_for_header("备注") is None
    mapping = auto_mapping(HEADER)
    assert mapping["certificate_number"] == "残疾人证号" and mapping["dibao"] == "是否低保"
    assert "序号" not in mapping.values()


# --- the scenario of the issue ---------------------------------------------------------------------


def test_5000_row_gbk_ledger_with_50_bad_rows(places, county_admin, tmp_path):
    rows, bad = ledger_rows(5000, bad=50)
    path = write_csv(tmp_path / "台账.csv", rows)
    result = persons_import(actor=county_admin, path=path)

    assert (result.new, result.updated, result.unchanged, result.rejected) == (4950, 0, 0, 50)
    assert {e.row for e in result.errors} == set(bad)
    by_row = {e.row: e for e in result.errors}
    expected_field = {
        "checksum": "身份证号码",
        "birth_date": "身份证号码",
        "certificate": "残疾人证号",
        "village": "所属村（社区）",
        "duplicate": "身份证号码",
    }
    for row, kind in bad.items():
        assert by_row[row].field == expected_field[kind], (row, kind, by_row[row])
        assert by_row[row].message
    duplicate_rows = [r for r, k in bad.items() if k == "duplicate"]
    assert all(str(r - 50) in by_row[r].message for r in duplicate_rows)
    assert Person.objects.count() == 4950
    assert Certificate.objects.filter(state="active").count() == 4950
    assert CertificateEvent.objects.filter(kind="imported").count() == 4950
    assert not Person.objects.filter(
        id_number__in=[rows[r - 2][4] for r, k in bad.items() if k != "duplicate"]
    )
    # The first of two rows with one ID stays.
    first = rows[duplicate_rows[0] - 52]
    assert Person.objects.get(id_number=first[4]).name == first[1]
    # Sex, birth date, pinyin, source and region come out right.
    person = Person.objects.get(id_number=rows[0][4])
    assert person.birth_date == dt.date(1950, 1, 1) and person.sex == ("M" if rows[0][2] == "男" else "F")
    assert person.source == "imported" and person.name_pinyin and person.region_code.startswith("370502")
    assert person.hukou_region_code == person.region_code
    cert = person.certificates.get()
    assert cert.valid_until == cert.issue_date.replace(year=cert.issue_date.year + 10) - dt.timedelta(days=1)
    assert HardshipStatus.objects.filter(kind="dibao", valid_to__isnull=True).count() == sum(
        1 for i, r in enumerate(rows) if r[15] == "是" and i + 2 not in bad
    )
    # One audit row for the whole import, with the counts.
    events = AuditEvent.objects.filter(event_type="person.imported")
    assert events.count() == 1
    assert events.get().new_values["new"] == 4950 and events.get().new_values["rejected"] == 50
    # The rejected rows as a workbook: 行号, the original columns, 字段, 原因.
    book = load_workbook(result.rejected_path, read_only=True)
    lines = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(lines) == 51
    assert lines[0][1:-2] == tuple(HEADER)
    assert {line[0] for line in lines[1:]} == set(bad)
    for line in lines[1:]:
        assert tuple(v or "" for v in line[1:-2]) == tuple(rows[line[0] - 2])
        assert line[-2] == by_row[line[0]].field and line[-1]


def test_strict_mode_imports_nothing(places, county_admin, tmp_path):
    rows, bad = ledger_rows(300, bad=5)
    path = write_csv(tmp_path / "l.csv", rows)
    with pytest.raises(ValidationFailed) as caught:
        persons_import(actor=county_admin, path=path, strict=True)
    assert {e.row for e in caught.value.errors} == set(bad)
    assert caught.value.code == "rows_rejected"
    assert Person.objects.count() == 0 and Certificate.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="person.imported").exists()
    # A clean file in strict mode imports.
    path = write_csv(tmp_path / "ok.csv", ledger_rows(300)[0])
    assert persons_import(actor=county_admin, path=path, strict=True).new == 300


def test_dry_run_writes_nothing_and_gives_the_same_counts(places, county_admin, tmp_path):
    rows, _bad = ledger_rows(600, bad=10)
    path = write_csv(tmp_path / "l.csv", rows)
    dry = persons_import(actor=county_admin, path=path, dry_run=True)
    assert Person.objects.count() == 0 and HardshipStatus.objects.count() == 0
    assert not AuditEvent.objects.filter(event_type="person.imported").exists()
    real = persons_import(actor=county_admin, path=path)
    assert dry.as_counts() == real.as_counts() == {"new": 590, "updated": 0, "unchanged": 0, "rejected": 10}
    # A dry run of changes counts them too, and still writes nothing.
    rows[0][10] = "13900000000"
    before = snapshot()
    dry = persons_import(actor=county_admin, path=write_csv(tmp_path / "l2.csv", rows), dry_run=True)
    assert (dry.new, dry.updated, dry.unchanged) == (0, 1, 589)
    assert snapshot() == before


def test_reimport_changes_nothing(places, county_admin, tmp_path):
    rows, _bad = ledger_rows(500)
    path = write_csv(tmp_path / "l.csv", rows)
    persons_import(actor=county_admin, path=path)
    before = snapshot()
    again = persons_import(actor=county_admin, path=path)
    assert again.as_counts() == {"new": 0, "updated": 0, "unchanged": 500, "rejected": 0}
    assert snapshot() == before  # not a single row touched (updated_at included)


def test_updated_file_updates_exactly_the_changed_people(places, county_admin, tmp_path):
    rows, _bad = ledger_rows(400)
    persons_import(actor=county_admin, path=write_csv(tmp_path / "v1.csv", rows))
    before = {p.id_number: p for p in Person.objects.all()}
    changed = {}
    rows[3][10] = "13912345678"  # phone
    changed[rows[3][4]] = "phone"
    rows[4][12] = "东营区新地址1号"  # residence
    changed[rows[4][4]] = "address"
    rows[5][14], rows[5][13] = "刘家村", "辛店街道"  # moves
    changed[rows[5][4]] = "moved"
    old_cert = Certificate.objects.get(person__id_number=rows[6][4])
    new_grade = old_cert.grade % 4 + 1
    rows[6][7] = str(new_grade)  # re-assessed: new grade, new number, later issue date
    rows[6][5] = rows[6][4] + str(old_cert.category) + str(new_grade)
    rows[6][8] = (old_cert.issue_date + dt.timedelta(days=30)).isoformat()
    changed[rows[6][4]] = "reassessed"
    rows[7][15] = "是" if rows[7][15] != "是" else "否"
    changed[rows[7][4]] = "dibao"
    rows[8][10] = ""  # an empty cell changes nothing
    if (
        rows[5][13:15] == [VILLAGES[3][0], VILLAGES[3][1]]
        and before[rows[5][4]].region_code == VILLAGES[3][2]
    ):
        pytest.skip("the generator put row 5 in 刘家村 already")
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "v2.csv", rows))
    assert (result.new, result.updated, result.unchanged, result.rejected) == (0, 5, 395, 0)
    after = {p.id_number: p for p in Person.objects.all()}
    touched = {i for i in after if after[i].updated_at != before[i].updated_at}
    assert touched == {i for i, what in changed.items() if what in ("phone", "address", "moved")}
    assert after[rows[3][4]].phone == "13912345678"
    assert after[rows[8][4]].phone == before[rows[8][4]].phone
    assert after[rows[5][4]].region_code == "370502002001"
    certs = Certificate.objects.filter(person__id_number=rows[6][4]).order_by("issue_date")
    assert [(c.state, c.grade) for c in certs] == [("superseded", old_cert.grade), ("active", new_grade)]
    event = CertificateEvent.objects.get(person__id_number=rows[6][4], kind="reassessed")
    assert event.old_values["grade"] == old_cert.grade and event.new_values["grade"] == new_grade
    statuses = HardshipStatus.objects.filter(person__id_number=rows[7][4], kind="dibao")
    if rows[7][15] == "是":
        assert statuses.get().valid_to is None and statuses.get().source == "imported"
    else:
        assert statuses.get().valid_to is not None
    # The same updated file again: nothing.
    again = persons_import(actor=county_admin, path=tmp_path / "v2.csv")
    assert (again.updated, again.unchanged) == (0, 400)


def test_hardship_yes_opens_no_ends_empty_keeps(places, county_admin, tmp_path):
    rows, _bad = ledger_rows(3)
    for row, flag in zip(rows, ("是", "是", ""), strict=True):
        row[15] = flag
    persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", rows))
    assert HardshipStatus.objects.filter(valid_to__isnull=True).count() == 2
    rows[0][15], rows[1][15] = "否", ""
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "b.csv", rows))
    assert (result.updated, result.unchanged) == (1, 2)
    ended = HardshipStatus.objects.get(person__id_number=rows[0][4])
    assert ended.valid_to is not None and ended.valid_to >= ended.valid_from
    assert HardshipStatus.objects.get(person__id_number=rows[1][4]).valid_to is None


# --- rules of single rows ----------------------------------------------------------------------------


def _one_row(changes: dict[str, str]) -> list[str]:
    row = ledger_rows(1)[0][0]
    for key, value in changes.items():
        row[HEADER.index(key)] = value
    return row


def test_every_problem_of_a_row_is_listed(places, county_admin, tmp_path):
    row = _one_row({"姓名": "", "联系电话": "12345", "发证日期": "2099-01-01", "所属村（社区）": "不存在村"})
    row[HEADER.index("性别")] = "女" if row[HEADER.index("性别")] == "男" else "男"
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", [row]))
    fields = sorted(e.field for e in result.errors)
    assert fields == sorted(["姓名", "性别", "联系电话", "发证日期", "所属村（社区）"])
    assert {e.row for e in result.errors} == {2} and result.rejected == 1


def test_legacy_ids_certificate_suffix_and_words(places, county_admin, tmp_path):
    id18 = _id("370502", dt.date(1965, 4, 3), 123)
    id15 = id18[:6] + id18[8:17]
    row = _one_row(
        {
            "身份证号码": id15,
            "残疾人证号": id18 + "42B1",
            "残疾类别": "肢体残疾",
            "残疾等级": "二级",
            "性别": "男",
        }
    )
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", [row]))
    assert result.new == 1, result.errors
    person = Person.objects.get()
    assert person.id_number == id18
    assert person.certificates.get().number == id18 + "42B1"
    assert any("15" in w.message for w in result.warnings)


def test_unknown_area_code_is_only_a_warning(places, county_admin, tmp_path):
    id_number = _id("370599", dt.date(1970, 1, 1), 11)  # no such county in stdnum's list
    row = _one_row(
        {
            "身份证号码": id_number,
            "残疾人证号": id_number + "41",
            "残疾类别": "4",
            "残疾等级": "1",
            "性别": "男",
        }
    )
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", [row]))
    assert result.new == 1 and not result.errors
    assert [w.value for w in result.warnings] == ["370599"]


def test_category_grade_from_number_alone_and_default_validity(places, county_admin, tmp_path):
    header = ["姓名", "身份证号", "残疾证号", "办证日期", "村居", "乡镇"]
    id_number = resident_id("370502", "19800101")
    path = write_csv(
        tmp_path / "a.csv",
        [["李四", id_number, id_number + "53", "20200229", "李家村", "文汇"]],
        header=header,
    )
    result = persons_import(actor=county_admin, path=path)
    assert result.new == 1, result.errors
    cert = Certificate.objects.get()
    assert (cert.category, cert.grade, cert.issue_date) == (5, 3, dt.date(2020, 2, 29))
    assert cert.valid_until == dt.date(2030, 2, 27)
    assert Person.objects.get().region_code == "370502001002"


def test_ambiguous_village_needs_the_township(places, county_admin, tmp_path):
    header = ["姓名", "身份证号", "村(社区)"]
    rows = [
        ["王五", resident_id("370502", "19700101"), "王家村"],
        ["赵六", resident_id("370502", "19700102"), "李家村委会"],
    ]
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", rows, header=header))
    assert result.new == 1 and [e.row for e in result.errors] == [2]
    assert "王家村" in result.errors[0].message
    assert Person.objects.get().region_code == "370502001002"


def test_region_code_column(places, county_admin, tmp_path):
    header = ["姓名", "身份证号", "行政区划代码"]
    rows = [
        ["王五", resident_id("370502", "19700101"), "370502002001"],
        ["赵六", resident_id("370502", "19700102"), "370505001001"],  # another county
        ["钱七", resident_id("370502", "19700103"), "3705020020"],
    ]
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", rows, header=header))
    assert result.new == 1 and [e.row for e in result.errors] == [3, 4]


# --- files, mapping -------------------------------------------------------------------------------


def test_xlsx_with_a_title_row_dates_and_serials(places, county_admin, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["东营区残疾人台账（2024年）"])
    sheet.append(
        ["姓名", "公民身份号码", "残疾人证号", "类别", "等级", "发证日期", "所属乡镇(街道)", "所属村(社区)"]
    )
    a, b = resident_id("370502", "19800101"), resident_id("370502", "19810101")
    sheet.append(["张三", a, a + "41", "肢体", "一级", dt.date(2019, 3, 5), "文汇街道", "王家村"])
    sheet.append(["李四", b, b + "22", 2, 2, 43529, "辛店街道", "刘家村"])
    sheet.append(["王二", "110101199003077777", "", "", "", "", "文汇街道", "王家村"])  # bad checksum
    path = tmp_path / "台账.xlsx"
    book.save(path)
    header = persons_import_header(path)
    assert header.header_row == 2 and header.mapping["id_number"] == "公民身份号码" and not header.missing
    result = persons_import(actor=county_admin, path=path)
    assert (result.new, result.rejected) == (2, 1)
    assert [e.row for e in result.errors] == [5]
    assert Certificate.objects.get(person__id_number=a).issue_date == dt.date(2019, 3, 5)
    assert Certificate.objects.get(person__id_number=b).issue_date == dt.date(2019, 3, 5)


def test_utf8_and_gb18030_csv(places, county_admin, tmp_path):
    rows, _ = ledger_rows(20)
    rows[0][1] = "䶮一"  # a character outside GBK, inside GB18030
    for encoding in ("utf-8-sig", "gb18030"):
        result = persons_import(
            actor=county_admin, path=write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
        )
        assert result.rejected == 0, result.errors
    assert Person.objects.get(id_number=rows[0][4]).name == "䶮一"


def test_unrecognised_column_needs_a_mapping(places, county_admin, tmp_path):
    header = ["名", "身份号", "所属村（社区）", "所属乡镇（街道）", "备注"]
    rows = [["张三", resident_id("370502", "19800101"), "王家村", "文汇街道", ""]]
    path = write_csv(tmp_path / "a.csv", rows, header=header)
    info = persons_import_header(path)
    assert info.missing == ["name", "id_number"] and "身份号" in info.unmapped_columns
    with pytest.raises(ValidationFailed) as caught:
        persons_import(actor=county_admin, path=path)
    assert caught.value.code == "missing_columns"
    with pytest.raises(ValidationFailed):
        persons_import(actor=county_admin, path=path, mapping={"name": "名", "id_number": "没有这列"})
    result = persons_import(actor=county_admin, path=path, mapping={"name": "名", "id_number": "身份号"})
    assert result.new == 1


# --- scope -------------------------------------------------------------------------------------------


def test_county_user_cannot_import_into_or_overwrite_another_county(places, county_admin, tmp_path):
    other = registered(name="外县人", region_code="370505001001")  # 垦利区
    before = snapshot()
    header = ["姓名", "身份证号", "所属乡镇(街道)", "所属村(社区)", "联系电话"]
    rows = [
        ["外县人改", other.id_number, "文汇街道", "王家村", "13700000000"],  # registered in 垦利区
        ["新人", resident_id("370505", "19900101"), "垦利街道", "陈家村", ""],  # a 垦利区 village
        ["本县人", resident_id("370502", "19900102"), "文汇街道", "王家村", ""],
    ]
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", rows, header=header))
    assert result.new == 1 and result.rejected == 2
    by_row = {e.row: e for e in result.errors}
    assert "垦利" not in by_row[2].message and "370505" not in by_row[2].message
    assert by_row[3].field == "所属乡镇(街道)"
    other.refresh_from_db()
    assert other.name == "外县人" and other.phone == ""
    assert snapshot()["certificates"] == before["certificates"]
    # Nor by naming the other county as the import's region.
    with pytest.raises(NotFound):
        persons_import(actor=county_admin, path=tmp_path / "a.csv", region_code="370505")


def test_region_option_narrows_the_scope(places, tmp_path):
    header = ["姓名", "身份证号"]
    rows = [["张三", resident_id("370502", "19800101")]]
    path = write_csv(tmp_path / "a.csv", rows, header=header)
    with pytest.raises(ValidationFailed):
        persons_import(actor=None, path=path)  # no place at all
    result = persons_import(actor=None, path=path, region_code="370502001001")
    assert result.new == 1 and Person.objects.get().region_code == "370502001001"


# --- one transaction ----------------------------------------------------------------------------------


def test_an_interrupted_import_leaves_nothing(places, county_admin, tmp_path, monkeypatch):
    rows, _ = ledger_rows(200)
    path = write_csv(tmp_path / "a.csv", rows)
    persons_import(actor=county_admin, path=write_csv(tmp_path / "first.csv", rows[:50]))
    before = snapshot()
    rows[0][10] = "13911112222"

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(importing.writing, "_write_certificates", boom)
    with pytest.raises(RuntimeError):
        persons_import(actor=county_admin, path=write_csv(path, rows))
    assert snapshot() == before
    assert AuditEvent.objects.filter(event_type="person.imported").count() == 1


# --- command, job, pages -----------------------------------------------------------------------------


def test_command_prints_counts_and_rejections_and_exits_2(places, county_admin, tmp_path, settings, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows, bad = ledger_rows(120, bad=5)
    path = write_csv(tmp_path / "a.csv", rows)
    with pytest.raises(CommandError) as caught:
        call_command("import_persons", str(path), "--user", county_admin.username)
    assert caught.value.returncode == 2
    out, err = capsys.readouterr()
    assert "115 new" in out
    for row in bad:
        assert f"row {row}" in err
    assert "rejected-rows.xlsx" in out + err
    assert Person.objects.count() == 115
    # A clean re-run of the valid rows exits normally.
    ok = write_csv(tmp_path / "ok.csv", [r for i, r in enumerate(rows) if i + 2 not in bad])
    call_command("import_persons", str(ok), "--dry-run")
    assert "0 new" in capsys.readouterr().out


def test_job_stores_counts_and_the_rejected_workbook(places, county_admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows, bad = ledger_rows(100, bad=5)
    upload = SimpleUploadedFile("台账.csv", write_csv(tmp_path / "a.csv", rows).read_bytes())
    job = job_submit(
        actor=county_admin, kind="persons.import", region_code="370502", upload=upload, enqueue=False
    )
    job = run_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["new"] == 95 and job.result["rejected"] == 5
    assert {e["row"] for e in job.result["errors"]} == {str(r) for r in bad}
    assert job.result["rejected_file"] == "rejected-rows.xlsx"
    assert (Path(job.params["path"]).parent / "rejected-rows.xlsx").exists()
    assert job.counts["new"] == 95


@pytest.mark.urls(__name__)
def test_pages_upload_map_submit_and_download(
    client, places, county_admin, make_user, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(county_admin)
    assert client.get(reverse("registry:import")).status_code == 200
    template = client.get(reverse("registry:import_template"))
    book = load_workbook(io.BytesIO(b"".join(template.streaming_content)), read_only=True)
    assert next(book.worksheets[0].iter_rows(values_only=True)) == LEDGER_TEMPLATE
    header = ["名", *HEADER[2:]]
    rows, _bad = ledger_rows(60, bad=5)
    data = write_csv(tmp_path / "a.csv", [r[1:] for r in rows], header=header).read_bytes()
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile("台账.csv", data)})
    assert response.status_code == 302 and response["Location"] == reverse("registry:import_mapping")
    page = client.get(reverse("registry:import_mapping"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "身份证号码" in body and 'name="map_name"' in body
    # Without the name column mapped the form refuses.
    response = client.post(reverse("registry:import_mapping"), {"dry_run": "", "strict": ""})
    assert response.status_code == 200 and Person.objects.count() == 0
    fields = {f"map_{k}": v for k, v in auto_mapping(header).items()}
    fields["map_name"] = "名"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import_mapping"), fields)
    assert response.status_code == 302
    job_url = response["Location"]
    assert Person.objects.count() == 55  # the immediate task backend ran the job
    page = client.get(job_url)
    assert page.status_code == 200 and "55" in page.content.decode()
    download = reverse(
        "registry:import_rejected", kwargs={"import_job_id": int(job_url.rstrip("/").split("/")[-1])}
    )
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == 6
    assert AuditEvent.objects.filter(event_type="record.exported").exists()
    # Another county's importer sees neither the job nor its rejected rows.
    client.force_login(make_user("county_admin", "370602"))
    assert client.get(job_url).status_code == 404
    assert client.get(download).status_code == 404


def test_bulk_load_rebuilds_the_keys_it_dropped(places, county_admin, tmp_path, monkeypatch):
    """A large load into an empty registry (here made "large" by lowering the bar) drops secondary
    indexes and foreign keys on PostgreSQL and rebuilds them: same schema, same data, constraints work."""
    from django.db import IntegrityError, connection, transaction

    def keys() -> list[tuple[str, ...]]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT tablename, indexname, indexdef FROM pg_indexes
                   WHERE tablename LIKE 'registry_%%' ORDER BY 1, 2"""
            )
            indexes = cursor.fetchall()
            cursor.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid::regclass::text LIKE 'registry_%%' ORDER BY 1, 2"""
            )
            return indexes + cursor.fetchall()

    before = keys()
    monkeypatch.setattr(importing.writing, "BULK_MIN_ROWS", 10)
    rows, _ = ledger_rows(300)
    result = persons_import(actor=county_admin, path=write_csv(tmp_path / "a.csv", rows))
    assert result.new == 300
    assert keys() == before
    assert Certificate.objects.filter(state="active").count() == 300
    person = Person.objects.get(id_number=rows[0][4])
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            person=person,
            number="x",
            category=1,
            grade=1,
            issue_date=dt.date(2020, 1, 1),
            valid_until=dt.date(2030, 1, 1),
        )  # a second certificate in force: refused by the rebuilt partial unique index


def test_rare_characters_of_every_cjk_extension_in_names(places, county_admin, tmp_path):
    """李𠀀 (extension B, 4 bytes in UTF-8 and GB18030), 𪚥 (B), 𫠊 (D), 𬺰 (E) and 𮯰 (I)."""
    rows, _ = ledger_rows(5)
    names = ["李𠀀", "𪚥一", "王𫠊", "赵𬺰", "钱𮯰"]
    for row, name in zip(rows, names, strict=True):
        row[1] = name
    result = persons_import(
        actor=county_admin, path=write_csv(tmp_path / "rare.csv", rows, encoding="gb18030")
    )
    assert result.rejected == 0, result.errors
    stored = dict(Person.objects.filter(id_number__in=[r[4] for r in rows]).values_list("id_number", "name"))
    assert [stored[r[4]] for r in rows] == names
    li = Person.objects.get(id_number=rows[0][4])
    assert li.name_pinyin.startswith("li")  # 𠀀 has a reading in pypinyin; one without adds nothing
    registered(name="孙𠀀𠀀", region_code="370502001001")
    assert Person.objects.filter(name="孙𠀀𠀀").exists()
