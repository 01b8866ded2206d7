"""The villages demo people live in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from canlian.core.regions.models import Region

# --- places ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where people live: a village/community, or the lowest region that exists."""

    code: str
    name: str
    level: int
    urban: bool

    @property
    def area(self) -> str:
        return self.code[:6]


def demo_places(region_code: str, on: dt.date | None = None) -> list[Place]:
    """The lowest in-force regions (county level or below) under ``region_code``: villages and
    communities where they exist, else townships, else the county itself."""
    rows = list(
        Region.objects.active(on)
        .filter(code__startswith=region_code, level__gte=3)
        .exclude(name="市辖区")
        .order_by("code")
        .values_list("code", "name", "level")
    )
    names = {code: name for code, name, _level in rows}
    parents = {code[:n] for code, _name, _level in rows for n in (6, 9) if len(code) > n}
    places = []
    for code, name, level in rows:
        if code in parents:
            continue
        town = names.get(code[:9], "") if level == 5 else name
        if level == 5:
            urban = name.endswith("社区") or town.endswith("街道")
        elif level == 4:
            urban = name.endswith("街道")
        else:
            urban = name.endswith("区")
        places.append(Place(code=code, name=name, level=level, urban=urban))
    return places
