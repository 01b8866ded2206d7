"""Commercial insurance bought for certified people (残疾人商业保险) as an engine program, with the
national rule setting from 2020-01-01. The yearly premium is set by region each year as a standard in
force 1–31 January (``insurance.insurance_year_set``), so only the January cycle pays it."""

import datetime as dt

from django.db import migrations

from canlian.domains.employment.insurance import (
    FAMILY,
    INSURANCE,
    NAME,
    OFFICIAL_NAME,
    SHORT_NAME,
    compile_rules,
    default_options,
)


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    program, _created = Program.objects.get_or_create(
        code=INSURANCE,
        defaults={
            "name": str(NAME),
            "short_name": str(SHORT_NAME),
            "official_name": OFFICIAL_NAME,
            "kind": "monthly_cash",
            "family": FAMILY,
            "step_days": {"first_check": 10, "review": 10, "decide": 10},
            "notice_days": 5,
            "arrears_months": 0,
            "description": "每年投保一次：生成当年1月的批次，名单报送承保保险公司，回执逐人匹配。",
        },
    )
    RuleSetting.objects.get_or_create(
        program=program,
        region_code="",
        valid_from=dt.date(2020, 1, 1),
        defaults={"options": default_options(), "rules": compile_rules({}), "note": "残疾人商业保险"},
    )


def remove(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    program = Program.objects.filter(code=INSURANCE).first()
    if program is None:
        return
    apps.get_model("programs", "Standard").objects.filter(program=program).delete()
    apps.get_model("programs", "RuleSetting").objects.filter(program=program).delete()
    if not apps.get_model("programs", "Enrollment").objects.filter(program=program).exists():
        program.delete()


class Migration(migrations.Migration):
    # After the pension premium (0003). It also follows 0004_realname_sites_subsidies, written at the same
    # time in this app, so that the app's migrations stay one line (two leaves stop ``migrate``); it
    # touches only the engine's tables and needs nothing of that migration.
    dependencies = [
        ("employment", "0003_pension_premium_program"),
        ("employment", "0004_realname_sites_subsidies"),
        ("programs", "0003_recheck_recoveries_official_names"),
    ]

    operations = [migrations.RunPython(create, remove)]
