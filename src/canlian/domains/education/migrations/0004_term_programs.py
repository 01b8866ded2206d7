"""The kindergarten fee subsidy (学前教育残疾儿童资助) and the grants of disabled students at vocational
schools and universities (中职及高校残疾学生助学金) as engine programs paid per term, with their national
rule settings from 2020-01-01. No amount is shipped: a region sets each term's amount
(``actions.term_standard_set``, a standard in force for the term's paying month only)."""

import datetime as dt

from django.db import migrations

from canlian.domains.education import presets

PROGRAMS = (
    (
        presets.KINDERGARTEN,
        presets.KINDERGARTEN_NAME,
        presets.KINDERGARTEN_SHORT_NAME,
        presets.KINDERGARTEN_OFFICIAL_NAME,
        presets.kindergarten_default_options,
        presets.kindergarten_compile_rules,
        "学前教育阶段残疾儿童保教费资助",
    ),
    (
        presets.STUDENT_GRANT,
        presets.STUDENT_GRANT_NAME,
        presets.STUDENT_GRANT_SHORT_NAME,
        presets.STUDENT_GRANT_OFFICIAL_NAME,
        presets.student_grant_default_options,
        presets.student_grant_compile_rules,
        "中等职业学校、普通高校在校残疾学生助学金",
    ),
)
DESCRIPTION = "按学期发放：春季学期3月、秋季学期9月各生成一次发放批次，金额由各地按学期设定。"


def create(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    RuleSetting = apps.get_model("programs", "RuleSetting")
    for code, name, short, official, defaults, compile_rules, note in PROGRAMS:
        program, _created = Program.objects.get_or_create(
            code=code,
            defaults={
                "name": str(name),
                "short_name": str(short),
                "official_name": official,
                "kind": "monthly_cash",
                "family": code,
                "step_days": {"first_check": 10, "review": 10, "decide": 10},
                "notice_days": 5,
                "arrears_months": 0,
                "description": DESCRIPTION,
            },
        )
        RuleSetting.objects.get_or_create(
            program=program,
            region_code="",
            valid_from=dt.date(2020, 1, 1),
            defaults={"options": defaults(), "rules": compile_rules({}), "note": note},
        )


def remove(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    for code, *_rest in PROGRAMS:
        program = Program.objects.filter(code=code).first()
        if program is None:
            continue
        apps.get_model("programs", "Standard").objects.filter(program=program).delete()
        apps.get_model("programs", "RuleSetting").objects.filter(program=program).delete()
        if not apps.get_model("programs", "Enrollment").objects.filter(program=program).exists():
            program.delete()


class Migration(migrations.Migration):
    dependencies = [("education", "0003_placement_beyond_compulsory"), ("programs", "0003_recheck_recoveries_official_names")]

    operations = [migrations.RunPython(create, remove)]
