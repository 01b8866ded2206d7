from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.audit.events import event_choices
from canlian.core.audit.models import AuditEvent
from canlian.core.audit.selectors import audit_events_for
from canlian.core.permissions import Perm
from canlian.platform.forms import date_field
from canlian.platform.views import CanlianView, paginate


class AuditFilterForm(forms.Form):
    event_type = forms.ChoiceField(
        label=_("Event"), choices=lambda: [("", _("All events")), *event_choices()], required=False
    )
    actor = forms.CharField(label=_("Actor (user name)"), required=False)
    region_code = forms.CharField(label=_("Region code"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    request_id = forms.CharField(label=_("Request id"), required=False)
    date_from = date_field(_("From"), required=False)
    date_to = date_field(_("To"), required=False)


class AuditListView(CanlianView):
    required_permission = Perm.AUDIT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = AuditFilterForm(request.GET)
        filters: dict[str, Any] = {}
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        events = audit_events_for(user=request.user, **filters)
        return render(request, "audit/list.html", {"form": form, "page": paginate(request, events)})


class AuditDetailView(CanlianView):
    required_permission = Perm.AUDIT_VIEW

    def get(self, request: HttpRequest, event_id: int) -> HttpResponse:
        event = AuditEvent.objects.get_for_user(request.user, Perm.AUDIT_VIEW, pk=event_id)
        same_request = (
            audit_events_for(user=request.user, request_id=event.request_id).exclude(pk=event.pk)[:50]
            if event.request_id
            else []
        )
        return render(
            request,
            "audit/detail.html",
            {"event": event, "same_request": same_request, "today": timezone.localdate()},
        )
