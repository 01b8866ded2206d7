"""The program's name as the policy writes it (国发〔2018〕20号)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    Program.objects.filter(code="child-rehab", official_name="").update(official_name="残疾儿童康复救助")


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0003_plan_transfer_and_holidays"),
        ("programs", "0003_recheck_recoveries_official_names"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
