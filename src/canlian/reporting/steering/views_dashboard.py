"""The steering dashboard and its drill-down: a region's indicator cards and charts, one indicator
by month and by sub-region (one level down per click), the people or records behind a figure
(scoped, masked, audited), and the "refresh now" button.

Every page reads summary rows through the selectors (``dashboard``, ``figures``); only the records
page reads base tables, through the indicator's own ``records`` (its model's ``for_user``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError
from canlian.platform.indicators import Indicator, Period, get_indicator
from canlian.platform.views import CanlianView, flash_error, keyset_page
from canlian.reporting.steering.actions import indicator_records_viewed, indicators_refresh_request
from canlian.reporting.steering.charts import progress_chart, ranked_children, ranking_chart
from canlian.reporting.steering.formatting import present, share_text
from canlian.reporting.steering.forms_dashboard import Params, read_params
from canlian.reporting.steering.record_table import page_ordering, record_rows, related_paths
from canlian.reporting.steering.selectors import (
    dashboard,
    figures,
    indicator_records,
    indicators_visible,
)

PER_PAGE = 50
LEVEL_LENGTHS = (2, 4, 6, 9, 12)


def region_path(user: Any, region_code: str) -> list[tuple[str, str]]:
    """(code, name) from the top of the user's scope down to ``region_code`` (the breadcrumbs)."""
    roots = [r for r in scope_roots(user, Perm.STEERING_VIEW) if region_code.startswith(r)]
    root = min(roots, key=len) if roots else region_code
    codes = [region_code[:n] for n in LEVEL_LENGTHS if len(root) <= n <= len(region_code)]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    path = [("", _("National"))] if not root else []
    return path + [(c, names.get(c, c)) for c in codes]


def _indicator_for(user: Any, code: str) -> Indicator:
    try:
        indicator = get_indicator(code)
    except LookupError:
        raise Http404() from None
    if not user.has_canlian_perm(indicator.permission):
        raise DjangoPermissionDenied()
    return indicator


def _url(name: str, params: Params, code: str | None = None, **changes: Any) -> str:
    path = reverse(name, kwargs={"indicator_code": code}) if code else reverse(name)
    return f"{path}?{params.query(**changes)}"


class DashboardView(CanlianView):
    """A region's cards grouped by area, a chosen indicator by month and its sub-regions ranked."""

    required_permission = Perm.STEERING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        indicators = indicators_visible(user=request.user)
        params = read_params(request, indicators, today)
        board = dashboard(
            user=request.user,
            region_code=params.region_code,
            year=params.year,
            month=params.month,
            today=today,
        )
        chosen = board.own.get(params.indicator)
        charts = []
        if chosen is not None:
            charts.append(progress_chart(chosen, today))
            if board.children:
                charts.append(ranking_chart(board, chosen.indicator.code))
        return render(
            request,
            "reporting/steering/dashboard.html",
            {
                "board": board,
                "params": params,
                "form": params.form,
                "chosen": chosen,
                "charts": charts,
                "path": [
                    (code, name, _url("steering:dashboard", params, region=code, indicator=params.indicator))
                    for code, name in region_path(request.user, board.region_code)
                ],
                "elapsed": share_text(board.elapsed),
                "can_refresh": may(request.user, Perm.STEERING_TARGETS, board.region_code),
                "indicator_url": (
                    _url("steering:indicator", params, chosen.indicator.code) if chosen is not None else ""
                ),
            },
        )


class IndicatorView(CanlianView):
    """One indicator of one region: by month, and its sub-regions (value, target, progress, rank),
    each row opening the same page one level down; the records behind the figure at the bottom."""

    required_permission = Perm.STEERING_VIEW

    def get(self, request: HttpRequest, indicator_code: str) -> HttpResponse:
        today = timezone.localdate()
        indicator = _indicator_for(request.user, indicator_code)
        params = read_params(request, [indicator], today)
        board = dashboard(
            user=request.user,
            region_code=params.region_code,
            year=params.year,
            month=params.month,
            codes=[indicator.code],
            today=today,
        )
        figure = board.own[indicator.code]
        rows, by_progress = ranked_children(board, indicator.code)
        for row in rows:
            row.url = _url("steering:indicator", params, indicator.code, region=row.region.code)
        charts = [progress_chart(figure, today)]
        if rows:
            charts.append(ranking_chart(board, indicator.code))
        return render(
            request,
            "reporting/steering/indicator.html",
            {
                "board": board,
                "indicator": indicator,
                "figure": figure,
                "view": present(figure),
                "params": params,
                "form": params.form,
                "rows": rows,
                "by_progress": by_progress,
                "charts": charts,
                "path": [
                    (code, name, _url("steering:indicator", params, indicator.code, region=code))
                    for code, name in region_path(request.user, board.region_code)
                ],
                "dashboard_url": _url("steering:dashboard", params, indicator=indicator.code),
                "records_url": (
                    _url("steering:records", params, indicator.code) if indicator.records is not None else ""
                ),
                "can_refresh": may(request.user, Perm.STEERING_TARGETS, board.region_code),
            },
        )


def _window_label(indicator: Indicator, start: dt.date, end: dt.date) -> str:
    if indicator.period == Period.SNAPSHOT:
        return _("as at %(day)s") % {"day": end.isoformat()}
    return _("from %(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}


class RecordsView(CanlianView):
    """The people or records a figure counts, keyset-paged, masked; each page view is audited."""

    required_permission = Perm.STEERING_VIEW

    def get(self, request: HttpRequest, indicator_code: str) -> HttpResponse:
        today = timezone.localdate()
        indicator = _indicator_for(request.user, indicator_code)
        params = read_params(request, [indicator], today)
        records = indicator_records(
            user=request.user,
            code=indicator.code,
            region_code=params.region_code,
            year=params.year,
            month=params.month,
            today=today,
        )
        related = related_paths(indicator, records.model)
        page = keyset_page(
            request,
            records.select_related(*related) if related else records,
            PER_PAGE,
            ordering=page_ordering(records),
        )
        headers, rows = record_rows(indicator, records.model, page.items)
        window = indicator.window(params.year, params.month, today)
        indicator_records_viewed(
            actor=request.user,
            indicator=indicator,
            region_code=params.region_code,
            window=window,
            count=len(page.items),
            page=request.GET.get("after") or request.GET.get("before") or "",
        )
        figure = figures(
            user=request.user,
            regions=[params.region_code],
            year=params.year,
            month=params.month,
            indicators=[indicator],
            today=today,
        )[(indicator.code, params.region_code)]
        path = [
            (code, name, _url("steering:indicator", params, indicator.code, region=code))
            for code, name in region_path(request.user, params.region_code)
        ]
        return render(
            request,
            "reporting/steering/records.html",
            {
                "indicator": indicator,
                "params": params,
                "view": present(figure),
                "headers": headers,
                "rows": rows,
                "page": page,
                "window": _window_label(indicator, window.start, window.end),
                "in_period": indicator.period == Period.IN_PERIOD,
                "region_name": path[-1][1],
                "path": path,
                "indicator_url": _url("steering:indicator", params, indicator.code),
            },
        )


class RefreshView(CanlianView):
    """POST: queue the ``indicators.refresh`` job for the region of the dashboard (audited)."""

    required_permission = Perm.STEERING_TARGETS

    def post(self, request: HttpRequest) -> HttpResponse:
        region = request.POST.get("region")
        codes = [c for c in request.POST.getlist("indicator") if c]
        back = reverse("steering:dashboard")
        try:
            job = indicators_refresh_request(
                actor=request.user, region_code=region, year=request.POST.get("year"), codes=codes
            )
        except DomainError as exc:
            flash_error(request, exc)
            return redirect(back)
        if len(codes) == 1:  # the indicator page's button: back to that page
            back = reverse("steering:indicator", kwargs={"indicator_code": codes[0]})
        messages.success(
            request,
            _("The figures are being recomputed (job #%(job)s); reload the page in a moment.")
            % {"job": job.pk},
        )
        query = {"region": job.region_code, "year": job.params["year"]}
        if request.POST.get("month"):
            query["month"] = request.POST["month"]
        return redirect(f"{back}?{urlencode(query)}")
