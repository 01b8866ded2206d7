"""The two subsidies' indicators, on the definitions of ``statistics.py`` and ``programs/warnings.py``.

* **Payments** are ``statistics.counted_lines``: lines that did not fail, of cycles approved or later
  (approved, sent to the bank, closed), by the cycle's month; the region is the line's
  (``region_code``, the person's residence when the line was written).
* **People** (cumulative): distinct people paid in the year's counted cycles up to the month. A person
  paid in two regions in the year (a move) counts once, in the region of their latest line, so that
  the regions add up to their parent.
* **Person-times** (人次) and **amounts** (in period): the counted lines of the month's cycles
  (arrears and re-issues included), and their yuan.
* **Coverage** (应享尽享, today only): people with an active enrollment ÷ (those + people who meet the
  program's rules today without an open enrollment, ``warnings.enrollment_gaps``), by residence.
* **Recoveries** (in period): yuan of recovery lines (追缴) for months paid in the month, whatever
  the outcome (``statistics.recovery_figures``), by the recovery item's region.

The summaries are national: a leaf reads every region through ``platform.indicators.NATIONAL`` (the scope is applied
when the summary rows are read); ``records`` reads through the user's own ``for_user``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.domains.subsidies.presets import LIVING, NURSING
from canlian.domains.subsidies.statistics import PROGRAMS, counted_lines
from canlian.platform.indicators import NATIONAL, Indicator, Period, Unit, Window
from canlian.programs.choices import EnrollmentStatus
from canlian.programs.models import Enrollment, Program, RecoveryItem, RecoveryLine
from canlian.programs.warnings.selectors import enrollment_gaps

AREA = _("Two subsidies")
PERMISSION = Perm.ENROLLMENTS_VIEW  # the permission of the statistics and the warnings pages


_EVERYONE = NATIONAL

PERSON_COLUMNS = (
    (_("Full name"), "person.name"),
    (_("ID number"), "person.masked_id"),
    (_("Region"), "region_code"),
)
LINE_COLUMNS = (
    *PERSON_COLUMNS,
    (_("Month paid for"), "period"),
    (_("Kind"), "get_kind_display"),
    (_("Amount"), "amount"),
)


def _lines(user: Any, window: Window, codes: tuple[str, ...], region: str = "") -> QuerySet:
    """Counted lines of ``codes`` in the cycles of ``window`` (its months, first days)."""
    first = window.start.replace(day=1)
    return counted_lines(user=user, region=region, first=first, last=window.month_start).filter(
        program__code__in=codes
    )


def _latest_per_person(lines: QuerySet, everyone: QuerySet) -> QuerySet:
    """Of ``lines``, each person's latest line among ``everyone`` (by cycle month, then id)."""
    later = everyone.filter(person_id=OuterRef("person_id")).filter(
        Q(cycle__month__gt=OuterRef("cycle__month"))
        | Q(cycle__month=OuterRef("cycle__month"), pk__gt=OuterRef("pk"))
    )
    return lines.filter(~Exists(later))


def _people(window: Window, code: str, user: Any = _EVERYONE, region: str = "") -> QuerySet:
    return _latest_per_person(_lines(user, window, (code,), region), _lines(_EVERYONE, window, (code,)))


def people_leaf(code: str):
    def leaf(window: Window) -> QuerySet:
        return _people(window, code).values(region=F("region_code")).annotate(numerator=Count("person_id"))

    return leaf


def people_records(code: str):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        return _people(window, code, user, region_code).select_related("person").order_by("region_code", "id")

    return records


def people_year_leaf(code: str):
    """The year's months in one statement: each person's region per cycle month (that of the
    month's latest line), held until the next month they are paid elsewhere (LEAD), then counted
    at every month of the windows from their first. The same figures as ``people_leaf`` month by
    month, with one scan of the year's lines instead of one per month."""

    def year_leaf(windows: list[Window]) -> tuple[str, tuple[Any, ...]]:
        months = [w.month for w in windows]
        lines = counted_lines(
            user=_EVERYONE, region="", first=windows[0].year_start, last=max(w.month_start for w in windows)
        ).filter(program__code=code)
        base = lines.order_by().values("person_id", "region_code", "id", mm=ExtractMonth("cycle__month"))
        sql, params = base.query.sql_with_params()
        month_rows = " UNION ALL ".join(["SELECT %s AS m"] * len(months))
        return (
            "SELECT seg.region AS region, months.m AS month, COUNT(*) AS numerator, "
            "CAST(NULL AS NUMERIC) AS denominator FROM ("
            "  SELECT person_id, region, mm, LEAD(mm) OVER (PARTITION BY person_id ORDER BY mm) AS next_mm FROM ("
            "    SELECT DISTINCT person_id, mm,"
            "      FIRST_VALUE(region_code) OVER (PARTITION BY person_id, mm ORDER BY id DESC) AS region"
            f"    FROM ({sql}) b"
            "  ) pm"
            f") seg JOIN ({month_rows}) months ON months.m >= seg.mm AND (seg.next_mm IS NULL OR months.m < seg.next_mm) "
            "GROUP BY seg.region, months.m",
            (*params, *months),
        )

    return year_leaf


def times_year_leaf(codes: tuple[str, ...], measure: str):
    """Person-times or yuan of every month of the windows, grouped by region and cycle month."""

    def year_leaf(windows: list[Window]) -> QuerySet:
        figure = Count("id") if measure == "times" else Sum("amount")
        lines = counted_lines(
            user=_EVERYONE, region="", first=windows[0].month_start, last=windows[-1].month_start
        ).filter(program__code__in=codes, cycle__month__in=[w.month_start for w in windows])
        return (
            lines.order_by()
            .values(region=F("region_code"), month=ExtractMonth("cycle__month"))
            .annotate(numerator=figure)
        )

    return year_leaf


def times_leaf(codes: tuple[str, ...], measure: str):
    def leaf(window: Window) -> QuerySet:
        figure = Count("id") if measure == "times" else Sum("amount")
        return _lines(_EVERYONE, window, codes).values(region=F("region_code")).annotate(numerator=figure)

    return leaf


def lines_records(codes: tuple[str, ...]):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        return (
            _lines(user, window, codes, region_code)
            .select_related("person", "program")
            .order_by("region_code", "person_id", "period", "id")
        )

    return records


# --- coverage of the eligible (today) ---------------------------------------------------------------


def _coverage(people: QuerySet, user: Any, code: str, window: Window, region: str = "") -> QuerySet:
    """People enrolled and active, or eligible today without an open enrollment, annotated
    ``enrolled``."""
    program = Program.objects.filter(code=code).first()
    if program is None:
        return people.none()
    active = Exists(
        Enrollment.objects.filter(program=program, person=OuterRef("pk"), status=EnrollmentStatus.ACTIVE)
    )
    gaps = enrollment_gaps(user=user, program=program, region=region, on=window.end).values("pk")
    return people.filter(Q(active) | Q(pk__in=gaps)).annotate(enrolled=active)


def coverage_leaf(code: str):
    def leaf(window: Window) -> QuerySet:
        return (
            _coverage(Person.objects.all(), _EVERYONE, code, window)
            .values(region=F("region_code"))
            .annotate(numerator=Count("pk", filter=Q(enrolled=True)), denominator=Count("pk"))
        )

    return leaf


def coverage_records(code: str):
    def records(user: Any, window: Window, region_code: str) -> QuerySet:
        people = Person.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
        return _coverage(people, user, code, window, region_code).order_by("enrolled", "region_code", "id")

    return records


# --- recoveries --------------------------------------------------------------------------------------


def _recovery_lines(items: QuerySet, window: Window) -> QuerySet:
    return RecoveryLine.objects.filter(
        item__in=items.filter(program__code__in=PROGRAMS), period__gte=window.start, period__lte=window.end
    )


def recoveries_leaf(window: Window) -> QuerySet:
    return (
        _recovery_lines(RecoveryItem.objects.all(), window)
        .values(region=F("item__region_code"))
        .annotate(numerator=Sum("amount"))
    )


def recoveries_records(user: Any, window: Window, region_code: str) -> QuerySet:
    items = RecoveryItem.objects.for_user(user, PERMISSION).filter(region_code__startswith=region_code)
    return (
        _recovery_lines(items, window)
        .select_related("item__person", "item__program")
        .order_by("item__region_code", "item_id", "period")
    )


# --- the declarations --------------------------------------------------------------------------------

NAMES = {
    LIVING: {
        "people": _("People paid the living subsidy"),
        "times": _("Living subsidy payments (person-times)"),
        "amount": _("Living subsidy paid"),
        "coverage": _("Living subsidy coverage of the eligible"),
    },
    NURSING: {
        "people": _("People paid the nursing subsidy"),
        "times": _("Nursing subsidy payments (person-times)"),
        "amount": _("Nursing subsidy paid"),
        "coverage": _("Nursing subsidy coverage of the eligible"),
    },
}
SHORT = {LIVING: "living", NURSING: "nursing"}


def _program_indicators(code: str, order: int) -> list[Indicator]:
    short, names = SHORT[code], NAMES[code]
    common: dict[str, Any] = {"area": AREA, "permission": PERMISSION}
    payments = ("payments",)
    return [
        Indicator(
            code=f"subsidies.{short}.people",
            name=names["people"],
            unit=Unit.PEOPLE,
            period=Period.CUMULATIVE,
            sources=payments,
            leaf=people_leaf(code),
            year_leaf=people_year_leaf(code),
            records=people_records(code),
            record_columns=PERSON_COLUMNS,
            order=order,
            **common,
        ),
        Indicator(
            code=f"subsidies.{short}.times",
            name=names["times"],
            unit=Unit.TIMES,
            period=Period.IN_PERIOD,
            sources=payments,
            leaf=times_leaf((code,), "times"),
            year_leaf=times_year_leaf((code,), "times"),
            records=lines_records((code,)),
            record_columns=LINE_COLUMNS,
            order=order + 1,
            **common,
        ),
        Indicator(
            code=f"subsidies.{short}.amount",
            name=names["amount"],
            unit=Unit.AMOUNT,
            period=Period.IN_PERIOD,
            sources=payments,
            leaf=times_leaf((code,), "amount"),
            year_leaf=times_year_leaf((code,), "amount"),
            records=lines_records((code,)),
            record_columns=LINE_COLUMNS,
            order=order + 2,
            **common,
        ),
        Indicator(
            code=f"subsidies.{short}.coverage",
            name=names["coverage"],
            unit=Unit.RATE,
            period=Period.SNAPSHOT,
            sources=("enrollments", "registry"),
            leaf=coverage_leaf(code),
            records=coverage_records(code),
            history=False,
            denominator_label=_("eligible people"),
            record_columns=(
                (_("Full name"), "name"),
                (_("ID number"), "masked_id"),
                (_("Region"), "region_code"),
                (_("Enrolled"), "enrolled"),
            ),
            order=order + 3,
            **common,
        ),
    ]


INDICATORS = [
    *_program_indicators(NURSING, 10),
    *_program_indicators(LIVING, 20),
    Indicator(
        code="subsidies.amount",
        name=_("Two subsidies paid"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("payments",),
        leaf=times_leaf(PROGRAMS, "amount"),
        year_leaf=times_year_leaf(PROGRAMS, "amount"),
        records=lines_records(PROGRAMS),
        record_columns=(*LINE_COLUMNS, (_("Program"), "program.label")),
        order=5,
    ),
    Indicator(
        code="subsidies.recoveries",
        name=_("Subsidies paid without entitlement, to recover"),
        area=AREA,
        unit=Unit.AMOUNT,
        period=Period.IN_PERIOD,
        permission=PERMISSION,
        sources=("payments",),
        leaf=recoveries_leaf,
        records=recoveries_records,
        lower_is_better=True,
        record_columns=(
            (_("Full name"), "item.person.name"),
            (_("ID number"), "item.person.masked_id"),
            (_("Region"), "item.region_code"),
            (_("Month paid for"), "period"),
            (_("Amount"), "amount"),
            (_("Status"), "item.get_status_display"),
        ),
        order=40,
    ),
]
