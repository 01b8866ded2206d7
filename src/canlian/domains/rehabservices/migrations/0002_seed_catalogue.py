"""Seed: the adult assistive-device catalogue with national price and subsidy standards, the national
home-modification standard and the health service programs' standards (reference data; regions add
their own rows from the pages)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

#: code, name, categories, grades, replacement months, price, subsidy
DEVICES = [
    ("wheelchair", "普通轮椅", "47", "1234", 60, "1200.00", "1200.00"),
    ("wheelchair-electric", "电动轮椅", "4", "12", 72, "6800.00", "3000.00"),
    ("hearing-aid-adult", "助听器（成人）", "2", "1234", 60, "3000.00", "2000.00"),
    ("white-cane", "盲杖", "1", "1234", 24, "60.00", "60.00"),
    ("magnifier", "助视器", "1", "234", 36, "500.00", "400.00"),
    ("walker", "助行器", "47", "1234", 36, "300.00", "300.00"),
    ("crutches", "拐杖", "4", "1234", 24, "120.00", "120.00"),
    ("commode-chair", "坐便椅", "47", "1234", 60, "200.00", "200.00"),
    ("pressure-cushion", "防褥疮垫", "47", "12", 24, "400.00", "400.00"),
    ("prosthesis-lower", "下肢假肢", "4", "1234", 48, "8000.00", "5000.00"),
]
FROM = dt.date(2020, 1, 1)


def seed(apps, schema_editor):
    DeviceType = apps.get_model("rehabservices", "DeviceType")
    DeviceStandard = apps.get_model("rehabservices", "DeviceStandard")
    ModificationStandard = apps.get_model("rehabservices", "ModificationStandard")
    HealthStandard = apps.get_model("rehabservices", "HealthStandard")
    for code, name, categories, grades, months, price, subsidy in DEVICES:
        device, _ = DeviceType.objects.get_or_create(
            code=code, defaults={"name": name, "categories": categories, "grades": grades, "replacement_months": months}
        )
        DeviceStandard.objects.get_or_create(
            device_type=device, region_code="", valid_from=FROM, defaults={"price": Decimal(price), "subsidy": Decimal(subsidy)}
        )
    ModificationStandard.objects.get_or_create(region_code="", valid_from=FROM, defaults={"cap": Decimal("5000.00")})
    for program, amount, payee in (("check", "150.00", "hospital"), ("cataract", "1800.00", "hospital"), ("mental", "1200.00", "person")):
        HealthStandard.objects.get_or_create(program=program, region_code="", valid_from=FROM, defaults={"amount": Decimal(amount), "payee": payee})


class Migration(migrations.Migration):
    dependencies = [("rehabservices", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
