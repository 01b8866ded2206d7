"""Creates the program ``child-rehab`` with the national rules in force from 2018-10-01
(国发〔2018〕20号) and the assistive-device kinds with their replacement intervals."""

import datetime as dt

from django.db import migrations

from canlian.domains.rehab.presets import FAMILY, NAME, compile_rules, default_options

PROGRAM_CODE = "child-rehab"
STEP_DAYS = {"first_check": 10, "review": 10, "decide": 10}

#: (code, name, replacement interval in months)
DEVICE_KINDS = [
    ("hearing-aid", "助听器", 36),
    ("cochlear-processor", "人工耳蜗言语处理器", 60),
    ("wheelchair", "轮椅", 36),
    ("walker", "助行器", 36),
    ("prosthesis", "假肢", 12),
    ("orthosis", "矫形器", 12),
    ("standing-frame", "站立架", 36),
    ("posture-chair", "坐姿椅", 36),
    ("low-vision-aid", "助视器", 36),
]


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    DeviceKind = apps.get_model("rehab", "DeviceKind")
    name, _zh, short = NAME
    program, _created = Program.objects.get_or_create(
        code=PROGRAM_CODE,
        defaults={
            "name": str(name),
            "short_name": str(short),
            "kind": "settlement",
            "family": FAMILY,
            "step_days": STEP_DAYS,
            "notice_days": 5,
        },
    )
    RuleSetting.objects.get_or_create(
        program=program,
        region_code="",
        valid_from=dt.date(2018, 10, 1),
        defaults={"options": default_options(), "rules": compile_rules({}), "note": "国发〔2018〕20号"},
    )
    for code, kind_name, months in DEVICE_KINDS:
        DeviceKind.objects.get_or_create(
            code=code, defaults={"name": kind_name, "replacement_months": months}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_enrollment_diagnosis_confirmed"),
        ("rehab", "0001_initial"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
