"""Seed the province measure: every paired person gets at least 4 contacts a year, of which at least
2 are home visits (home visits count as contacts)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    ContactRule = apps.get_model("care", "ContactRule")
    if not ContactRule.objects.filter(applies_to="paired", region_prefix="").exists():
        ContactRule.objects.create(
            name="Province measure: 4 contacts and 2 home visits a year",
            applies_to="paired",
            region_prefix="",
            contacts_per_year=4,
            home_visits_per_year=2,
            valid_from=dt.date(2000, 1, 1),
        )


def unseed(apps, schema_editor):
    apps.get_model("care", "ContactRule").objects.filter(applies_to="paired", region_prefix="").delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
