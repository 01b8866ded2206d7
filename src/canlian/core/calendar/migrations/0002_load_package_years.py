"""Load every year the installed chinese-calendar package knows (1.11: 2004–2026), so that a fresh
database counts working days right without running a command. Later years come from
``canlian load-calendar`` (a newer package) or ``canlian import-calendar FILE``.

Self-contained on purpose (historical models, no application imports): a migration must keep working
whatever the code becomes."""

from django.db import migrations
from django.utils import timezone

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def load(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("calendar", "CalendarYear")
    CalendarDay = apps.get_model("calendar", "CalendarDay")
    db = schema_editor.connection.alias
    now = timezone.now()
    rows = [(d, "holiday", n) for d, n in chinese_calendar.holidays.items()]
    rows += [(d, "workday", n) for d, n in chinese_calendar.workdays.items()]
    years = sorted({d.year for d, _kind, _name in rows})
    done = set(CalendarYear.objects.using(db).values_list("year", flat=True))
    CalendarYear.objects.using(db).bulk_create(
        [CalendarYear(year=y, source="package", loaded_at=now, updated_at=now) for y in years if y not in done]
    )
    CalendarDay.objects.using(db).bulk_create(
        [
            CalendarDay(date=d, year_id=d.year, kind=kind, name=NAMES.get(str(n), str(n or ""))[:30])
            for d, kind, n in sorted(rows)
            if d.year not in done
        ]
    )


def unload(apps, schema_editor):
    apps.get_model("calendar", "CalendarYear").objects.using(schema_editor.connection.alias).filter(
        source="package"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
