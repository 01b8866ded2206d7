"""The national proportional-employment rules as data (a province overrides them with its own rows):
1.5% of in-post staff, the wage base capped at twice the local average wage (since 2018); from 2020
to 2027 employers of at most 30 staff are exempt and the fund is reduced by the achieved ratio
(≥1% pays 50%, below 1% pays 90%: 财税〔2019〕98号, 财政部公告2023年第8号); from 2028 in full."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

RULES = [
    (dt.date(2018, 1, 1), dt.date(2019, 12, 31), None, None, None, None, "残保金 cap 2× (财税〔2017〕18号)"),
    (
        dt.date(2020, 1, 1),
        dt.date(2027, 12, 31),
        30,
        Decimal("0.0100"),
        Decimal("0.5000"),
        Decimal("0.9000"),
        "财税〔2019〕98号; 财政部公告2023年第8号",
    ),
    (dt.date(2028, 1, 1), None, None, None, None, None, "after the 2023–2027 reductions"),
]


def seed(apps, schema_editor):
    QuotaRule = apps.get_model("employment", "QuotaRule")
    for start, end, exempt, band, share, below, note in RULES:
        QuotaRule.objects.get_or_create(
            region_code="",
            valid_from=start,
            defaults={
                "valid_to": end,
                "quota_ratio": Decimal("0.0150"),
                "wage_cap_multiple": Decimal("2.00"),
                "exempt_staff_max": exempt,
                "band_ratio": band,
                "band_share": share,
                "below_band_share": below,
                "note": note,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("employment", "QuotaRule").objects.filter(
        region_code="", valid_from__in=[r[0] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("employment", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
