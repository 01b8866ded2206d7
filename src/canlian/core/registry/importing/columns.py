"""The importable fields, their column names and synonyms, and the header mapping."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.registry.choices import HardshipKind
from canlian.platform.errors import ValidationFailed
from canlian.platform.tabular import open_table_stream

PERMISSION = "persons.import"
#: Rows read, checked and copied per round; region names of a round are resolved in one go.
CHUNK_ROWS = 20_000
#: Rejected rows kept in ImportResult.errors (all of them go to the workbook).
MAX_ERRORS_KEPT = 100_000
REJECTED_WORKBOOK = "rejected-rows.xlsx"
#: Every rejected row as CSV, next to the workbook: the workbook stops at Excel's sheet limit.
REJECTED_CSV = "rejected-rows.csv"
#: Data rows the rejected-rows workbook holds: Excel's 1,048,576 rows less the header and the note.
WORKBOOK_MAX_ROWS = 1_048_574

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
