"""Synthetic but realistic townships and villages for a demo city. Codes follow the statistical
code rules (9-digit townships, 12-digit villages); names are generated, not official."""

from __future__ import annotations

import random

from canlian.core.regions.models import Region

_TOWN_STEMS = [
    "文汇",
    "黄河路",
    "东城",
    "辛店",
    "胜利",
    "史口",
    "牛庄",
    "六户",
    "龙居",
    "董集",
    "西城",
    "永安",
    "黄河口",
    "兴隆",
    "胜坨",
    "郝家",
    "汀罗",
    "陈庄",
    "明集",
    "盐窝",
    "大王",
    "稻庄",
    "花官",
    "丁庄",
    "李庄",
    "乐安",
    "孙武",
    "新发",
    "义和",
    "仙河",
    "孤岛",
    "太平",
    "广饶",
    "利津",
    "北宋",
    "凤凰",
]
_VILLAGE_STEMS = [
    "王家",
    "李家",
    "张家",
    "刘家",
    "陈家",
    "杨家",
    "赵家",
    "黄家",
    "周家",
    "吴家",
    "徐家",
    "孙家",
    "马家",
    "朱家",
    "胡家",
    "郭家",
    "何家",
    "高家",
    "林家",
    "罗家",
    "郑家",
    "梁家",
    "谢家",
    "宋家",
    "唐家",
    "许家",
    "韩家",
    "冯家",
    "邓家",
    "曹家",
    "彭家",
    "曾家",
    "前",
    "后",
    "东",
    "西",
    "南",
    "北",
    "新",
    "大",
    "小",
    "三合",
    "五里",
    "十里",
    "八里",
    "前进",
    "幸福",
    "和平",
    "富民",
    "兴旺",
]


def demo_region_rows(
    city_code: str, *, seed: int, townships: tuple[int, int] = (5, 9), villages: tuple[int, int] = (8, 16)
) -> list[tuple[str, str]]:
    """(code, name) rows for the townships and villages of every in-force county of ``city_code``."""
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    counties = (
        Region.objects.active()
        .filter(parent__code=city_code, level=3)
        .exclude(name="市辖区")
        .order_by("code")
    )
    for county in counties:
        stems = rng.sample(_TOWN_STEMS, rng.randint(*townships))
        for t_index, stem in enumerate(stems, start=1):
            kind = "街道" if t_index <= 2 else "镇"
            town_code = f"{county.code}{t_index:03d}"
            rows.append((town_code, stem + kind))
            used: set[str] = set()
            for v_index in range(1, rng.randint(*villages) + 1):
                name = rng.choice(_VILLAGE_STEMS) + rng.choice(["村", "村", "村", "社区"])
                while name in used:
                    name = rng.choice(_VILLAGE_STEMS) + rng.choice(_VILLAGE_STEMS[:12]) + "村"
                used.add(name)
                seq = v_index if kind == "镇" else 100 + v_index
                rows.append((f"{town_code}{seq:03d}", name))
    return rows
