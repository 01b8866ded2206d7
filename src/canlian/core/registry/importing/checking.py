"""The per-row check in Python (one pass, cached parsing), the import's scope and the rejected rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.registry.choices import Sex
from canlian.core.registry.identity import (
    IdError,
    area_code_known,
    check_certificate_number,
    normalize_phone,
    parse_category,
    parse_certificate_number,
    parse_grade,
    parse_resident_id,
)
from canlian.core.registry.importing.columns import (
    _CERT_FIELDS,
    _HARDSHIP_FIELDS,
    FIELDS_BY_KEY,
    MAX_ERRORS_KEPT,
    PERMISSION,
    PERSON_FIELDS,
    _region_label,
)
from canlian.core.registry.importing.values import (
    _clean_name,
    _Places,
    default_valid_until,
    parse_hukou_type,
    parse_ledger_date,
    parse_sex,
    parse_yes_no,
)
from canlian.platform.access import authorize, is_system
from canlian.platform.errors import PermissionDenied, RowError, ValidationFailed
from canlian.platform.scoping import Scope


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
        self, errors: list[RowError] | None, number: int, key: str, message: Any, value: str | None = ""
    ) -> list[RowError]:
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
        flags: list[int | None] = []
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
    """The regions the import may write: the named region (checked with ``authorize``), else the
    importer's whole scope for persons.import (everything for ``SYSTEM``)."""
    if region_code:
        from canlian.core.regions.models import Region

        authorize(actor, PERMISSION, region_code)
        if not Region.objects.filter(code=region_code).exists():
            raise ValidationFailed(
                _("No region has the code %(code)s.") % {"code": region_code}, field="region_code"
            )
        return Scope.of([region_code])
    if is_system(actor):
        return Scope.all()
    if not actor.has_canlian_perm(PERMISSION):
        raise PermissionDenied()
    return actor.scope_for(PERMISSION)


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
