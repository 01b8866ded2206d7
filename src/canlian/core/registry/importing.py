"""Importing the ledgers staff already keep (.xlsx, .xls, .csv in UTF-8/GBK/GB18030) into the registry.

How it works (see docs/import-persons.md):

1. The file is streamed: rows are read, checked in Python with the identity rules (one pass, cheap
   per-row code, caches for names, dates, places and area codes) and the valid ones are appended to a
   temporary staging table with COPY while the server is already storing them. Nothing of the file is
   held in memory, only the rejected rows' reasons.
2. In ONE transaction, set-based SQL finds what Python cannot see row by row (an ID repeated later in
   the file, an ID registered outside the importer's scope, a certificate older than the one recorded),
   classifies every staged row against the registry (new / updated / unchanged, comparing only the
   columns the file provides) and writes people, certificates, certificate events and hardship
   statuses with INSERT … SELECT … ON CONFLICT and UPDATE … WHERE changed. One audit row per import.
3. Rejected rows come back with their row number, field and reason, and as a workbook (the original
   columns plus row, field and reason), made by a second streamed pass over the file.

Strict mode writes nothing when any row is rejected; a dry run classifies and rolls back. No model
instance is built per row anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.registry.choices import (
    CERTIFICATE_YEARS,
    CertificateEventKind,
    CertificateState,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    PersonSource,
    Sex,
)
from canlian.core.registry.identity import (
    IdError,
    area_code_known,
    check_certificate_number,
    name_keys,
    normalize_name,
    normalize_phone,
    parse_category,
    parse_certificate_number,
    parse_grade,
    parse_resident_id,
)
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    HardshipStatus,
    HouseholdMember,
    Person,
)
from canlian.platform.bulk import (
    append_rows,
    count_up_to,
    create_temp_table,
    drop_secondary_keys,
    drop_temp_table,
    is_postgres,
    restore_keys,
)
from canlian.platform.errors import PermissionDenied, RowError, ValidationFailed
from canlian.platform.progress import NullProgress, Progress
from canlian.platform.scoping import Scope, assert_in_scope, scope_of
from canlian.platform.tabular import TableStream, open_table_stream

PERMISSION = "persons.import"
#: Rows read, checked and copied per round; region names of a round are resolved in one go.
CHUNK_ROWS = 20_000
#: Rejected rows kept in ImportResult.errors (all of them go to the workbook).
MAX_ERRORS_KEPT = 100_000
REJECTED_WORKBOOK = "rejected-rows.xlsx"

_STAGE = "tmp_person_import"
_REJECTED_IDS = "tmp_person_import_rid"
_REJECTS = "tmp_person_import_rej"
_CLASSIFIED = "tmp_person_import_k"
_IDS = "tmp_person_import_ids"


# --- the importable fields and their column names --------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str | Promise
    synonyms: tuple[str, ...]
    required: bool = False


PERSON_FIELDS: tuple[ImportField, ...] = (
    ImportField("name", gettext_lazy("Name"), ("姓名", "残疾人姓名", "名字", "name"), required=True),
    ImportField(
        "id_number",
        gettext_lazy("ID number"),
        (
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "身份证",
            "身份证件号码",
            "证件号码",
            "残疾人身份证号",
            "id_number",
        ),
        required=True,
    ),
    ImportField("sex", gettext_lazy("Sex"), ("性别", "sex")),
    ImportField("ethnicity", gettext_lazy("Ethnicity"), ("民族", "ethnicity")),
    ImportField(
        "phone",
        gettext_lazy("Phone"),
        ("联系电话", "手机号", "手机号码", "电话", "手机", "联系方式", "phone"),
    ),
    ImportField(
        "certificate_number",
        gettext_lazy("Certificate number"),
        (
            "残疾人证号",
            "残疾证号",
            "残疾人证号码",
            "残疾证号码",
            "残疾人证编号",
            "证号",
            "certificate_number",
        ),
    ),
    ImportField(
        "category", gettext_lazy("Disability category"), ("残疾类别", "类别", "残疾类型", "category")
    ),
    ImportField("grade", gettext_lazy("Disability grade"), ("残疾等级", "等级", "残疾级别", "grade")),
    ImportField(
        "issue_date",
        gettext_lazy("Issued on"),
        ("发证日期", "办证日期", "首次发证日期", "发证时间", "办证时间", "issue_date"),
    ),
    ImportField(
        "valid_until",
        gettext_lazy("Valid until"),
        ("有效期至", "证件有效期", "有效期", "有效期限", "valid_until"),
    ),
    ImportField(
        "hukou_address",
        gettext_lazy("Household-registration address"),
        ("户籍地址", "户籍所在地", "户口所在地", "户籍地", "hukou_address"),
    ),
    ImportField(
        "residence_address",
        gettext_lazy("Residence address"),
        ("现住址", "居住地址", "家庭住址", "现居住地址", "住址", "家庭地址", "residence_address"),
    ),
    ImportField(
        "hukou_type",
        gettext_lazy("Hukou type"),
        ("户口性质", "户籍类型", "户口类型", "户籍性质", "hukou_type"),
    ),
    ImportField(
        "township",
        gettext_lazy("Township (street)"),
        ("所属乡镇(街道)", "乡镇(街道)", "乡镇", "街道", "所属乡镇", "所属街道", "乡镇街道", "township"),
    ),
    ImportField(
        "village",
        gettext_lazy("Village (community)"),
        (
            "所属村(社区)",
            "村(社区)",
            "村居",
            "村(居)",
            "所属村居",
            "所属村",
            "所属社区",
            "村",
            "社区",
            "village",
        ),
    ),
    ImportField(
        "region_code",
        gettext_lazy("Region code"),
        ("行政区划代码", "区划代码", "村居代码", "统计用区划代码", "region_code"),
    ),
    ImportField(
        "dibao", gettext_lazy("Minimum living guarantee (低保)"), ("是否低保", "低保", "低保户", "dibao")
    ),
    ImportField(
        "tekun", gettext_lazy("Extreme-poverty support (特困)"), ("是否特困", "特困", "特困供养", "tekun")
    ),
    ImportField(
        "low_income",
        gettext_lazy("Low-income family (低收入)"),
        ("是否低收入", "低收入", "低收入户", "low_income"),
    ),
    ImportField("orphan", gettext_lazy("Orphan"), ("是否孤儿", "孤儿", "orphan")),
)
FIELDS_BY_KEY = {f.key: f for f in PERSON_FIELDS}
#: The columns of the ledger template offered for download (any synonym above works as well).
LEDGER_TEMPLATE = (
    "序号",
    "姓名",
    "性别",
    "民族",
    "身份证号码",
    "残疾人证号",
    "残疾类别",
    "残疾等级",
    "发证日期",
    "有效期至",
    "联系电话",
    "户籍地址",
    "现住址",
    "所属乡镇（街道）",
    "所属村（社区）",
    "是否低保",
    "是否特困",
    "是否低收入",
    "是否孤儿",
)
#: Person columns a file may provide, besides name, region and the ID-derived ones.
_OPTIONAL_PERSON_TEXT = ("ethnicity", "phone", "residence_address", "hukou_address", "hukou_type")
_CERT_FIELDS = ("certificate_number", "category", "grade", "issue_date", "valid_until")
_HARDSHIP_FIELDS = {
    "dibao": HardshipKind.DIBAO,
    "tekun": HardshipKind.TEKUN,
    "low_income": HardshipKind.LOW_INCOME,
    "orphan": HardshipKind.ORPHAN,
}

_HEADER_NOISE = re.compile(r"[\s*:：'\"]")
_REMARK = re.compile(r"\([^()]*\)$")


def normalize_header(text: str) -> str:
    """Column names as staff write them: full-width brackets and letters folded (NFKC), spaces,
    asterisks and colons dropped, lower case."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower().lstrip("\ufeff")


_SYNONYMS = {normalize_header(s): f.key for f in PERSON_FIELDS for s in (*f.synonyms, f.key)}


def field_for_header(header: str) -> str | None:
    """The field a column name means, trying it also without a trailing remark ("身份证号(18位)")."""
    key = normalize_header(header)
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    stripped = _REMARK.sub("", key)
    return _SYNONYMS.get(stripped) if stripped != key else None


def auto_mapping(columns: list[str]) -> dict[str, str]:
    """field key → column, the first column that names each field."""
    mapping: dict[str, str] = {}
    for column in columns:
        key = field_for_header(column)
        if key and key not in mapping:
            mapping[key] = column
    return mapping


@dataclass
class HeaderInfo:
    """What the mapping screen shows: the file's columns, the automatic mapping, what is missing."""

    columns: list[str]
    mapping: dict[str, str]
    missing: list[str]
    unmapped_columns: list[str]
    header_row: int = 1

    @property
    def missing_labels(self) -> list[str]:
        return [str(FIELDS_BY_KEY[k].label) if k in FIELDS_BY_KEY else _region_label() for k in self.missing]


def _region_label() -> str:
    return _("Village (community) or region code")


def _missing_fields(mapping: dict[str, str], *, region_fixed: bool) -> list[str]:
    missing = [f.key for f in PERSON_FIELDS if f.required and f.key not in mapping]
    if not region_fixed and "village" not in mapping and "region_code" not in mapping:
        missing.append("region")
    return missing


def persons_import_header(path: str | Path, *, filename: str | None = None) -> HeaderInfo:
    """Read only the header of a ledger and map its columns automatically."""
    stream = open_table_stream(path, name=filename)
    columns = [c for c in stream.header if c]
    mapping = auto_mapping(columns)
    used = set(mapping.values())
    return HeaderInfo(
        columns=columns,
        mapping=mapping,
        missing=_missing_fields(mapping, region_fixed=False),
        unmapped_columns=[c for c in columns if c not in used],
        header_row=stream.header_row,
    )


def resolve_mapping(
    columns: list[str], mapping: dict[str, str] | None, *, region_fixed: bool = False
) -> dict[str, int]:
    """The automatic mapping overridden by ``mapping`` (field → column; an empty column leaves the
    field out), as field → column index. Refuses unknown fields or columns and missing required ones."""
    final = auto_mapping(columns)
    for key, column in (mapping or {}).items():
        if key not in FIELDS_BY_KEY:
            raise ValidationFailed(_("Unknown field %(field)s.") % {"field": key}, code="bad_mapping")
        if not column:
            final.pop(key, None)
        elif column not in columns:
            raise ValidationFailed(
                _("The file has no column %(column)s.") % {"column": column}, code="bad_mapping", field=key
            )
        else:
            final[key] = column
    seen: dict[str, str] = {}
    for key, column in final.items():
        if column in seen:
            raise ValidationFailed(
                _("The column %(column)s is chosen for both %(a)s and %(b)s.")
                % {"column": column, "a": FIELDS_BY_KEY[seen[column]].label, "b": FIELDS_BY_KEY[key].label},
                code="bad_mapping",
                field=key,
            )
        seen[column] = key
    missing = _missing_fields(final, region_fixed=region_fixed)
    if missing:
        labels = [str(FIELDS_BY_KEY[k].label) if k in FIELDS_BY_KEY else _region_label() for k in missing]
        raise ValidationFailed(
            _("The file needs these columns: %(fields)s.") % {"fields": ", ".join(labels)},
            code="missing_columns",
        )
    return {key: columns.index(column) for key, column in final.items()}


# --- values as ledgers write them ------------------------------------------------------------------

_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@lru_cache(maxsize=65536)
def parse_ledger_date(raw: str) -> dt.date:
    """2019-03-05, 2019/3/5, 2019.3.5, 2019年3月5日, 20190305 or an Excel serial number (43529)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    try:
        match = _DATE_YMD.match(text) or _DATE_COMPACT.match(text)
        if match:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if _EXCEL_SERIAL.match(text):
            serial = int(float(text))
            if 1 <= serial <= 2958465:
                return _EXCEL_EPOCH + dt.timedelta(days=serial)
    except ValueError:
        pass
    raise ValueError(_("Not a date (for example 2019-03-05, 2019/3/5 or 20190305)."))


_TRUE = {"是", "√", "✓", "✔", "1", "y", "yes", "true", "t", "有", "☑"}
_FALSE = {"否", "×", "✗", "✘", "0", "n", "no", "false", "f", "无", "不是", "非"}


@lru_cache(maxsize=256)
def parse_yes_no(raw: str) -> bool | None:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("Write 是 or 否 (or leave the cell empty for no change)."))


_SEX = {"男": Sex.MALE, "女": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE, "male": Sex.MALE}
_SEX.update({"female": Sex.FEMALE, "1": Sex.MALE, "2": Sex.FEMALE, "男性": Sex.MALE, "女性": Sex.FEMALE})


@lru_cache(maxsize=64)
def parse_sex(raw: str) -> str:
    sex = _SEX.get(raw.strip().lower())
    if sex is None:
        raise ValueError(_("Write 男 or 女."))
    return str(sex)


_HUKOU = {
    "农业": HukouType.AGRICULTURAL,
    "农业户口": HukouType.AGRICULTURAL,
    "农村": HukouType.AGRICULTURAL,
    "农村户口": HukouType.AGRICULTURAL,
    "非农业": HukouType.NON_AGRICULTURAL,
    "非农": HukouType.NON_AGRICULTURAL,
    "非农业户口": HukouType.NON_AGRICULTURAL,
    "城镇": HukouType.NON_AGRICULTURAL,
    "城镇户口": HukouType.NON_AGRICULTURAL,
    "居民": HukouType.RESIDENT,
    "居民户口": HukouType.RESIDENT,
    "统一居民户口": HukouType.RESIDENT,
}
_HUKOU.update({str(v): v for v in HukouType})


@lru_cache(maxsize=256)
def parse_hukou_type(raw: str) -> str:
    value = _HUKOU.get(re.sub(r"\s", "", raw))
    if value is None:
        raise ValueError(_("Unknown hukou type (农业, 非农业 or 居民)."))
    return str(value)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@lru_cache(maxsize=65536)
def default_valid_until(issue: dt.date) -> dt.date:
    """Ten years: the day before the tenth anniversary, as certificate_issue computes it."""
    return add_years(issue, CERTIFICATE_YEARS) - dt.timedelta(days=1)


@lru_cache(maxsize=32768)  # frequent names; name_keys keeps its own, larger cache
def _clean_name(raw: str) -> tuple[str, str, str]:
    name = normalize_name(raw)
    pinyin, initials = name_keys(name)
    return name, pinyin, initials


# --- places: township and village names inside the importer's scope --------------------------------

_PLACE_SUFFIXES = (
    "村民委员会",
    "居民委员会",
    "社区居委会",
    "村委会",
    "居委会",
    "委员会",
    "办事处",
    "社区",
    "街道",
    "村",
    "居",
    "镇",
    "乡",
)


def place_key(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name or ""))


def place_stem(key: str) -> str:
    """王家村委会, 王家村民委员会 and 王家村 share the stem 王家."""
    for _round in range(2):
        for suffix in _PLACE_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                break
    return key


class _Places:
    """Townships of the scope, loaded once; villages of a township loaded when first named."""

    def __init__(self, scope: Scope) -> None:
        from canlian.core.regions.models import Region

        self.scope = scope
        self.region = Region
        self.townships = self._index(Region.objects.active().filter(scope.q("code"), level=4))
        self.villages: dict[str, tuple[dict, dict]] = {}
        self.all_villages: tuple[dict, dict] | None = None
        self.codes: dict[str, bool] = {}
        self.pairs: dict[tuple[str, str], tuple[str, str | None, str]] = {}

    @staticmethod
    def _index(queryset: Any) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        exact: dict[str, list[str]] = {}
        stems: dict[str, list[str]] = {}
        for code, name in queryset.values_list("code", "name"):
            key = place_key(name)
            exact.setdefault(key, []).append(code)
            stems.setdefault(place_stem(key), []).append(code)
        return exact, stems

    @staticmethod
    def _find(index: tuple[dict, dict], name: str) -> list[str]:
        key = place_key(name)
        return index[0].get(key) or index[1].get(place_stem(key)) or []

    def prepare(self, pairs: set[tuple[str, str]], codes: set[str]) -> None:
        """Load what a round of rows names: villages of new townships, unknown region codes."""
        towns: set[str] = set()
        for town_name, village_name in pairs:
            if (town_name, village_name) in self.pairs:
                continue
            if town_name:
                towns.update(c for c in self._find(self.townships, town_name) if c not in self.villages)
            elif self.all_villages is None:
                self.all_villages = self._index(
                    self.region.objects.active().filter(self.scope.q("code"), level=5)
                )
        if towns:
            from django.db.models import Q

            by_town: dict[str, list[tuple[str, str]]] = {t: [] for t in towns}
            ordered = sorted(towns)
            for start in range(0, len(ordered), 200):  # a bounded OR per query
                query = Q()
                for town in ordered[start : start + 200]:
                    query |= Q(code__startswith=town)
                villages = self.region.objects.active().filter(query, level=5).values_list("code", "name")
                for code, name in villages:
                    by_town.setdefault(code[:9], []).append((code, name))
            for town, rows in by_town.items():
                exact: dict[str, list[str]] = {}
                stems: dict[str, list[str]] = {}
                for code, name in rows:
                    key = place_key(name)
                    exact.setdefault(key, []).append(code)
                    stems.setdefault(place_stem(key), []).append(code)
                self.villages[town] = (exact, stems)
        unknown = [c for c in codes if c not in self.codes]
        if unknown:
            found = set(
                self.region.objects.active().filter(code__in=unknown, level=5).values_list("code", flat=True)
            )
            for code in unknown:
                self.codes[code] = code in found

    def by_names(self, town_name: str, village_name: str) -> tuple[str, str | None, str]:
        """(region code or "", failing field or None, reason)."""
        pair = (town_name, village_name)
        found = self.pairs.get(pair)
        if found is None:
            found = self._by_names(town_name, village_name)
            self.pairs[pair] = found
        return found

    def _by_names(self, town_name: str, village_name: str) -> tuple[str, str | None, str]:
        if not village_name:
            return "", "village", _("The village or community is missing.")
        if town_name:
            towns = self._find(self.townships, town_name)
            if not towns:
                return (
                    "",
                    "township",
                    _("No township or street %(name)s in your region.") % {"name": town_name},
                )
            matches = [c for t in towns for c in self._find(self.villages.get(t, ({}, {})), village_name)]
        else:
            matches = self._find(self.all_villages or ({}, {}), village_name)
        if len(matches) == 1:
            return matches[0], None, ""
        if not matches:
            where = town_name or _("your region")
            return (
                "",
                "village",
                _("No village or community %(name)s in %(where)s.") % {"name": village_name, "where": where},
            )
        return (
            "",
            "village",
            _("Several villages are called %(name)s: add the township.") % {"name": village_name},
        )

    def by_code(self, raw: str) -> tuple[str, str]:
        code = re.sub(r"\s", "", raw)
        if not re.fullmatch(r"\d{12}", code):
            return "", _("A village or community code has 12 digits.")
        if not self.codes.get(code):
            return "", _("No village or community has the code %(code)s.") % {"code": code}
        if not self.scope.contains(code):
            return "", _("This region lies outside your scope.")
        return code, ""


# --- results ---------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rejected_path: str | None = None
    dry_run: bool = False
    strict: bool = False

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.rejected

    def as_counts(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


# --- the row check ---------------------------------------------------------------------------------

#: The staging table: one row per valid ledger row, text as written to the registry, dates ISO.
_STAGE_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "integer"),
    ("id_number", "varchar(18)"),
    ("name", "varchar(50)"),
    ("name_pinyin", "varchar(120)"),
    ("name_initials", "varchar(30)"),
    ("sex", "varchar(1)"),
    ("birth_date", "date"),
    ("region_code", "varchar(12)"),
    ("ethnicity", "varchar(20)"),
    ("phone", "varchar(20)"),
    ("residence_address", "varchar(200)"),
    ("hukou_address", "varchar(200)"),
    ("hukou_type", "varchar(20)"),
    ("cert_number", "varchar(22)"),
    ("category", "smallint"),
    ("grade", "smallint"),
    ("issue_date", "date"),
    ("valid_until", "date"),
    ("valid_until_eff", "date"),
    ("dibao", "smallint"),
    ("tekun", "smallint"),
    ("low_income", "smallint"),
    ("orphan", "smallint"),
]
_STAGE_NAMES = [c for c, _t in _STAGE_COLUMNS]
_NO_CERT: tuple[Any, ...] = (None, None, None, None, None, None)
_CERT_SPACES = re.compile(r"[\s\u3000-]")


class _RowChecker:
    """Checks one ledger row at a time; every problem of a row is reported, not only the first.

    Built for a million rows: rows are padded once so that every field is a plain index (a missing
    column reads the extra empty cell), values that repeat (names, dates, words, places, area codes)
    are parsed once, and the common shapes (a mobile number, a certificate number equal to ID +
    category + grade) are accepted without the general parser."""

    def __init__(self, *, columns: list[str], index: dict[str, int], places: _Places, fixed_region: str):
        self.columns = columns
        self.index = index
        self.places = places
        self.fixed_region = fixed_region
        self.today = timezone.localdate()
        self.width = len(columns)
        self.at = {f.key: index.get(f.key, self.width) for f in PERSON_FIELDS}
        self.area_codes: dict[str, list[int]] = {}  # unknown area code → [first row, rows]
        self.area_known: dict[str, bool] = {}
        self.converted_15 = [0, 0]  # [first row, count]
        self.has_cert = any(k in index for k in _CERT_FIELDS)
        self.by_names = "village" in index and not fixed_region
        self.dates: dict[str, tuple[dt.date, str]] = {}
        self.valid_defaults: dict[dt.date, str] = {}
        self.labels = {f.key: self.label(f.key) for f in PERSON_FIELDS}

    def label(self, key: str) -> str:
        """A field as the user knows it: their own column name, else the field's label."""
        if key in self.index:
            return self.columns[self.index[key]]
        if key == "region":
            return _region_label()
        return str(FIELDS_BY_KEY[key].label)

    def pad(self, row: list[str]) -> list[str]:
        """Exactly one cell per column, plus the empty cell that missing fields read."""
        width = self.width
        n = len(row)
        if n == width:
            row.append("")
        elif n < width:
            row.extend([""] * (width + 1 - n))
        else:
            del row[width:]
            row.append("")
        return row

    def region_keys(self, row: list[str]) -> tuple[tuple[str, str] | None, str | None]:
        """What a (padded) row names as its place: a region code, or township and village names."""
        code = row[self.at["region_code"]]
        if code:
            return None, code.replace(" ", "")
        if not self.by_names:
            return None, None
        return (row[self.at["township"]], row[self.at["village"]]), None

    def _fail(
        self, errors: list[RowError] | None, number: int, key: str, message: Any, value: str = ""
    ) -> list:
        errors = errors if errors is not None else []
        errors.append(RowError(number, self.labels[key], str(message), value or None))
        return errors

    def _date(self, raw: str) -> tuple[dt.date, str]:
        found = self.dates.get(raw)
        if found is None:
            day = parse_ledger_date(raw)  # raises ValueError
            found = self.dates[raw] = (day, day.isoformat())
        return found

    def check(self, number: int, row: list[str]) -> tuple[tuple[Any, ...] | None, list[RowError] | None, str]:
        """(staged row or None, errors or None, the ID number if it could be read). ``row`` is padded."""
        at = self.at
        errors: list[RowError] | None = None
        fail = self._fail
        # Name.
        raw_name = row[at["name"]]
        try:
            name, pinyin, initials = _clean_name(raw_name)
        except ValueError as exc:
            errors = fail(errors, number, "name", exc, raw_name)
            name = pinyin = initials = ""
        # ID number: checksum and birth date are hard rules; the place is checked once per area code.
        raw_id = row[at["id_number"]]
        id_number = sex = birth_iso = ""
        birth = None
        try:
            rid = parse_resident_id(raw_id, today=self.today)
        except IdError as exc:
            errors = fail(errors, number, "id_number", exc, raw_id)
        else:
            id_number, sex, birth = rid.number, rid.sex, rid.birth_date
            birth_iso = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
            area = id_number[:6]
            known = self.area_known.get(area)
            if known is None:
                known = self.area_known[area] = area_code_known(area)
            if not known:
                self.area_codes.setdefault(area, [number, 0])[1] += 1
            if rid.converted_from_15:
                if not self.converted_15[1]:
                    self.converted_15[0] = number
                self.converted_15[1] += 1
        raw_sex = row[at["sex"]]
        if raw_sex:
            try:
                given = parse_sex(raw_sex)
            except ValueError as exc:
                errors = fail(errors, number, "sex", exc, raw_sex)
            else:
                if sex and given != sex:
                    errors = fail(
                        errors,
                        number,
                        "sex",
                        _("The sex does not match the ID number (%(sex)s).") % {"sex": Sex(sex).label},
                        raw_sex,
                    )
        # Region.
        region = ""
        raw_code = row[at["region_code"]]
        if raw_code:
            region, reason = self.places.by_code(raw_code)
            if reason:
                errors = fail(errors, number, "region_code", reason, raw_code)
        elif self.fixed_region:
            region = self.fixed_region
        elif self.by_names:
            region, key, reason = self.places.by_names(row[at["township"]], row[at["village"]])
            if key:
                errors = fail(errors, number, key, reason, row[at[key]])
        else:
            errors = fail(errors, number, "region_code", _("The region code is missing."))
        # Optional person columns: None when the cell is empty (the registry keeps its value).
        ethnicity = row[at["ethnicity"]] or None
        if ethnicity and len(ethnicity) > 20:
            errors = fail(
                errors, number, "ethnicity", _("Longer than %(n)s characters.") % {"n": 20}, ethnicity
            )
        phone = row[at["phone"]] or None
        if phone and not (len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789" and phone.isdigit()):
            try:
                phone = normalize_phone(phone) or None
            except ValueError as exc:
                errors = fail(errors, number, "phone", exc, phone)
        residence = row[at["residence_address"]] or None
        if residence and len(residence) > 200:
            errors = fail(
                errors, number, "residence_address", _("Longer than %(n)s characters.") % {"n": 200}
            )
        hukou_address = row[at["hukou_address"]] or None
        if hukou_address and len(hukou_address) > 200:
            errors = fail(errors, number, "hukou_address", _("Longer than %(n)s characters.") % {"n": 200})
        hukou_type = row[at["hukou_type"]] or None
        if hukou_type:
            try:
                hukou_type = parse_hukou_type(hukou_type)
            except ValueError as exc:
                errors = fail(errors, number, "hukou_type", exc, hukou_type)
        # Certificate.
        cert: tuple[Any, ...] = _NO_CERT
        if self.has_cert:
            cert, errors = self._certificate(row, number, id_number, birth, errors)
        # Hardship statuses: 是 1, 否 0, empty None.
        flags = []
        for key in _HARDSHIP_FIELDS:
            raw = row[at[key]]
            if not raw:
                flags.append(None)
                continue
            try:
                flag = parse_yes_no(raw)
            except ValueError as exc:
                errors = fail(errors, number, key, exc, raw)
                flag = None
            flags.append(None if flag is None else int(flag))
        if errors is not None:
            return None, errors, id_number
        return (
            (
                number,
                id_number,
                name,
                pinyin,
                initials,
                sex,
                birth_iso,
                region,
                ethnicity,
                phone,
                residence,
                hukou_address,
                hukou_type,
                *cert,
                *flags,
            ),
            None,
            id_number,
        )

    def _certificate(
        self, row: list[str], number: int, id_number: str, birth: Any, errors: list[RowError] | None
    ) -> tuple[tuple[Any, ...], list[RowError] | None]:
        at = self.at
        raw_number, raw_cat, raw_grade = row[at["certificate_number"]], row[at["category"]], row[at["grade"]]
        raw_issue, raw_valid = row[at["issue_date"]], row[at["valid_until"]]
        if not (raw_number or raw_cat or raw_grade or raw_issue or raw_valid):
            return _NO_CERT, errors
        fail = self._fail
        before = len(errors) if errors else 0
        category = grade = None
        if raw_cat:
            try:
                category = parse_category(raw_cat)
            except ValueError as exc:
                errors = fail(errors, number, "category", exc, raw_cat)
        if raw_grade:
            try:
                grade = parse_grade(raw_grade)
            except ValueError as exc:
                errors = fail(errors, number, "grade", exc, raw_grade)
        cert_number = ""
        if raw_number:
            if id_number and category and grade and raw_number == f"{id_number}{category}{grade}":
                cert_number = raw_number  # the common case, checked without the parser
            else:
                cert_number = _CERT_SPACES.sub("", raw_number).upper()
                try:
                    parsed = parse_certificate_number(cert_number)
                    # Without category or grade columns the number's digits are the record.
                    category = parsed.category if category is None and not raw_cat else category
                    grade = parsed.grade if grade is None and not raw_grade else grade
                    if id_number and category and grade:
                        check_certificate_number(
                            cert_number, id_number=id_number, category=category, grade=grade
                        )
                except ValueError as exc:
                    errors = fail(errors, number, "certificate_number", exc, raw_number)
        if category is None and not raw_cat and not raw_number:
            errors = fail(errors, number, "category", _("The disability category is missing."))
        if grade is None and not raw_grade and not raw_number:
            errors = fail(errors, number, "grade", _("The disability grade is missing."))
        issue = issue_iso = None
        if not raw_issue:
            errors = fail(errors, number, "issue_date", _("The issue date is missing."))
        else:
            try:
                issue, issue_iso = self._date(raw_issue)
            except ValueError as exc:
                errors = fail(errors, number, "issue_date", exc, raw_issue)
            else:
                if issue > self.today:
                    errors = fail(
                        errors, number, "issue_date", _("The issue date cannot be in the future."), raw_issue
                    )
                elif birth and issue < birth:
                    errors = fail(
                        errors,
                        number,
                        "issue_date",
                        _("The issue date is before the holder's birth."),
                        raw_issue,
                    )
        valid_iso = None
        if raw_valid:
            try:
                valid, valid_iso = self._date(raw_valid)
            except ValueError as exc:
                errors = fail(errors, number, "valid_until", exc, raw_valid)
            else:
                if issue is not None and valid < issue:
                    errors = fail(
                        errors,
                        number,
                        "valid_until",
                        _("The certificate cannot expire before it is issued."),
                        raw_valid,
                    )
        if (errors and len(errors) > before) or not id_number or issue is None:
            return _NO_CERT, errors
        valid_eff = valid_iso or self.valid_defaults.get(issue)
        if valid_eff is None:
            valid_eff = self.valid_defaults[issue] = default_valid_until(issue).isoformat()
        cert_number = cert_number or f"{id_number}{category}{grade}"
        return (cert_number, category, grade, issue_iso, valid_iso, valid_eff), errors

    def warnings(self) -> list[RowError]:
        out = []
        label = self.label("id_number")
        for area, (first, count) in sorted(self.area_codes.items(), key=lambda item: item[1][0]):
            out.append(
                RowError(
                    first,
                    label,
                    _(
                        "The area code %(area)s is not in the national list (%(count)s rows); "
                        "accepted, as codes are abolished and renamed."
                    )
                    % {"area": area, "count": count},
                    area,
                )
            )
        if self.converted_15[1]:
            out.append(
                RowError(
                    self.converted_15[0],
                    label,
                    _("%(count)s old 15-digit ID numbers were converted to 18 digits.")
                    % {"count": self.converted_15[1]},
                )
            )
        return out


# --- the import --------------------------------------------------------------------------------------


def _import_scope(actor: Any, region_code: str | None) -> Scope:
    if actor is not None and not actor.has_canlian_perm(PERMISSION):
        raise PermissionDenied()
    if region_code:
        from canlian.core.regions.models import Region

        if actor is not None:
            assert_in_scope(actor, PERMISSION, region_code)
        if not Region.objects.filter(code=region_code).exists():
            raise ValidationFailed(
                _("No region has the code %(code)s.") % {"code": region_code}, field="region_code"
            )
        return Scope.of([region_code])
    if actor is None:
        return Scope.all()
    return scope_of(actor, PERMISSION)


def _scope_code(scope: Scope) -> str:
    if scope.everything or not scope.prefixes:
        return ""
    return min(scope.prefixes, key=len) if len(scope.prefixes) == 1 else ""


class _Rejections:
    """The rejected rows' reasons by row number (the only per-row state the import keeps)."""

    def __init__(self) -> None:
        self.by_row: dict[int, list[RowError]] = {}
        self.ids: dict[str, int] = {}  # ID number of a rejected row → its first row

    def add(self, number: int, errors: list[RowError], id_number: str = "") -> None:
        self.by_row.setdefault(number, []).extend(errors)
        if id_number and id_number not in self.ids:
            self.ids[id_number] = number

    def __len__(self) -> int:
        return len(self.by_row)

    def errors(self) -> list[RowError]:
        out: list[RowError] = []
        for number in sorted(self.by_row):
            out.extend(self.by_row[number])
            if len(out) >= MAX_ERRORS_KEPT:
                break
        return out


def _read_and_stage(
    stream: TableStream, checker: _RowChecker, places: _Places, rejections: _Rejections, progress: Progress
) -> int:
    """Stream the file: check each round of rows and COPY the valid ones into the staging table."""
    if is_postgres():
        # Room for the staging tables in memory; possible only before a session's first temp table.
        try:
            with transaction.atomic():
                _execute("SET temp_buffers = '256MB'")
        except DatabaseError:
            pass
    create_temp_table(_STAGE, _STAGE_COLUMNS)
    rows = stream.rows()
    staged = 0
    duplicate_label = checker.label("id_number")
    while True:
        chunk = list(islice(rows, CHUNK_ROWS))
        if not chunk:
            break
        pairs: set[tuple[str, str]] = set()
        codes: set[str] = set()
        pad = checker.pad
        for _number, row in chunk:
            pair, code = checker.region_keys(pad(row))
            if pair is not None:
                pairs.add(pair)
            elif code:
                codes.add(code)
        places.prepare(pairs, codes)
        counter = [0]

        def valid_rows(chunk: list[tuple[int, list[str]]] = chunk, counter: list[int] = counter) -> Iterator:
            check = checker.check
            for number, row in chunk:
                staged_row, errors, id_number = check(number, row)
                if staged_row is not None:
                    counter[0] += 1
                    yield staged_row
                    continue
                errors = errors or []
                first = rejections.ids.get(id_number) if id_number else None
                if first is not None:
                    errors.append(
                        RowError(
                            number,
                            duplicate_label,
                            _("The ID number is already on row %(row)s of this file.") % {"row": first},
                            id_number,
                        )
                    )
                rejections.add(number, errors, id_number)

        if is_postgres():
            append_rows(_STAGE, _STAGE_NAMES, valid_rows())
        else:
            with transaction.atomic():
                append_rows(_STAGE, _STAGE_NAMES, valid_rows())
        staged += counter[0]
        progress.advance(len(chunk))
    return staged


def _fetch(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _scope_predicate(scope: Scope, column: str) -> tuple[str, list[str]]:
    """SQL true when ``column`` lies in the scope (prefix matches)."""
    if scope.everything:
        return "1 = 1", []
    if not scope.prefixes:
        return "1 = 0", []
    prefixes = sorted(scope.prefixes)
    return "(" + " OR ".join(f"{column} LIKE %s" for _p in prefixes) + ")", [p + "%" for p in prefixes]


def _reject_in_sql(*, scope: Scope, checker: _RowChecker, rejections: _Rejections, stage_empty: bool) -> None:
    """What only the whole file and the registry can tell: repeated IDs, IDs registered outside the
    importer's scope, certificates older than the one recorded. Rejected rows leave the staging table."""
    P, C = Person._meta.db_table, Certificate._meta.db_table
    create_temp_table(_REJECTED_IDS, [("id_number", "varchar(18)"), ("row_no", "integer")])
    if rejections.ids:
        append_rows(_REJECTED_IDS, ["id_number", "row_no"], list(rejections.ids.items()))
    create_temp_table(_REJECTS, [("row_no", "integer"), ("kind", "varchar(16)"), ("other_row", "integer")])
    if stage_empty:
        return
    id_label = checker.label("id_number")
    # An ID repeated later in the file: the first row stays, whether it was valid or not.
    all_ids = (
        f"(SELECT id_number, row_no FROM {_STAGE} UNION ALL SELECT id_number, row_no FROM {_REJECTED_IDS})"
        if rejections.ids
        else _STAGE
    )
    _execute(
        f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
            SELECT s.row_no, 'duplicate', f.first_row FROM {_STAGE} s
            JOIN (SELECT id_number, MIN(row_no) AS first_row FROM {all_ids} a
                  GROUP BY id_number HAVING COUNT(*) > 1) f ON f.id_number = s.id_number
            WHERE s.row_no > f.first_row"""
    )
    # A rejected row whose ID is on an earlier valid row: one more reason for it.
    if rejections.ids:
        for row_no, first in _fetch(
            f"""SELECT r.row_no, MIN(s.row_no) FROM {_REJECTED_IDS} r
                JOIN {_STAGE} s ON s.id_number = r.id_number AND s.row_no < r.row_no GROUP BY r.row_no"""
        ):
            rejections.add(
                row_no,
                [
                    RowError(
                        row_no,
                        id_label,
                        _("The ID number is already on row %(row)s of this file.") % {"row": first},
                    )
                ],
            )
    # Registered outside the importer's scope: refused without a word about where.
    if not scope.everything:
        predicate, params = _scope_predicate(scope, "p.region_code")
        _execute(
            f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
                SELECT s.row_no, 'scope', NULL FROM {_STAGE} s JOIN {P} p ON p.id_number = s.id_number
                WHERE NOT {predicate} AND s.row_no NOT IN (SELECT row_no FROM {_REJECTS})""",
            params,
        )
    # A certificate older than the one in force, and not one we know: the ledger is behind.
    if checker.has_cert:
        _execute(
            f"""INSERT INTO {_REJECTS} (row_no, kind, other_row)
                SELECT s.row_no, 'stale', NULL FROM {_STAGE} s
                JOIN {P} p ON p.id_number = s.id_number
                JOIN {C} c ON c.person_id = p.id AND c.state = 'active'
                WHERE s.issue_date < c.issue_date
                  AND NOT EXISTS (SELECT 1 FROM {C} x WHERE x.number = s.cert_number AND x.issue_date = s.issue_date)
                  AND s.row_no NOT IN (SELECT row_no FROM {_REJECTS})"""
        )
    found = _fetch(f"SELECT row_no, kind, other_row FROM {_REJECTS} ORDER BY row_no")
    if not found:
        return
    messages = {
        "scope": (id_label, _("This ID number is already registered and cannot be imported here.")),
        "stale": (
            checker.label("issue_date"),
            _("The registry holds a newer certificate for this person than the one on this row."),
        ),
    }
    for row_no, kind, other in found:
        if kind == "duplicate":
            field_label, message = (
                id_label,
                _("The ID number is already on row %(row)s of this file.") % {"row": other},
            )
        else:
            field_label, message = messages[kind]
        rejections.add(row_no, [RowError(row_no, field_label, str(message))])
    _execute(f"DELETE FROM {_STAGE} WHERE row_no IN (SELECT row_no FROM {_REJECTS})")


def _json_object(pairs: list[tuple[str, str]]) -> str:
    func = "jsonb_build_object" if is_postgres() else "json_object"
    return f"{func}(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"


def _classify(index: dict[str, int], today: dt.date) -> str:
    """One statement: each staged row against its person, certificate in force and statuses.
    Returns the SQL condition of a changed row."""
    P, C, H = Person._meta.db_table, Certificate._meta.db_table, HardshipStatus._meta.db_table
    person_changes = ["p.name <> s.name", "p.region_code <> s.region_code"]
    for key in _OPTIONAL_PERSON_TEXT:
        if key in index:
            person_changes.append(f"(s.{key} IS NOT NULL AND p.{key} <> s.{key})")
    hardship_cols = []
    hardship_changes = []
    for key, kind in _HARDSHIP_FIELDS.items():
        if key not in index:
            hardship_cols.append(f"0 AS {key}_change")
            continue
        open_exists = f"EXISTS (SELECT 1 FROM {H} h WHERE h.person_id = p.id AND h.kind = '{kind}' AND h.valid_to IS NULL)"
        blocked = (
            f"EXISTS (SELECT 1 FROM {H} h WHERE h.person_id = p.id AND h.kind = '{kind}' "
            f"AND (h.valid_to IS NULL OR h.valid_to >= %(today)s))"
        )
        expr = (
            f"CASE WHEN s.{key} = 1 AND (p.id IS NULL OR NOT {blocked}) THEN 1 "
            f"WHEN s.{key} = 0 AND p.id IS NOT NULL AND {open_exists} THEN 1 ELSE 0 END"
        )
        hardship_cols.append(f"{expr} AS {key}_change")
        hardship_changes.append(f"{key}_change")
    known = f"EXISTS (SELECT 1 FROM {C} x WHERE x.number = s.cert_number AND x.issue_date = s.issue_date)"
    cert_action = f"""CASE
        WHEN s.cert_number IS NULL THEN 'none'
        WHEN c.id IS NULL THEN CASE WHEN p.id IS NOT NULL AND {known} THEN 'none' ELSE 'new' END
        WHEN c.number = s.cert_number AND c.issue_date = s.issue_date THEN
            CASE WHEN s.valid_until IS NOT NULL AND c.valid_until <> s.valid_until THEN 'update' ELSE 'none' END
        WHEN {known} THEN 'none'
        ELSE 'supersede' END"""
    event_kind = f"""CASE
        WHEN c.id IS NULL THEN '{CertificateEventKind.IMPORTED}'
        WHEN c.category <> s.category OR c.grade <> s.grade THEN '{CertificateEventKind.REASSESSED}'
        WHEN c.issue_date = s.issue_date THEN '{CertificateEventKind.REISSUED}'
        ELSE '{CertificateEventKind.RENEWED}' END"""
    drop_temp_table(_CLASSIFIED)
    _execute(
        f"""CREATE TEMPORARY TABLE {_CLASSIFIED} AS
            SELECT s.*, p.id AS person_id,
              CASE WHEN p.id IS NULL THEN 1 ELSE 0 END AS is_new,
              CASE WHEN p.id IS NOT NULL AND ({" OR ".join(person_changes)}) THEN 1 ELSE 0 END AS person_changed,
              c.id AS cert_id,
              {cert_action} AS cert_action,
              {event_kind} AS event_kind,
              {", ".join(hardship_cols)}
            FROM {_STAGE} s
            LEFT JOIN {P} p ON p.id_number = s.id_number
            LEFT JOIN {C} c ON c.person_id = p.id AND c.state = 'active'""",
        {"today": today},
    )
    if is_postgres():
        _execute(f"ANALYZE {_CLASSIFIED} (person_id, id_number, cert_action, cert_id)")
    changed = ["person_changed = 1", "cert_action <> 'none'", *[f"{h} = 1" for h in hardship_changes]]
    return " OR ".join(changed)


def _counts(changed_sql: str) -> tuple[int, int, int]:
    new, updated, total = _fetch(
        f"""SELECT COALESCE(SUM(is_new), 0),
                   COALESCE(SUM(CASE WHEN is_new = 0 AND ({changed_sql}) THEN 1 ELSE 0 END), 0),
                   COUNT(*) FROM {_CLASSIFIED}"""
    )[0]
    return int(new), int(updated), int(total) - int(new) - int(updated)


#: A load of at least this many new people into a table holding fewer rebuilds the indexes afterwards.
BULK_MIN_ROWS = 50_000


def _write(*, index: dict[str, int], actor: Any, note: str, today: dt.date, new: int) -> None:
    """The set-based writes, in the caller's transaction.

    A large load into a (nearly) empty registry on PostgreSQL drops the secondary indexes and foreign
    keys of the tables it fills and rebuilds them at the end (faster than maintaining them row by
    row); the DDL locks those tables until the import commits."""
    P, C = Person._meta.db_table, Certificate._meta.db_table
    E, H = CertificateEvent._meta.db_table, HardshipStatus._meta.db_table
    restore: list[str] = []
    if is_postgres() and new >= BULK_MIN_ROWS and count_up_to(P, new) < new:
        restore = drop_secondary_keys([P, C, E, H], keep_unique=[(P, "id_number")])
    _write_rows(index=index, actor=actor, note=note, today=today)
    if restore:
        restore_keys(restore, analyze=[P, C, E, H])


def _write_rows(*, index: dict[str, int], actor: Any, note: str, today: dt.date) -> None:
    P, C = Person._meta.db_table, Certificate._meta.db_table
    E, H = CertificateEvent._meta.db_table, HardshipStatus._meta.db_table
    now = timezone.now()
    params: dict[str, Any] = {"now": now, "today": today}
    # People: new ones inserted, changed ones updated (only the columns the file provides, never
    # blanking a value with an empty cell).
    optional = [k for k in _OPTIONAL_PERSON_TEXT if k in index]
    sets = [
        "name = excluded.name",
        "name_pinyin = excluded.name_pinyin",
        "name_initials = excluded.name_initials",
        "region_code = excluded.region_code",
    ]
    where = [f"{P}.name <> excluded.name", f"{P}.region_code <> excluded.region_code"]
    for key in optional:
        sets.append(f"{key} = CASE WHEN excluded.{key} <> '' THEN excluded.{key} ELSE {P}.{key} END")
        where.append(f"(excluded.{key} <> '' AND excluded.{key} <> {P}.{key})")
    sets.append("updated_at = excluded.updated_at")
    upsert = f"""INSERT INTO {P} (name, name_pinyin, name_initials, id_number, sex, birth_date, ethnicity,
                phone, region_code, residence_address, hukou_region_code, hukou_address, hukou_type, life_status,
                life_status_date, source, created_at, updated_at)
            SELECT name, name_pinyin, name_initials, id_number, sex, birth_date, COALESCE(ethnicity, ''),
                COALESCE(phone, ''), region_code, COALESCE(residence_address, ''), region_code,
                COALESCE(hukou_address, ''), COALESCE(hukou_type, ''), '{LifeStatus.LIVING}', NULL,
                '{PersonSource.IMPORTED}', %(now)s, %(now)s
            FROM {_CLASSIFIED} WHERE is_new = 1 OR person_changed = 1
            ON CONFLICT (id_number) DO UPDATE SET {", ".join(sets)}
            WHERE {" OR ".join(where)}"""
    if is_postgres():
        # The new people's ids come back from the insert: later statements join this narrow table
        # instead of the whole registry.
        create_temp_table(_IDS, [("id", "bigint"), ("id_number", "varchar(18)")])
        _execute(
            f"WITH up AS ({upsert} RETURNING id, id_number) INSERT INTO {_IDS} SELECT id, id_number FROM up",
            params,
        )
        _execute(f"ANALYZE {_IDS}")
        persons = (
            f"{_CLASSIFIED} k LEFT JOIN {_IDS} n ON n.id_number = k.id_number",
            "COALESCE(k.person_id, n.id)",
        )
    else:
        _execute(upsert, params)
        persons = (f"{_CLASSIFIED} k JOIN {P} p ON p.id_number = k.id_number", "p.id")
    if any(k in index for k in _CERT_FIELDS):
        _write_certificates(P, C, E, params, actor=actor, note=note, persons=persons)
    for key, kind in _HARDSHIP_FIELDS.items():
        if key not in index:
            continue
        # 否 ends an open status as of the day before; 是 opens one if none is open.
        _execute(
            f"""UPDATE {H} SET valid_to = CASE WHEN valid_from > %(yesterday)s THEN valid_from ELSE %(yesterday)s END
                WHERE kind = %(kind)s AND valid_to IS NULL AND person_id IN (
                    SELECT person_id FROM {_CLASSIFIED} WHERE {key} = 0 AND {key}_change = 1)""",
            {"yesterday": today - dt.timedelta(days=1), "kind": str(kind)},
        )
        _execute(
            f"""INSERT INTO {H} (person_id, kind, monitored_type, risk_cause, valid_from, valid_to, source,
                    note, created_at)
                SELECT {persons[1]}, %(kind)s, '', '', %(today)s, NULL, '{HardshipSource.IMPORTED}', %(note)s,
                    %(now)s
                FROM {persons[0]}
                WHERE k.{key} = 1 AND k.{key}_change = 1""",
            {**params, "kind": str(kind), "note": note[:200]},
        )


def _write_certificates(
    P: str, C: str, E: str, params: dict[str, Any], *, actor: Any, note: str, persons: tuple[str, str]
) -> None:
    """Certificates in force, replaced ones and their events. ``persons`` is the FROM clause giving
    each classified row ``k`` its person, and the SQL of that person's id."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    values = [
        ("number", "c.number"),
        ("category", "c.category"),
        ("grade", "c.grade"),
        ("issue_date", "c.issue_date"),
        ("valid_until", "c.valid_until"),
        ("state", "c.state"),
    ]
    old_values = _json_object([(k, v.replace("c.", "o.")) for k, v in values])
    # A corrected validity on the certificate in force: its event, then the change.
    _execute(
        f"""INSERT INTO {E} (person_id, certificate_id, kind, "on", old_values, new_values, note, actor_id,
                created_at)
            SELECT k.person_id, k.cert_id, '{CertificateEventKind.UPDATED}', %(today)s,
                {_json_object([("valid_until", "c.valid_until")])}, {_json_object([("valid_until", "k.valid_until")])},
                %(note)s, %(actor)s, %(now)s
            FROM {_CLASSIFIED} k JOIN {C} c ON c.id = k.cert_id WHERE k.cert_action = 'update'""",
        {**params, "note": note[:200], "actor": actor_id},
    )
    _execute(
        f"""UPDATE {C} SET valid_until = (SELECT k.valid_until FROM {_CLASSIFIED} k WHERE k.cert_id = {C}.id),
                updated_at = %(now)s
            WHERE id IN (SELECT cert_id FROM {_CLASSIFIED} WHERE cert_action = 'update')""",
        params,
    )
    # A different certificate replaces the one in force (re-assessment, renewal, re-issue).
    _execute(
        f"""UPDATE {C} SET state = '{CertificateState.SUPERSEDED}', updated_at = %(now)s,
                superseded_on = (SELECT MIN(k.issue_date) FROM {_CLASSIFIED} k
                                 WHERE k.cert_id = {C}.id AND k.cert_action = 'supersede')
            WHERE state = '{CertificateState.ACTIVE}'
              AND id IN (SELECT cert_id FROM {_CLASSIFIED} WHERE cert_action = 'supersede')""",
        params,
    )
    insert_certs = f"""INSERT INTO {C} (person_id, number, category, grade, issue_date, valid_until, state,
                cancelled_on, cancel_reason, cancel_note, created_at, updated_at)
            SELECT {persons[1]}, k.cert_number, k.category, k.grade, k.issue_date, k.valid_until_eff,
                '{CertificateState.ACTIVE}', NULL, '', '', %(now)s, %(now)s
            FROM {persons[0]}
            WHERE k.cert_action IN ({{actions}})"""
    insert_events = f"""INSERT INTO {E} (person_id, certificate_id, kind, "on", old_values, new_values, note,
                actor_id, created_at)"""
    event_params = {**params, "note": note[:200], "actor": actor_id}
    if is_postgres():
        # New certificates and their "imported" events in one statement, without joining back.
        _execute(
            f"""WITH ins AS ({insert_certs.format(actions="'new'")} RETURNING id, person_id)
                {insert_events}
                SELECT person_id, id, '{CertificateEventKind.IMPORTED}', %(today)s, NULL, NULL, %(note)s,
                    %(actor)s, %(now)s FROM ins""",
            event_params,
        )
        actions = "'supersede'"
    else:
        actions = "'new', 'supersede'"
    _execute(insert_certs.format(actions=actions), params)
    _execute(
        f"""{insert_events}
            SELECT c.person_id, c.id, k.event_kind,
                CASE WHEN k.cert_action = 'new' THEN %(today)s ELSE k.issue_date END,
                CASE WHEN k.cert_action = 'new' THEN NULL ELSE {old_values} END,
                CASE WHEN k.cert_action = 'new' THEN NULL ELSE {_json_object(values)} END,
                %(note)s, %(actor)s, %(now)s
            FROM {_CLASSIFIED} k JOIN {C} c ON c.number = k.cert_number AND c.issue_date = k.issue_date
            LEFT JOIN {C} o ON o.id = k.cert_id
            WHERE k.cert_action IN ({actions})""",
        event_params,
    )


def _refresh_households(index: dict[str, int]) -> None:
    """Household flags depend on certificates in force and orphan statuses: refresh the touched ones."""
    from canlian.core.registry.actions import households_refresh_flags

    if "orphan" not in index and not any(k in index for k in _CERT_FIELDS):
        return
    M = HouseholdMember._meta.db_table
    orphan = "OR k.orphan_change = 1" if "orphan" in index else ""
    ids = [
        row[0]
        for row in _fetch(
            f"""SELECT DISTINCT m.household_id FROM {M} m JOIN {_CLASSIFIED} k ON k.person_id = m.person_id
                WHERE k.cert_action <> 'none' {orphan}"""
        )
    ]
    for start in range(0, len(ids), 5000):
        households_refresh_flags(household_ids=ids[start : start + 5000])


def persons_import(
    *,
    actor: Any,
    path: str | Path,
    filename: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    strict: bool = False,
    region_code: str | None = None,
    progress: Progress | None = None,
    rejected_dir: str | Path | None = None,
) -> ImportResult:
    """Import a ledger of people (and their certificates and hardship statuses).

    Valid rows are written, every rejected row is reported with its row number, field and reason (and
    in a workbook next to the file, or in ``rejected_dir``). ``strict``: nothing is written if any row
    is rejected (ValidationFailed). ``dry_run``: the counts, and nothing written. ``region_code``
    narrows the importer's scope (the rows' villages are looked up inside it).
    """
    progress = progress or NullProgress()
    path = Path(path)
    filename = filename or path.name
    scope = _import_scope(actor, region_code)
    stream = open_table_stream(path, name=filename)
    columns = stream.header
    fixed_region = region_code if region_code and len(region_code) == 12 else ""
    index = resolve_mapping(columns, mapping, region_fixed=bool(fixed_region))
    if "village" in index or "region_code" in index:
        fixed_region = ""  # the file names the places; they are looked up inside the scope
    places = _Places(scope)
    checker = _RowChecker(columns=columns, index=index, places=places, fixed_region=fixed_region)
    rejections = _Rejections()
    result = ImportResult(dry_run=dry_run, strict=strict)
    today = checker.today
    note = _("Imported from %(file)s") % {"file": filename}
    progress.start(stream.estimated_rows(), _("Checking rows"))
    try:
        staged = _read_and_stage(stream, checker, places, rejections, progress)
        result.warnings = checker.warnings()
        for warning in result.warnings:
            progress.log(str(warning), "warning")
        read = staged + len(rejections)
        progress.start(read, _("Writing"))
        with transaction.atomic():
            if is_postgres() and staged:
                _execute(f"ANALYZE {_STAGE} (id_number, row_no)")
            _reject_in_sql(scope=scope, checker=checker, rejections=rejections, stage_empty=not staged)
            result.rejected = len(rejections)
            result.errors = rejections.errors()
            if strict and rejections:
                result.rejected_path = _workbook_for(stream, rejections, path, rejected_dir)
                raise ValidationFailed(
                    _("%(count)s rows were rejected; nothing was imported (strict mode).")
                    % {"count": result.rejected},
                    errors=result.errors,
                    code="rows_rejected",
                )
            changed_sql = _classify(index, today)
            result.new, result.updated, result.unchanged = _counts(changed_sql)
            if dry_run:
                transaction.set_rollback(True)
            else:
                _write(index=index, actor=actor, note=note, today=today, new=result.new)
                _refresh_households(index)
                audit_record(
                    actor=actor,
                    event=EventType.PERSONS_IMPORTED,
                    object_type="registry.person",
                    object_id=filename[:64],
                    object_repr=filename,
                    region_code=_scope_code(scope),
                    new={
                        **result.as_counts(),
                        "file": filename,
                        "strict": strict,
                        "mapping": {k: columns[i] for k, i in index.items()},
                    },
                )
    finally:
        for table in (_STAGE, _REJECTED_IDS, _REJECTS, _CLASSIFIED, _IDS):
            drop_temp_table(table)
    progress.advance(read)
    if rejections:
        result.rejected_path = _workbook_for(stream, rejections, path, rejected_dir)
    progress.count(**result.as_counts())
    return result


def _workbook_for(stream: TableStream, rejections: _Rejections, path: Path, rejected_dir: Any) -> str:
    target = Path(rejected_dir) if rejected_dir else path.parent
    out = target / REJECTED_WORKBOOK
    rejected_rows_workbook(stream=stream, rejections=rejections.by_row, out=out)
    return str(out)


def rejected_rows_workbook(
    *, stream: TableStream, rejections: dict[int, list[RowError]], out: str | Path
) -> Path:
    """The rejected rows as a workbook: 行号, the original columns, 字段, 原因 (all reasons of a row
    joined). Written in openpyxl's write-only mode from a second streamed pass over the file."""
    from openpyxl import Workbook

    out = Path(out)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(_("Rejected rows"))[:31])
    sheet.append([str(_("Row")), *stream.header, str(_("Field")), str(_("Reason"))])
    width = len(stream.header)
    remaining = set(rejections)
    if remaining:
        for number, row in stream.rows():
            if number not in remaining:
                continue
            errors = rejections[number]
            fields = list(dict.fromkeys(str(e.field) for e in errors if e.field))
            cells = (row + [""] * width)[:width]
            sheet.append([number, *cells, "; ".join(fields), "；".join(e.message for e in errors)])
            remaining.discard(number)
            if not remaining:
                break
    book.save(out)
    return out


# --- as a job --------------------------------------------------------------------------------------


def persons_import_job_run(*, job: Any, progress: Any) -> dict[str, Any]:
    """The handler of job kind "persons.import": the upload is in the job's folder, the rejected-rows
    workbook is written next to it."""
    from canlian.core.jobs.actions import job_upload_dir

    params = job.params or {}
    folder = job_upload_dir(job)
    stale = folder / REJECTED_WORKBOOK
    if stale.exists():  # a retry starts clean
        stale.unlink()
    result = persons_import(
        actor=job.actor,
        path=params["path"],
        filename=params.get("filename"),
        mapping=params.get("mapping") or None,
        dry_run=bool(params.get("dry_run")),
        strict=bool(params.get("strict")),
        region_code=job.region_code or None,
        progress=progress,
        rejected_dir=folder,
    )
    counts = result.as_counts()
    progress.log(
        (_("Dry run: ") if result.dry_run else "")
        + _("%(new)s new, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected") % counts
    )
    return {
        **counts,
        "dry_run": result.dry_run,
        "strict": result.strict,
        "rejected_file": Path(result.rejected_path).name if result.rejected_path else "",
        "errors": [e.as_dict() for e in result.errors[:1000]],
        "error_count": len(result.errors),
        "warnings": [w.as_dict() for w in result.warnings[:200]],
    }
