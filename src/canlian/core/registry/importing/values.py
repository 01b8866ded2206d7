"""Values as ledgers write them (dates, yes/no, sex, hukou, names) and the place lookup."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from canlian.core.registry.actions._common import add_years
from canlian.core.registry.choices import CERTIFICATE_YEARS, HukouType, Sex
from canlian.core.registry.identity import name_keys, normalize_name
from canlian.platform.scoping import Scope

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
