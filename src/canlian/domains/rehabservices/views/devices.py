"""Assistive devices: the catalogue and its standards, fittings, delivery and replacements."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.institutions.choices import InstitutionKind
from canlian.domains.rehabservices import actions, exports, forms, selectors
from canlian.domains.rehabservices.actions._common import service_points
from canlian.domains.rehabservices.choices import (
    FittingStatus,
)
from canlian.domains.rehabservices.models import (
    DeviceFitting,
    DeviceType,
)
from canlian.domains.rehabservices.views._common import (
    MANAGE,
    PER_PAGE,
    RECORD,
    VIEW,
    PersonFormView,
    _audit_read,
    _download,
    _query,
    _raise_not_found,
    _region,
)
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, form_error_from, paginate


class CatalogueView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        catalogue = selectors.device_catalogue()
        can_manage = request.user.has_canlian_perm(MANAGE)
        return render(
            request,
            "rehabservices/catalogue.html",
            {
                "catalogue": catalogue,
                "form": form or (forms.StandardForm(devices=catalogue) if can_manage else None),
                "categories": dict(_categories()),
            },
            status=status,
        )


def _categories() -> list[tuple[str, str]]:
    from canlian.core.registry.choices import Category

    return [(str(v), str(label)) for v, label in Category.choices]


class StandardSaveView(CanlianView):
    required_permission = MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.StandardForm(request.POST, devices=DeviceType.objects.all())
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.device_standard_save(
                    actor=request.user,
                    device_type_id=d["device_type"],
                    region_code=d["region_code"],
                    valid_from=d["valid_from"],
                    price=d["price"],
                    subsidy=d["subsidy"],
                )
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Standard saved."))
                return redirect("rehabservices:catalogue")
        return CatalogueView().get(request, form=form, status=400)


class FittingListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        due = request.GET.get("due") == "1"
        qs = selectors.fittings_for(
            request.user, status=status, due_within=90 if due else None, region=_region(request)
        )
        return render(
            request,
            "rehabservices/fitting_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "status": status,
                "due": due,
                "statuses": FittingStatus.choices,
                "query": _query(request),
                "today": timezone.localdate(),
            },
        )


class FittingExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.fittings_for(request.user, region=_region(request)).order_by("region_code", "id")
        return _download(
            exports.fittings_xlsx(actor=request.user, fittings=qs), "device-fittings.xlsx", exports.XLSX
        )


class FittingCreateView(PersonFormView):
    template = "rehabservices/fitting_form.html"
    success_message = gettext_lazy("Assessment saved; record the delivery when the device is handed over.")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        user, person = self.request.user, self.person
        stations = service_points(user, RECORD, (InstitutionKind.DEVICE_STATION,)).order_by("name")
        earlier = DeviceFitting.objects.none()
        if person is not None:
            earlier = selectors.fittings_for(
                user, status=FittingStatus.DELIVERED, person_id=person.pk
            ).filter(replaced_by__isnull=True)
        return forms.FittingForm(
            data, devices=DeviceType.objects.filter(active=True), stations=stations, earlier=earlier
        )

    def act(self, data: dict[str, Any]) -> Any:
        return actions.fitting_assess(
            actor=self.request.user,
            person_id=self.person.pk,
            device_type_id=data["device_type"],
            station_id=data["station"],
            assessed_on=data["assessed_on"],
            note=data["note"],
            replaces_id=data["replaces"],
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("rehabservices:fitting-detail", kwargs={"device_fitting_id": result.pk})


class FittingDetailView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, device_fitting_id: int, form: Any = None, status: int = 200
    ) -> HttpResponse:
        try:
            fitting = selectors.fittings_for(request.user).get(pk=device_fitting_id)
        except DeviceFitting.DoesNotExist as exc:
            raise NotFound() from exc
        if form is None:
            _audit_read(request, fitting)
        can_deliver = fitting.status == FittingStatus.ASSESSED and request.user.has_canlian_perm(RECORD)
        return render(
            request,
            "rehabservices/fitting_detail.html",
            {"fitting": fitting, "form": form or (forms.DeliverForm() if can_deliver else None)},
            status=status,
        )


class FittingDeliverView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, device_fitting_id: int) -> HttpResponse:
        fitting = DeviceFitting.objects.get_for_user(request.user, RECORD, pk=device_fitting_id)
        form = forms.DeliverForm(request.POST)
        if form.is_valid():
            try:
                actions.fitting_deliver(
                    actor=request.user, fitting_id=fitting.pk, fitted_on=form.cleaned_data["fitted_on"]
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _("Device delivered."))
                return redirect("rehabservices:fitting-detail", device_fitting_id=fitting.pk)
        return FittingDetailView().get(request, device_fitting_id=fitting.pk, form=form, status=400)
