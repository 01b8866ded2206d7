"""Parse the national region list down to county level shipped in python-stdnum (``stdnum/cn/loc.dat``).

The file lists every GB/T 2260 code since 1980 with its names over time, e.g.
``0502 county="[1983-2019]桥东区,[2020-]襄都区"`` under ``13 province="河北省"``: so abolished codes
and renamed regions come with their history. See docs/regions-data.md for licence and data date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources

from canlian.core.regions.choices import LEVEL_BY_LENGTH

_LINE = re.compile(r'^(?P<indent>\s*)(?P<code>\d+)\s+(?P<key>\w+)="(?P<value>[^"]*)"')
_PERIOD = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.+)$")


@dataclass
class NamePeriod:
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


@dataclass
class RegionRecord:
    code: str
    names: list[NamePeriod] = field(default_factory=list)

    @property
    def level(self) -> int:
        return LEVEL_BY_LENGTH[len(self.code)]

    @property
    def name(self) -> str:
        return self.names[-1].name

    @property
    def valid_from(self) -> dt.date | None:
        return self.names[0].valid_from

    @property
    def valid_to(self) -> dt.date | None:
        return self.names[-1].valid_to


def parse_names(value: str) -> list[NamePeriod]:
    periods = []
    for part in value.split(","):
        part = part.strip()
        match = _PERIOD.match(part)
        if match:
            start, end = match["start"], match["end"]
            periods.append(
                NamePeriod(
                    name=match["name"],
                    valid_from=dt.date(int(start), 1, 1) if start else None,
                    valid_to=dt.date(int(end), 12, 31) if end else None,
                )
            )
        elif part:
            periods.append(NamePeriod(name=part, valid_from=None, valid_to=None))
    return periods


def stdnum_data_text() -> str:
    return resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")


def parse_stdnum_locations(text: str | None = None) -> list[RegionRecord]:
    """Province (2), prefecture (4) and county (6) records from stdnum's loc.dat."""
    records: dict[str, RegionRecord] = {}
    province = ""
    for line in (text if text is not None else stdnum_data_text()).splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        code, key, value = match["code"], match["key"], match["value"]
        if not match["indent"] and key == "province":
            province = code
            records[code] = RegionRecord(code=code, names=parse_names(value))
            continue
        if not province or len(code) != 4:
            continue
        if code == "0000":
            continue  # the province itself
        full = province + (code[:2] if code.endswith("00") else code)
        names = parse_names(value)
        if not names:
            continue
        if full in records and len(full) == 4:
            records[full].names.extend(names)
        else:
            records[full] = RegionRecord(code=full, names=names)
    return sorted(records.values(), key=lambda r: r.code)
