"""Payment lines partitioned by month on PostgreSQL (issue 19 item 4).

The two references to a line lose their foreign-key constraint (a partitioned table's id is not
unique on its own, and PostgreSQL refers only to a unique key); each cycle records the earliest
month its lines pay for, so reads of a cycle's lines can name their months; then, on PostgreSQL
only, the table is rebuilt partitioned by month of ``period``, with a partition for every month its
rows hold and for the months from a year back to three ahead, and a DEFAULT partition for any
other month. SQLite keeps one table. Going back leaves the table partitioned (it reads and writes
the same).
"""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models

from canlian.platform.dates import add_months, month_start
from canlian.platform.partitions import partition_by_month


def first_periods(apps, schema_editor):
    schema_editor.execute(
        "UPDATE programs_paymentcycle SET first_period = COALESCE("
        "(SELECT MIN(l.period) FROM programs_paymentline l WHERE l.cycle_id = programs_paymentcycle.id), month)"
    )


def partition_lines(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    this_month = month_start(dt.date.today())
    partition_by_month(
        "programs_paymentline", "period", first=add_months(this_month, -12), last=add_months(this_month, 3)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_recheck_recoveries_official_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentcycle",
            name="first_period",
            field=models.DateField(blank=True, null=True, verbose_name="earliest month paid"),
        ),
        migrations.AlterField(
            model_name="paymentline",
            name="reissue_of",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programs.paymentline",
                verbose_name="re-issue of",
            ),
        ),
        migrations.AlterField(
            model_name="recoveryline",
            name="line",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recovery",
                to="programs.paymentline",
                verbose_name="payment line",
            ),
        ),
        migrations.RunPython(first_periods, migrations.RunPython.noop),
        migrations.RunPython(partition_lines, migrations.RunPython.noop),
    ]
