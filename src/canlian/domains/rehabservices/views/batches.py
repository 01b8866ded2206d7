"""Contractor payment batches (maker-checker)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from canlian.domains.rehabservices import actions, forms, selectors
from canlian.domains.rehabservices.choices import (
    BatchStatus,
)
from canlian.domains.rehabservices.models import (
    ContractorBatch,
)
from canlian.domains.rehabservices.views._common import (
    APPROVE,
    PAY,
    PER_PAGE,
    VIEW,
    _query,
    _raise_not_found,
    _regions,
)
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.views import CanlianView, flash_error, form_error_from, paginate


class BatchListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        qs = selectors.batches_for(request.user, status=request.GET.get("status", ""))
        can_pay = request.user.has_canlian_perm(PAY)
        return render(
            request,
            "rehabservices/batch_list.html",
            {
                "page": paginate(request, qs, PER_PAGE),
                "form": form or (forms.BatchForm(regions=_regions(request.user, PAY)) if can_pay else None),
                "query": _query(request),
            },
            status=status,
        )


class BatchGenerateView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.BatchForm(request.POST, regions=_regions(request.user, PAY))
        if form.is_valid():
            try:
                batch = actions.batch_generate(
                    actor=request.user,
                    region_code=form.cleaned_data["region_code"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _raise_not_found(exc)
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("Batch %(number)s generated; another user must approve it.") % {"number": batch.number},
                )
                return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)
        return BatchListView().get(request, form=form, status=400)


class BatchDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.select_related("generated_by", "approved_by").get_for_user(
            request.user, VIEW, pk=contractor_batch_id
        )
        lines = batch.lines.select_related("project__person").order_by("id")
        user = request.user
        return render(
            request,
            "rehabservices/batch_detail.html",
            {
                "batch": batch,
                "lines": lines,
                "can_approve": batch.status == BatchStatus.GENERATED
                and user.has_canlian_perm(APPROVE)
                and batch.generated_by_id != user.pk,
                "can_pay": batch.status == BatchStatus.APPROVED and user.has_canlian_perm(PAY),
                "paid_form": forms.PaidForm(),
            },
        )


class BatchApproveView(CanlianView):
    required_permission = APPROVE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.get_for_user(request.user, APPROVE, pk=contractor_batch_id)
        try:
            actions.batch_approve(actor=request.user, batch_id=batch.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
        else:
            messages.success(request, _("Batch approved."))
        return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)


class BatchPaidView(CanlianView):
    required_permission = PAY
    http_method_names = ["post"]

    def post(self, request: HttpRequest, contractor_batch_id: int) -> HttpResponse:
        batch = ContractorBatch.objects.get_for_user(request.user, PAY, pk=contractor_batch_id)
        form = forms.PaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the payment date."))
            return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)
        try:
            actions.batch_mark_paid(
                actor=request.user, batch_id=batch.pk, paid_on=form.cleaned_data["paid_on"]
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash_error(request, exc)
        else:
            messages.success(request, _("Batch marked paid."))
        return redirect("rehabservices:batch-detail", contractor_batch_id=batch.pk)
