"""The national comparison rules (data; a region adds or overrides its own from the rules page)."""

import datetime as dt

from django.db import migrations

START = dt.date(2016, 1, 1)

RULES = [
    {
        "code": "dibao-living-subsidy",
        "name": "在低保名单、已持证、未享受生活补贴（应享未享）",
        "list_kind": "dibao",
        "shape": "entitled_not_enrolled",
        "action": "enrol",
        "program_code": "living-subsidy",
        "deadline_days": 10,
    },
    {
        "code": "death-still-paid",
        "name": "名单显示已死亡、死亡后仍在享受或仍有发放（应停未停）",
        "list_kind": "deaths",
        "shape": "paid_after_event",
        "action": "stop",
        "stop_reason": "death",
        "deadline_days": 5,
    },
    {
        "code": "moved-out-still-paid",
        "name": "已迁出本省、仍在享受或仍有发放（应停未停）",
        "list_kind": "moved_out",
        "shape": "paid_after_event",
        "action": "stop",
        "stop_reason": "moved_out",
        "deadline_days": 10,
    },
    {
        "code": "monitored-not-flagged",
        "name": "在三类户名单、未标记为监测对象",
        "list_kind": "monitored",
        "shape": "listed_not_flagged",
        "action": "flag",
        "deadline_days": 10,
    },
    {
        "code": "medical-insurance-missing",
        "name": "已持证、不在医保参保名单（待参保）",
        "list_kind": "medical_insurance",
        "shape": "certified_not_listed",
        "action": "follow_up",
        "deadline_days": 20,
    },
    {
        "code": "school-age-not-student",
        "name": "学龄（6—15岁）持证、不在学籍名单（教育跟进）",
        "list_kind": "students",
        "shape": "certified_not_listed",
        "action": "follow_up",
        "age_min": 6,
        "age_max": 15,
        "deadline_days": 20,
    },
    {
        "code": "identity-differs",
        "name": "同一身份证号姓名或出生日期与台账不一致（待更正）",
        "list_kind": "",
        "shape": "identity_mismatch",
        "action": "correct",
        "deadline_days": 10,
    },
]


def seed(apps, schema_editor):
    Rule = apps.get_model("matching", "ComparisonRule")
    for row in RULES:
        Rule.objects.get_or_create(code=row["code"], region_code="", valid_from=START, defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("matching", "ComparisonRule").objects.filter(code__in=[r["code"] for r in RULES], region_code="").delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
