"""Plans across institutions and confirmed public-holiday sign-ins.

* ``RehabPlan``: ``ended_on``, ``end_reason``, ``end_note``, ``transferred_from``. "One plan per child
  per year" becomes "at most one open plan per child per year" (a partial unique constraint on
  (person, year) where ``ended_on`` is null); the plans already ended get ``ended_on`` = their last
  day and the reason "other" before the check that ties ``status`` to ``ended_on`` is added.
* ``Attendance.on_holiday``: a sign-in on a public holiday, explicitly confirmed.

Column defaults are in the database too (``db_default``), so set-based writers that name their
columns (the benchmark, COPY loads) keep working.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def end_ended_plans(apps, schema_editor):
    RehabPlan = apps.get_model("rehab", "RehabPlan")
    db = schema_editor.connection.alias
    RehabPlan.objects.using(db).filter(status="ended", ended_on__isnull=True).update(
        ended_on=F("ends_on"), end_reason="other"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0002_program_and_devices"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="rehabplan",
            name="rehab_plan_one_per_year",
        ),
        migrations.AddField(
            model_name="attendance",
            name="on_holiday",
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="on a public holiday (confirmed)"
            ),
        ),
        migrations.AddField(
            model_name="rehabplan",
            name="end_note",
            field=models.CharField(blank=True, db_default="", max_length=200, verbose_name="end note"),
        ),
        migrations.AddField(
            model_name="rehabplan",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("transfer", "Transferred to another institution"),
                    ("stopped", "Training stopped"),
                    ("other", "Other reason"),
                ],
                db_default="",
                max_length=10,
                verbose_name="end reason",
            ),
        ),
        migrations.AddField(
            model_name="rehabplan",
            name="ended_on",
            field=models.DateField(blank=True, null=True, verbose_name="ended on"),
        ),
        migrations.AddField(
            model_name="rehabplan",
            name="transferred_from",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transferred_to",
                to="rehab.rehabplan",
                verbose_name="continues the plan",
            ),
        ),
        migrations.RunPython(end_ended_plans, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="rehabplan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_on__isnull", True)),
                fields=("person", "year"),
                name="rehab_plan_one_open_per_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="rehabplan",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "active"), ("ended_on__isnull", True)),
                    models.Q(("status", "ended"), ("ended_on__isnull", False)),
                    _connector="OR",
                ),
                name="rehab_plan_end_state",
            ),
        ),
    ]
