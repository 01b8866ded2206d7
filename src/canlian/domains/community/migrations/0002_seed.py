"""Reference data: the home functions (3 basic + N), the national eligibility rule lists, the
Weishan fee rule, the national care subsidy floors, the default star criteria and bands. All of it
is data an administrator changes (effective-dated, per region)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

FUNCTIONS = [
    ("day_care", "日间照料", True, "days", 1),
    ("employment", "辅助性就业", True, "people", 2),
    ("rehab", "社区康复", True, "sessions", 3),
    ("training", "技能培训", False, "hours", 10),
    ("culture", "文化体育", False, "activities", 11),
    ("volunteer", "志愿服务", False, "activities", 12),
    ("mutual_help", "互助活动", False, "activities", 13),
]
ELIGIBLE = {
    "rule": "any_of",
    "rules": [
        {"rule": "certificate", "categories": [5]},
        {"rule": "certificate", "categories": [6]},
        {"rule": "certificate", "categories": [4], "grades": [1, 2]},
    ],
}
BASE = [{"rule": "alive"}, {"rule": "certificate_valid"}, ELIGIBLE]
WORKING_AGE = {"rule": "age", "min": 16, "max": 59}
START = dt.date(2020, 1, 1)
CRITERIA = [
    ("facilities", "场地与设施", "20", 1),
    ("services", "服务开展（3+N）", "30", 2),
    ("management", "管理与台账", "20", 3),
    ("staff", "人员与志愿者", "15", 4),
    ("satisfaction", "学员及家属满意度", "15", 5),
]
BANDS = [(5, "90"), (4, "80"), (3, "70"), (2, "60"), (1, "0")]


def seed(apps, schema_editor):
    HomeFunction = apps.get_model("community", "HomeFunction")
    for code, name, basic, unit, order in FUNCTIONS:
        HomeFunction.objects.get_or_create(code=code, defaults={"name": name, "basic": basic, "unit": unit, "order": order})
    Rules = apps.get_model("community", "EligibilityRuleSet")
    for purpose, rules in (("member", BASE), ("resident", [*BASE, WORKING_AGE]), ("worker", [*BASE, WORKING_AGE])):
        Rules.objects.get_or_create(purpose=purpose, region_code="", valid_from=START, defaults={"rules": rules})
    FeeRule = apps.get_model("community", "FeeRule")
    FeeRule.objects.get_or_create(
        region_code="",
        valid_from=START,
        defaults={
            "hardship_kinds": ["dibao", "tekun"],
            "allowance_kinds": ["dibao", "wubao"],
            "subsidy_programs": ["living-subsidy", "nursing-subsidy"],
            "cap_basis": "own",
            "note": "低保、五保托养对象带低保金、五保金和两项补贴免费托养；其他对象收费不超过该标准",
        },
    )
    Standard = apps.get_model("community", "CareSubsidyStandard")
    for mode, amount in (("residential", "1500"), ("day", "600"), ("home", "600")):
        Standard.objects.get_or_create(
            region_code="", mode=mode, valid_from=START, defaults={"yearly_amount": Decimal(amount)}
        )
    Criterion = apps.get_model("community", "StarCriterion")
    for code, name, weight, order in CRITERIA:
        Criterion.objects.get_or_create(
            region_code="", code=code, valid_from=START, defaults={"name": name, "weight": Decimal(weight), "order": order}
        )
    Band = apps.get_model("community", "StarBand")
    for stars, low in BANDS:
        Band.objects.get_or_create(region_code="", valid_from=START, stars=stars, defaults={"min_score": Decimal(low)})


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
