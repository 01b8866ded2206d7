"""The bulletin pages: the monthly dispatch, the quarterly bulletin and the yearly summary of a region
across all domains (printable on A4), their .docx and .xlsx downloads (audited), and the page that
sets the ranking scheme's weights."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.views import CanlianView, form_errors_from
from canlian.reporting.models import BulletinKind
from canlian.reporting.steering import targets as actions
from canlian.reporting.steering.bulletins import Bulletin, bulletin
from canlian.reporting.steering.documents import bulletin_export, heading_number
from canlian.reporting.steering.forms import BulletinForm, SchemeForm
from canlian.reporting.steering.progress import percent
from canlian.reporting.steering.selectors import default_region, indicators_visible, schemes_visible

#: The care cadence page of each bulletin kind, and its period parameter.
CARE_PAGES = {
    BulletinKind.MONTHLY: ("care:monthly", "month"),
    BulletinKind.QUARTERLY: ("care:bulletin", "quarter"),
    BulletinKind.YEARLY: ("care:yearly", None),
}


def bulletin_query(b: Bulletin) -> str:
    params: dict[str, Any] = {"kind": b.kind, "year": b.year, "period": b.period}
    if b.region_code:
        params["region"] = b.region_code
    if b.scheme is not None:
        params["scheme"] = b.scheme.pk
    return urlencode(params)


def care_link(user: Any, b: Bulletin) -> str:
    """The care ledger of the same region and period (the care cadence pages), for care.view."""
    if not user.has_canlian_perm(Perm.CARE_VIEW):
        return ""
    name, key = CARE_PAGES[BulletinKind(b.kind)]
    params: dict[str, Any] = {"year": b.year}
    if key:
        params[key] = b.period
    if b.region_code:
        params["region"] = b.region_code
    return f"{reverse(name)}?{urlencode(params)}"


def _bulletin(request: HttpRequest) -> tuple[BulletinForm, Bulletin]:
    form = BulletinForm(request.GET or None, request=request)
    values = form.values()
    region = values["region"]
    code = region.code if region is not None else default_region(user=request.user)
    arguments = {
        "user": request.user,
        "region_code": code,
        "year": values["year"],
        "period_kind": values["kind"],
        "scheme_id": values["scheme"],
    }
    try:
        return form, bulletin(**arguments, period=values["period"])
    except ValidationFailed as exc:  # a month for a quarter: the default period instead
        if form.is_bound:
            form.add_error("period", exc.message)
        return form, bulletin(**arguments, period=None)


class BulletinView(CanlianView):
    """?kind=monthly|quarterly|yearly&year=&period=&region=&scheme="""

    required_permission = Perm.STEERING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form, b = _bulletin(request)
        query = bulletin_query(b)
        header = b.ranking_header()
        return render(
            request,
            "reporting/steering/bulletin.html",
            {
                "form": form,
                "b": b,
                "elapsed": percent(b.elapsed),
                "header": header,
                "rows": [(row, list(zip(header, b.ranking_cells(row), strict=True))) for row in b.ranking],
                "sections": [(heading_number(i), s) for i, s in enumerate(b.sections)],
                "ranking_number": heading_number(len(b.sections)),
                "docx_url": f"{reverse('steering:bulletin-docx')}?{query}",
                "xlsx_url": f"{reverse('steering:bulletin-xlsx')}?{query}",
                "care_url": care_link(request.user, b),
                "can_edit_scheme": request.user.has_canlian_perm(Perm.STEERING_TARGETS),
                "schemes": list(schemes_visible(user=request.user).filter(region_code=b.region_code)),
            },
        )


class _BulletinDownload(CanlianView):
    required_permission = Perm.STEERING_VIEW
    fmt = ""

    def get(self, request: HttpRequest) -> HttpResponse:
        _form, b = _bulletin(request)
        data, name, content_type = bulletin_export(actor=request.user, bulletin=b, fmt=self.fmt)
        return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=content_type)


class BulletinDocxView(_BulletinDownload):
    """The bulletin as a Word document (title, date, sentences, the ranking table)."""

    fmt = "docx"


class BulletinXlsxView(_BulletinDownload):
    """The bulletin as a workbook (the text, the ranking, the region's figures)."""

    fmt = "xlsx"


class SchemesView(CanlianView):
    """The weights of the indicators that rank a region's sub-regions (?region=&name=)."""

    required_permission = Perm.STEERING_TARGETS

    def _form(self, request: HttpRequest, data: Any = None) -> SchemeForm:
        indicators = indicators_visible(user=request.user)
        initial: dict[str, Any] = {}
        if data is None:
            code = request.GET.get("region") or default_region(user=request.user)
            schemes = schemes_visible(user=request.user).filter(region_code=code).order_by("name", "pk")
            if request.GET.get("name"):
                schemes = schemes.filter(name=request.GET["name"])
            scheme = schemes.first()
            if code:
                initial["region"] = code
            if scheme is not None:
                initial["name"] = scheme.name
                initial.update({f"w_{i['indicator']}": i["weight"] for i in scheme.items})
        return SchemeForm(data, initial=initial, indicators=indicators, request=request)

    def _page(self, request: HttpRequest, form: SchemeForm, status: int = 200) -> HttpResponse:
        code = request.GET.get("region") or ""
        region = Region.objects.filter(code=code).first() if code else None
        schemes = schemes_visible(user=request.user).filter(region_code=code) if code else []
        return render(
            request,
            "reporting/steering/bulletin_schemes.html",
            {"form": form, "region": region, "schemes": list(schemes)},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, self._form(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                scheme = actions.scheme_save(
                    actor=request.user,
                    region_code=form.cleaned_data["region"].code,
                    name=form.cleaned_data["name"],
                    items=form.items(),
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"region_code": "region"})
            else:
                messages.success(request, _("Bulletin scheme saved."))
                params = {"region": scheme.region_code, "scheme": scheme.pk}
                return redirect(f"{reverse('steering:bulletin')}?{urlencode(params)}")
        return self._page(request, form, status=400)
