"""Creates the two subsidy programs with the national rules in force from 2016-01-01 (国发〔2015〕52号)."""

import datetime as dt

from django.db import migrations

from canlian.domains.subsidies.presets import LIVING, NAMES, NURSING, compile_rules, default_options

STEP_DAYS = {"first_check": 10, "review": 10, "decide": 10}


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    for code in (LIVING, NURSING):
        name, _zh, short = NAMES[code]
        program, _created = Program.objects.get_or_create(
            code=code,
            defaults={
                "name": str(name),
                "short_name": str(short),
                "kind": "monthly_cash",
                "family": code,
                "step_days": STEP_DAYS,
                "notice_days": 5,
            },
        )
        RuleSetting.objects.get_or_create(
            program=program,
            region_code="",
            valid_from=dt.date(2016, 1, 1),
            defaults={
                "options": default_options(code),
                "rules": compile_rules(code, {}),
                "note": "国发〔2015〕52号",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
