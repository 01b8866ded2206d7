"""The two subsidies' names as the policy documents write them (国发〔2015〕52号)."""

from django.db import migrations

OFFICIAL = {"living-subsidy": "困难残疾人生活补贴", "nursing-subsidy": "重度残疾人护理补贴"}


def forwards(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    for code, name in OFFICIAL.items():
        Program.objects.filter(code=code, official_name="").update(official_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("subsidies", "0001_two_programs"),
        ("programs", "0003_recheck_recoveries_official_names"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
