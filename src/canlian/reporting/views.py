"""Reporting pages: the figures of children's rehabilitation and institution supervision for a
region and a period, with the report sentence, and their Excel export (audited)."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from canlian.core.permissions import Perm
from canlian.platform.views import CanlianView
from canlian.reporting.exporting import figures_export
from canlian.reporting.forms import RehabFiguresForm
from canlian.reporting.rehab_figures import rehab_figures


class RehabFiguresView(CanlianView):
    """Aggregates only: rehab.view in the user's scope (an institution's staff see their own)."""

    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RehabFiguresForm(request.GET or None, request=request)
        region, first, last = form.values()
        figures = rehab_figures(user=request.user, region=region, first=first, last=last)
        return render(
            request,
            "reporting/rehab_figures.html",
            {"form": form, "figures": figures, "query": request.GET.urlencode()},
        )


class RehabFiguresExportView(CanlianView):
    required_permission = Perm.REHAB_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RehabFiguresForm(request.GET or None, request=request)
        region, first, last = form.values()
        figures = rehab_figures(user=request.user, region=region, first=first, last=last)
        stream = tempfile.TemporaryFile()  # closed by the FileResponse
        figures_export(user=request.user, figures=figures, stream=stream)
        stream.seek(0)
        name = f"rehab-figures-{first:%Y%m%d}-{last:%Y%m%d}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return FileResponse(
            stream,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
