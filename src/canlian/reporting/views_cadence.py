"""The cadence pages above the daily page (issue 6, item 5): weekly screening (周排查), monthly
dispatch (月调度), quarterly bulletin (季通报, printable), yearly summary (年总结), and the one ledger
workbook (六统一) the last three export. Figures come from ``reporting.cadence`` (they read care and
petitions, so they live above the domains); the URLs stay in the "care" namespace (care/urls.py); every page starts at the
widest region of the user's care.view scope and lets them pick a region inside it. The monthly,
quarterly and yearly pages are the care part of the one cadence: each links to the all-domain
bulletin of the same region and period (``steering:bulletin``), whose care section states the care
indicators next to every other domain's."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.core.regions.models import Region
from canlian.platform.views import CanlianView
from canlian.reporting import cadence

YEARS_BACK = 5


def _year_choices() -> list[tuple[int, int]]:
    this = timezone.localdate().year
    return [(y, y) for y in range(this, this - YEARS_BACK, -1)]


class CadenceForm(RegionBoundForm):
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.CARE_VIEW)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, choices=())
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"), coerce=int, required=False, choices=[(m, m) for m in range(1, 13)]
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"), coerce=int, required=False, choices=[(q, q) for q in range(1, 5)]
    )
    week = forms.DateField(
        label=gettext_lazy("A day of the week"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices()


def _form(request: HttpRequest) -> tuple[CadenceForm, dict[str, Any], Region | None]:
    form = CadenceForm(request.GET or None, request=request)
    # A field in error falls back to its default; the others keep what was chosen.
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    region = data.get("region") or cadence.region_in_scope(request.user, cadence.default_region(request.user))
    return form, data, region


def _period(kind: str, data: dict[str, Any]) -> cadence.Period:
    today = timezone.localdate()
    year = data.get("year") or today.year
    if kind == "week":
        return cadence.week_period(data.get("week") or today)
    if kind == "month":
        month = data.get("month") or (today.month if year == today.year else 12)
        return cadence.month_period(year, month)
    if kind == "quarter":
        default = cadence.quarter_of(today) if year == today.year else 4
        return cadence.quarter_period(year, data.get("quarter") or default)
    return cadence.year_period(year)


def _as_of(period: cadence.Period) -> dt.date:
    """Figures of a period not yet over are as of today."""
    return min(period.end, max(period.start, timezone.localdate()))


def _export_url(kind: str, region: Region | None, period: cadence.Period) -> str:
    params = {"kind": kind, "year": period.year}
    if region is not None:
        params["region"] = region.code
    if kind == "month":
        params["month"] = period.start.month
    if kind == "quarter":
        params["quarter"] = cadence.quarter_of(period.start)
    return f"{reverse('care:ledger-export')}?{urlencode(params)}"


_TEMPLATES = {"week": "weekly", "month": "monthly", "quarter": "bulletin", "year": "yearly"}
#: The all-domain bulletin (steering) each cadence page is part of: its kind and period.
_STEERING_KINDS = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}


def _steering_url(request: HttpRequest, kind: str, region: Region | None, period: cadence.Period) -> str:
    """The all-domain bulletin of the same region and period (for steering.view)."""
    if kind not in _STEERING_KINDS or not request.user.has_canlian_perm(Perm.STEERING_VIEW):
        return ""
    number = {"month": period.start.month, "quarter": cadence.quarter_of(period.start), "year": 1}[kind]
    params = {"kind": _STEERING_KINDS[kind], "year": period.year, "period": number}
    if region is not None:
        params["region"] = region.code
    return f"{reverse('steering:bulletin')}?{urlencode(params)}"


def _page(
    request: HttpRequest,
    kind: str,
    form: CadenceForm,
    region: Region | None,
    period: cadence.Period,
    **extra: Any,
) -> HttpResponse:
    """A cadence page: its filters, region, period, as-of date and (but the weekly one) export link."""
    # The pickers show the period and region the page shows (not their first choices), also when a
    # field in error fell back to its default.
    shown = {
        "year": period.year,
        "month": period.start.month,
        "quarter": cadence.quarter_of(period.start),
        "week": period.start.isoformat(),
        "region": region.code if region is not None else "",
    }
    if form.is_bound:
        data = form.data.copy()
        for name, value in shown.items():
            if not data.get(name) or name in form.errors:
                data[name] = value
        shown_form = CadenceForm(data, request=request)
        shown_form.is_valid()
        for name, errors in form.errors.items():  # the value was wrong: say so next to the default
            shown_form.add_error(name if name in shown_form.fields else None, errors)
        form = shown_form
    else:
        form.initial.update(shown)
    context = {"form": form, "region": region, "period": period, "as_of": _as_of(period), **extra}
    if kind != "week":
        context["export_url"] = _export_url(kind, region, period)
        context["steering_url"] = _steering_url(request, kind, region, period)
    return render(request, f"reporting/cadence/{_TEMPLATES[kind]}.html", context)


class WeeklyView(CanlianView):
    """周排查: the exception lists of a week."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form, data, region = _form(request)
        period = _period("week", data)
        lists = []
        if region is not None:
            lists = cadence.weekly_screening(user=request.user, region=region, period=period)
        return _page(
            request,
            "week",
            form,
            region,
            period,
            lists={x.key: x for x in lists},
            can_manage=request.user.has_canlian_perm(Perm.CARE_MANAGE),
            can_petitions=request.user.has_canlian_perm(Perm.PETITIONS_VIEW),
            previous=(period.start - dt.timedelta(days=7)).isoformat(),
            following=(period.end + dt.timedelta(days=1)).isoformat(),
        )


class MonthlyView(CanlianView):
    """月调度: progress per region and per cadre, for the month and the year to date."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form, data, region = _form(request)
        period = _period("month", data)
        ytd = cadence.Period("ytd", period.year_start, period.end, f"{period.year}年1—{period.end.month}月")
        month_ledger = ytd_ledger = None
        cadres: list[cadence.CadreRow] = []
        if region is not None:
            on = _as_of(period)
            month_ledger = cadence.ledger(user=request.user, region=region, period=period, on=on)
            ytd_ledger = cadence.ledger(user=request.user, region=region, period=ytd, on=on)
            cadres = cadence.cadre_rows(user=request.user, region=region, period=period, on=on)
        return _page(
            request, "month", form, region, period, ledger=month_ledger, ytd=ytd_ledger, cadres=cadres
        )


class BulletinView(CanlianView):
    """季通报: regions ranked by the on-track rate, the bulletin's figures and sentences; printable."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form, data, region = _form(request)
        period = _period("quarter", data)
        result = ranked = None
        text: list[str] = []
        if region is not None:
            result = cadence.ledger(user=request.user, region=region, period=period, on=_as_of(period))
            # People registered at the region itself (本级) are shown, not ranked.
            ranked = cadence.rank(r for r in result.rows if r.code != region.code)
            text = cadence.bulletin_text(result, ranked)
            ranked += [r for r in result.rows if r.code == region.code]
        return _page(request, "quarter", form, region, period, ledger=result, ranked=ranked, text=text)


class YearlyView(CanlianView):
    """年总结: the year's figures per region."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form, data, region = _form(request)
        period = _period("year", data)
        result = None
        if region is not None:
            result = cadence.ledger(user=request.user, region=region, period=period, on=_as_of(period))
        return _page(request, "year", form, region, period, ledger=result)


class LedgerExportView(CanlianView):
    """The ledger workbook (六统一) of a month, quarter or year: the same columns at every level."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        _, data, region = _form(request)
        kind = request.GET.get("kind", "year")
        if kind not in ("month", "quarter", "year"):
            kind = "year"
        period = _period(kind, data)
        if region is None:
            region = Region(code="", name="")
        result = cadence.ledger(user=request.user, region=region, period=period, on=_as_of(period))
        title = {"month": "月调度", "quarter": "季通报", "year": "年总结"}[kind]
        stream = tempfile.TemporaryFile()  # closed by the FileResponse
        cadence.ledger_export(
            user=request.user,
            ledger_=result,
            stream=stream,
            title=f"{region.name}{period.label}结对关爱工作台账（{title}）",
        )
        stream.seek(0)
        return FileResponse(
            stream,
            as_attachment=True,
            filename=f"care-ledger-{region.code or 'none'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
