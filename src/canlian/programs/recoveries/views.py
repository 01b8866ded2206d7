"""Pages of recovery items (追缴): the list (program, status, region) and an item's page with its
months (paid, due, to recover) and the forms that record it recovered or waived with a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.forms import date_field
from canlian.platform.views import CanlianView, form_error_from, keyset_page
from canlian.programs.choices import ProgramKind, RecoveryStatus
from canlian.programs.models import Program
from canlian.programs.recoveries import selectors
from canlian.programs.recoveries.actions import recovery_resolve

PER_PAGE = 50


class RecoveryFilterForm(forms.Form):
    program = forms.ChoiceField(label=gettext_lazy("Program"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *RecoveryStatus.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = Program.objects.active().filter(kind=ProgramKind.MONTHLY_CASH)
        self.fields["program"].choices = [("", "—"), *((p.code, p.label) for p in programs)]


class ResolveForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=RecoveryStatus.choices[1:])
    on = date_field(gettext_lazy("Date"))
    note = forms.CharField(
        label=gettext_lazy("Note (the reason, when waived)"), max_length=300, required=False
    )


class RecoveryListView(CanlianView):
    required_permission = Perm.PAYMENTS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RecoveryFilterForm(request.GET)
        data = form.cleaned_data if form.is_valid() else {}
        items = selectors.recoveries_visible(
            user=request.user, program=data.get("program", ""), status=data.get("status", "")
        )
        page = keyset_page(request, items, PER_PAGE)
        return render(request, "programs/recoveries/list.html", {"form": form, "page": page})


def _page(request: HttpRequest, item: Any, form: ResolveForm | None = None) -> HttpResponse:
    can_resolve = item.status == RecoveryStatus.TO_RECOVER and request.user.has_canlian_perm(
        Perm.PAYMENTS_GENERATE
    )
    return render(
        request,
        "programs/recoveries/detail.html",
        {
            "item": item,
            "lines": item.lines.select_related("line__cycle").order_by("period"),
            "form": form or ResolveForm(initial={"status": RecoveryStatus.RECOVERED}),
            "can_resolve": can_resolve,
        },
    )


class RecoveryDetailView(CanlianView):
    required_permission = Perm.PAYMENTS_VIEW

    def get(self, request: HttpRequest, item_id: int) -> HttpResponse:
        return _page(request, selectors.recovery_for_user(user=request.user, item_id=item_id))


class RecoveryResolveView(CanlianView):
    """Recovered (``payments.generate``) or waived with a reason (``payments.approve``)."""

    required_permission = Perm.PAYMENTS_GENERATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, item_id: int) -> HttpResponse:
        item = selectors.recovery_for_user(user=request.user, item_id=item_id)
        form = ResolveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recovery_resolve(
                    actor=request.user,
                    item_id=item.pk,
                    status=data["status"],
                    on=data["on"],
                    note=data["note"],
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("The recovery item was recorded."))
                return redirect("programs:recovery-detail", item_id=item.pk)
        return _page(request, item, form)
