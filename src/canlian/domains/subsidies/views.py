"""The two subsidies' pages: statistics for a region and a range of months, with the sentence a
federation puts in its report, per-township rows and an Excel export (audited)."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.domains.subsidies.exporting import statistics_export
from canlian.domains.subsidies.forms import StatisticsForm
from canlian.domains.subsidies.statistics import subsidy_statistics
from canlian.platform.views import CanlianView


class StatisticsView(CanlianView):
    """Aggregates only: enrollments.view in the user's scope."""

    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = StatisticsForm(request.GET or None, request=request)
        region, first, last = form.values()
        stats = subsidy_statistics(user=request.user, region=region, first=first, last=last)
        return render(
            request,
            "subsidies/statistics.html",
            {"form": form, "stats": stats, "query": request.GET.urlencode()},
        )


class StatisticsExportView(CanlianView):
    required_permission = Perm.ENROLLMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = StatisticsForm(request.GET or None, request=request)
        region, first, last = form.values()
        stats = subsidy_statistics(user=request.user, region=region, first=first, last=last)
        stream = tempfile.TemporaryFile()  # closed by the FileResponse
        statistics_export(user=request.user, stats=stats, stream=stream)
        stream.seek(0)
        name = f"subsidies-{first:%Y%m}-{last:%Y%m}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return FileResponse(
            stream,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
