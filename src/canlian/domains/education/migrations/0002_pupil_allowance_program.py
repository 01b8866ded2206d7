"""The living allowance for disabled pupils in compulsory education from poor families as an engine
program (paid monthly by the cycles), with the national rule setting and a national standard of 50
yuan a month from 2020-01-01 (regions set their own standards over it)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

from canlian.domains.education.presets import ALLOWANCE, FAMILY, NAME, OFFICIAL_NAME, SHORT_NAME, compile_rules, default_options


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    Standard = apps.get_model("programs", "Standard")
    program, _created = Program.objects.get_or_create(
        code=ALLOWANCE,
        defaults={
            "name": str(NAME),
            "short_name": str(SHORT_NAME),
            "official_name": OFFICIAL_NAME,
            "kind": "monthly_cash",
            "family": FAMILY,
            "step_days": {"first_check": 10, "review": 10, "decide": 10},
            "notice_days": 5,
            "arrears_months": 12,
        },
    )
    RuleSetting.objects.get_or_create(
        program=program,
        region_code="",
        valid_from=dt.date(2020, 1, 1),
        defaults={"options": default_options(), "rules": compile_rules({}), "note": "50 yuan per pupil per month"},
    )
    if not Standard.objects.filter(program=program, region_code="").exists():
        Standard.objects.create(
            program=program, region_code="", valid_from=dt.date(2020, 1, 1), amount=Decimal("50.00"),
            note="50 yuan per pupil per month",
        )


def remove(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    program = Program.objects.filter(code=ALLOWANCE).first()
    if program is None:
        return
    apps.get_model("programs", "Standard").objects.filter(program=program).delete()
    apps.get_model("programs", "RuleSetting").objects.filter(program=program).delete()
    if not apps.get_model("programs", "Enrollment").objects.filter(program=program).exists():
        program.delete()


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial"), ("programs", "0003_recheck_recoveries_official_names")]

    operations = [migrations.RunPython(create, remove)]
