"""The pension premium paid on behalf of people (城乡居民养老保险代缴) as an engine program, with the
national rule setting from 2020-01-01. The yearly premium is set by region each year as a standard in
force 1–31 January (``premium_year_set``), so only the January cycle pays it."""

import datetime as dt

from django.db import migrations

from canlian.domains.employment.presets import FAMILY, NAME, OFFICIAL_NAME, PENSION, SHORT_NAME, compile_rules, default_options


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    program, _created = Program.objects.get_or_create(
        code=PENSION,
        defaults={
            "name": str(NAME),
            "short_name": str(SHORT_NAME),
            "official_name": OFFICIAL_NAME,
            "kind": "monthly_cash",
            "family": FAMILY,
            "step_days": {"first_check": 10, "review": 10, "decide": 10},
            "notice_days": 5,
            "arrears_months": 0,
            "description": "每年缴纳一次：生成当年1月的发放批次，名单报送社会保险经办机构。",
        },
    )
    RuleSetting.objects.get_or_create(
        program=program,
        region_code="",
        valid_from=dt.date(2020, 1, 1),
        defaults={"options": default_options(), "rules": compile_rules({}), "note": "国发〔2014〕8号; 残联发〔2018〕"},
    )


def remove(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    program = Program.objects.filter(code=PENSION).first()
    if program is None:
        return
    apps.get_model("programs", "Standard").objects.filter(program=program).delete()
    apps.get_model("programs", "RuleSetting").objects.filter(program=program).delete()
    if not apps.get_model("programs", "Enrollment").objects.filter(program=program).exists():
        program.delete()


class Migration(migrations.Migration):
    dependencies = [("employment", "0002_national_quota_rules"), ("programs", "0003_recheck_recoveries_official_names")]

    operations = [migrations.RunPython(create, remove)]
