from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from canlian.core.jobs.actions import job_submit
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionFilterForm, RegionImportForm
from canlian.core.regions.models import Region
from canlian.core.regions.selectors import region_children, region_path, region_roots_for, region_search
from canlian.platform.errors import DomainError
from canlian.platform.views import CanlianView, form_error_from


class RegionBrowseView(CanlianView):
    """The top of the user's region tree, with search."""

    required_permission = Perm.REGIONS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegionFilterForm(request.GET)
        results = None
        if form.is_valid() and form.cleaned_data["q"]:
            results = list(region_search(user=request.user, q=form.cleaned_data["q"]))
        return render(
            request,
            "regions/browse.html",
            {"form": form, "results": results, "roots": region_roots_for(user=request.user)},
        )


class RegionDetailView(CanlianView):
    required_permission = Perm.REGIONS_VIEW

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        region = Region.objects.get_for_user(request.user, Perm.REGIONS_VIEW, code=code)
        show_abolished = request.GET.get("abolished") == "1"
        return render(
            request,
            "regions/detail.html",
            {
                "region": region,
                "path": region_path(region),
                "children": region_children(
                    user=request.user, code=region.code, include_abolished=show_abolished
                ),
                "names": list(region.names.order_by("valid_from")),
                "show_abolished": show_abolished,
            },
        )


class RegionPickerChildrenView(CanlianView):
    """The cascading picker's source: the in-force children of a region in the user's scope."""

    required_permission = Perm.REGIONS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("code", "")
        children = region_children(user=request.user, code=code)
        return JsonResponse(
            {"children": [{"code": r.code, "name": r.name, "level": r.level} for r in children]}
        )


class RegionImportView(CanlianView):
    """Upload a township/village list; it is imported by a job."""

    required_permission = Perm.REGIONS_IMPORT

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "regions/import.html", {"form": RegionImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RegionImportForm(request.POST, request.FILES)
        if form.is_valid():
            assert request.user.is_authenticated  # CanlianView lets only a signed-in user in
            codes = request.user.scope_for(Perm.REGIONS_IMPORT).prefixes
            region_code = min(codes, key=len) if codes else ""
            try:
                job = job_submit(
                    actor=request.user,
                    kind="regions.import",
                    params={"dry_run": form.cleaned_data["dry_run"]},
                    region_code=region_code,
                    upload=form.cleaned_data["file"],
                )
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request, _("The file was received; the import runs as job #%(id)s.") % {"id": job.pk}
                )
                return redirect("jobs:detail", job_id=job.pk)
        return render(request, "regions/import.html", {"form": form})
