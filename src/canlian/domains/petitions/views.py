"""Pages of petitions (接访), invitations (邀访) and festival visits (慰问).

Reads go through ``canlian.domains.petitions.selectors`` (petitions.view); every write calls an
action (petitions.handle). Object pages fetch their object in scope first, so another region's
object is a 404 whatever the posted data."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.choices import RegionLevel
from canlian.core.regions.forms import RegionField
from canlian.core.registry.identity import mask_id, upgrade_15
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names
from canlian.domains.petitions import actions, selectors
from canlian.domains.petitions.models import (
    Festival,
    InvitationEvent,
    KeyDate,
    Petition,
    PetitionCategory,
    PetitionStatus,
    Satisfaction,
    key_date,
)
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.tabular import CSV_SUFFIXES, EXCEL_SUFFIXES
from canlian.platform.views import CanlianView, form_error_from, keyset_page
from canlian.platform.widgets import DateInput

PER_PAGE = 50
DATE_INPUT = DateInput()


def _region_label(code: str, names: dict[str, str]) -> str:
    parts = [names[code[:n]] for n in (6, 9, 12) if len(code) >= n and code[:n] in names]
    return " ".join(parts[-2:]) if parts else code


def _label_regions(rows: list[Any]) -> None:
    names = region_names({r.region_code[:n] for r in rows for n in (6, 9, 12) if len(r.region_code) >= n})
    for r in rows:
        r.region_label = _region_label(r.region_code, names)


def _person_in_scope(user: Any, raw: str) -> Person | None:
    """A person by ID number (or 15-digit legacy number) the user may see."""
    term = "".join((raw or "").split()).upper()
    if len(term) == 15 and term.isdigit():
        term = upgrade_15(term)
    if len(term) != 18:
        return None
    return Person.objects.for_user(user, Perm.PERSONS_VIEW).filter(id_number=term).first()


# --- petitions -------------------------------------------------------------------------------------


class PetitionFilterForm(RegionBoundForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *PetitionStatus.choices],
        required=False,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("All")), *PetitionCategory.choices],
        required=False,
    )
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.PETITIONS_VIEW)
    start = forms.DateField(label=gettext_lazy("Received from"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("Received until"), required=False, widget=DATE_INPUT)


class PetitionListView(CanlianView):
    required_permission = Perm.PETITIONS_VIEW
    overdue_only = False
    template = "petitions/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = PetitionFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        today = timezone.localdate()
        if self.overdue_only:
            rows = selectors.petitions_overdue(user=request.user, today=today)
            region = data.get("region")
            if region:
                rows = rows.filter(region_code__startswith=region.code)
            page = keyset_page(request, rows, PER_PAGE, ordering=("deadline", "id"))
        else:
            region = data.get("region")
            rows = selectors.petitions_visible(
                user=request.user,
                status=data.get("status", ""),
                category=data.get("category", ""),
                region=region.code if region else "",
                start=data.get("start"),
                end=data.get("end"),
            )
            page = keyset_page(request, rows, PER_PAGE)
        _label_regions(page.items)
        for p in page.items:
            p.overdue = p.is_overdue(today)
        return render(
            request,
            self.template,
            {
                "form": form,
                "page": page,
                "overdue_only": self.overdue_only,
                "can_handle": request.user.has_canlian_perm(Perm.PETITIONS_HANDLE),
                "today": today,
            },
        )


class OverdueListView(PetitionListView):
    overdue_only = True


class ReceiveForm(RegionBoundForm):
    id_number = forms.CharField(
        label=gettext_lazy("ID number of a registered person"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    visitor_name = forms.CharField(
        label=gettext_lazy("Visitor name (not registered)"), max_length=50, required=False
    )
    visitor_phone = forms.CharField(
        label=gettext_lazy("Visitor phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    region = RegionField(
        label=gettext_lazy("Region (for a visitor not registered)"),
        required=False,
        permission=Perm.PETITIONS_HANDLE,
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=PetitionCategory.choices)
    issue = forms.CharField(label=gettext_lazy("Issue"), widget=forms.Textarea(attrs={"rows": 4}))
    received_on = forms.DateField(label=gettext_lazy("Received on"), required=False, widget=DATE_INPUT)


class PetitionReceiveView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE

    def get(self, request: HttpRequest) -> HttpResponse:
        initial: dict[str, Any] = {"received_on": timezone.localdate()}
        person_id = request.GET.get("person", "")
        if person_id.isdigit():
            person = Person.objects.for_user(request.user, Perm.PERSONS_VIEW).filter(pk=person_id).first()
            if person is not None:
                initial["id_number"] = person.id_number
        return self._page(request, ReceiveForm(initial=initial, request=request))

    def _page(self, request: HttpRequest, form: ReceiveForm) -> HttpResponse:
        return render(request, "petitions/receive.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReceiveForm(request.POST, request=request)
        if not form.is_valid():
            return self._page(request, form)
        data = form.cleaned_data
        person = None
        if data["id_number"]:
            person = _person_in_scope(request.user, data["id_number"])
            if person is None:
                form.add_error("id_number", _("No registered person with this ID number in your region."))
                return self._page(request, form)
        region = data.get("region")
        try:
            petition = actions.petition_receive(
                actor=request.user,
                category=data["category"],
                issue=data["issue"],
                received_on=data.get("received_on"),
                person_id=person.pk if person else None,
                visitor_name=data["visitor_name"],
                visitor_phone=data["visitor_phone"],
                region_code=region.code if region else "",
            )
        except NotFound:
            raise
        except DomainError as exc:
            field = {"region_code": "region"}.get(exc.field or "", exc.field)
            exc.field = field
            form_error_from(form, exc)
            return self._page(request, form)
        messages.success(
            request,
            _("Petition recorded; answer due by %(date)s.") % {"date": f"{petition.deadline:%Y-%m-%d}"},
        )
        return redirect("petitions:detail", petition_id=petition.pk)


class ActForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Action taken"), widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=gettext_lazy("Date"), required=False, widget=DATE_INPUT)


class CloseForm(forms.Form):
    result = forms.CharField(label=gettext_lazy("Result"), widget=forms.Textarea(attrs={"rows": 3}))
    satisfaction = forms.ChoiceField(label=gettext_lazy("Satisfaction"), choices=Satisfaction.choices)
    closed_on = forms.DateField(label=gettext_lazy("Closed on"), required=False, widget=DATE_INPUT)


def _petition(user: Any, petition_id: int, permission: str = Perm.PETITIONS_VIEW) -> Petition:
    return Petition.objects.select_related("person", "handler").get_for_user(user, permission, pk=petition_id)


def _petition_page(
    request: HttpRequest,
    petition: Petition,
    act_form: ActForm | None = None,
    close_form: CloseForm | None = None,
) -> HttpResponse:
    _label_regions([petition])
    today = timezone.localdate()
    can_handle = petition.status == PetitionStatus.OPEN and (
        Petition.objects.for_user(request.user, Perm.PETITIONS_HANDLE).filter(pk=petition.pk).exists()
    )
    return render(
        request,
        "petitions/detail.html",
        {
            "petition": petition,
            "person_masked_id": mask_id(petition.person.id_number) if petition.person_id else "",
            "actions": petition.actions.select_related("by"),
            "overdue": petition.is_overdue(today),
            "can_handle": can_handle,
            "act_form": act_form or ActForm(initial={"on": today}),
            "close_form": close_form or CloseForm(initial={"closed_on": today}),
        },
    )


class PetitionDetailView(CanlianView):
    required_permission = Perm.PETITIONS_VIEW

    def get(self, request: HttpRequest, petition_id: int) -> HttpResponse:
        return _petition_page(request, _petition(request.user, petition_id))


class PetitionActView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, petition_id: int) -> HttpResponse:
        petition = _petition(request.user, petition_id, Perm.PETITIONS_HANDLE)
        form = ActForm(request.POST)
        if form.is_valid():
            try:
                actions.petition_act(actor=request.user, petition_id=petition.pk, **form.cleaned_data)
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Action recorded."))
                return redirect("petitions:detail", petition_id=petition.pk)
        return _petition_page(request, petition, act_form=form)


class PetitionCloseView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, petition_id: int) -> HttpResponse:
        petition = _petition(request.user, petition_id, Perm.PETITIONS_HANDLE)
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                actions.petition_close(actor=request.user, petition_id=petition.pk, **form.cleaned_data)
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("Petition closed."))
                return redirect("petitions:detail", petition_id=petition.pk)
        return _petition_page(request, petition, close_form=form)


# --- invitations -----------------------------------------------------------------------------------


class InvitationListView(CanlianView):
    required_permission = Perm.PETITIONS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.invitations_visible(user=request.user)
        page = keyset_page(request, rows, PER_PAGE, ordering=("-held_on", "-id"))
        _label_regions(page.items)
        year = timezone.localdate().year
        key_dates = [
            (label, key_date(kind, year)) for kind, label in KeyDate.choices if kind != KeyDate.OTHER
        ]
        return render(
            request,
            "petitions/invitation_list.html",
            {
                "page": page,
                "key_dates": key_dates,
                "can_handle": request.user.has_canlian_perm(Perm.PETITIONS_HANDLE),
            },
        )


class InvitationForm(RegionBoundForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    key_date_kind = forms.ChoiceField(label=gettext_lazy("Key date"), choices=KeyDate.choices)
    held_on = forms.DateField(
        label=gettext_lazy("Held on (empty: the key date this year)"), required=False, widget=DATE_INPUT
    )
    region = RegionField(label=gettext_lazy("Region"), permission=Perm.PETITIONS_HANDLE)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class InvitationCreateView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "petitions/invitation_form.html", {"form": InvitationForm(request=request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InvitationForm(request.POST, request=request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            region = data.pop("region")
            try:
                event = actions.invitation_create(actor=request.user, region_code=region.code, **data)
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                return redirect("petitions:invitation-detail", invitation_id=event.pk)
        return render(request, "petitions/invitation_form.html", {"form": form})


class InviteesForm(RegionBoundForm):
    id_numbers = forms.CharField(
        label=gettext_lazy("ID numbers (one a line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    rule = forms.ChoiceField(
        label=gettext_lazy("Or everyone of a region who"),
        choices=[
            ("", "—"),
            ("people", gettext_lazy("lives there")),
            ("certificate_holders", gettext_lazy("holds a certificate in force")),
            ("paired", gettext_lazy("is paired with a cadre")),
        ],
        required=False,
    )
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.PETITIONS_HANDLE)


def _invitation(user: Any, invitation_id: int, permission: str = Perm.PETITIONS_VIEW) -> InvitationEvent:
    return InvitationEvent.objects.get_for_user(user, permission, pk=invitation_id)


def _invitation_page(
    request: HttpRequest, event: InvitationEvent, form: InviteesForm | None = None
) -> HttpResponse:
    _label_regions([event])
    invitees = list(
        event.invitees.select_related("person").order_by("person__region_code", "person__name", "id")
    )
    for i in invitees:
        i.masked_id = mask_id(i.person.id_number)
    can_handle = (
        InvitationEvent.objects.for_user(request.user, Perm.PETITIONS_HANDLE).filter(pk=event.pk).exists()
    )
    return render(
        request,
        "petitions/invitation_detail.html",
        {
            "event": event,
            "invitees": invitees,
            "invited": sum(1 for i in invitees if i.invited),
            "attended": sum(1 for i in invitees if i.attended),
            "can_handle": can_handle,
            "form": form or InviteesForm(request=request),
        },
    )


class InvitationDetailView(CanlianView):
    required_permission = Perm.PETITIONS_VIEW

    def get(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        return _invitation_page(request, _invitation(request.user, invitation_id))


class InviteesAddView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        event = _invitation(request.user, invitation_id, Perm.PETITIONS_HANDLE)
        form = InviteesForm(request.POST, request=request)
        if form.is_valid():
            data = form.cleaned_data
            region = data.get("region")
            person_ids: list[int] | None = None
            if not data["rule"]:
                person_ids, missing = [], []
                for line in data["id_numbers"].split():
                    person = _person_in_scope(request.user, line)
                    if person is None:
                        missing.append(line)
                    else:
                        person_ids.append(person.pk)
                if missing:
                    form.add_error(
                        "id_numbers",
                        _("Not found in your region: %(numbers)s") % {"numbers": ", ".join(missing[:10])},
                    )
                    return _invitation_page(request, event, form)
            try:
                added = actions.invitees_add(
                    actor=request.user,
                    event_id=event.pk,
                    person_ids=person_ids,
                    rule=data["rule"],
                    region=region.code if region else "",
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("%(count)s people added to the list.") % {"count": added})
                return redirect("petitions:invitation-detail", invitation_id=event.pk)
        return _invitation_page(request, event, form)


class AttendanceView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, invitation_id: int) -> HttpResponse:
        event = _invitation(request.user, invitation_id, Perm.PETITIONS_HANDLE)
        ids = [v for v in request.POST.getlist("attended") if v.isdigit()]
        attended = actions.attendance_record(actor=request.user, event_id=event.pk, attended_person_ids=ids)
        messages.success(request, _("Attendance recorded: %(count)s attended.") % {"count": attended})
        return redirect("petitions:invitation-detail", invitation_id=event.pk)


# --- festival visits -------------------------------------------------------------------------------


class FestivalFilterForm(RegionBoundForm):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE_INPUT)
    festival = forms.ChoiceField(
        label=gettext_lazy("Festival or occasion"),
        choices=[("", gettext_lazy("All")), *Festival.choices],
        required=False,
    )
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.PETITIONS_VIEW)
    level = forms.TypedChoiceField(
        label=gettext_lazy("Totals per"),
        choices=[
            (RegionLevel.TOWNSHIP, gettext_lazy("Township")),
            (RegionLevel.COUNTY, gettext_lazy("County")),
        ],
        coerce=int,
        required=False,
        empty_value=RegionLevel.TOWNSHIP,
    )


class FestivalListView(CanlianView):
    required_permission = Perm.PETITIONS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FestivalFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        today = timezone.localdate()
        start = data.get("start") or dt.date(today.year, 1, 1)
        end = data.get("end") or dt.date(today.year, 12, 31)
        region = data.get("region")
        festival = data.get("festival", "")
        rows = selectors.festival_visits_visible(
            user=request.user, start=start, end=end, festival=festival, region=region.code if region else ""
        )
        page = keyset_page(request, rows, PER_PAGE, ordering=("-on", "-id"))
        _label_regions(page.items)
        totals = selectors.festival_money_by_region(
            user=request.user,
            start=start,
            end=end,
            level=data.get("level") or RegionLevel.TOWNSHIP,
            festival=festival,
        )
        if region:
            totals = [
                t for t in totals if t["code"].startswith(region.code) or region.code.startswith(t["code"])
            ]
        return render(
            request,
            "petitions/festival_list.html",
            {
                "form": form,
                "page": page,
                "totals": totals,
                "total_money": sum((t["money"] for t in totals), start=0),
                "total_visits": sum(t["visits"] for t in totals),
                "start": start,
                "end": end,
                "can_handle": request.user.has_canlian_perm(Perm.PETITIONS_HANDLE),
            },
        )


class FestivalVisitForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=20)
    festival = forms.ChoiceField(label=gettext_lazy("Festival or occasion"), choices=Festival.choices)
    on = forms.DateField(label=gettext_lazy("Date"), required=False, widget=DATE_INPUT)
    money = forms.DecimalField(
        label=gettext_lazy("Condolence money"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    goods = forms.CharField(label=gettext_lazy("Goods"), max_length=200, required=False)
    visited_by = forms.CharField(label=gettext_lazy("Visited by"), max_length=100, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class FestivalRecordView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FestivalVisitForm(initial={"on": timezone.localdate()})
        return render(request, "petitions/festival_form.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FestivalVisitForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            person = _person_in_scope(request.user, data.pop("id_number"))
            if person is None:
                form.add_error("id_number", _("No registered person with this ID number in your region."))
            else:
                data["money"] = data["money"] if data["money"] is not None else "0"
                try:
                    actions.festival_visit_record(actor=request.user, person_id=person.pk, **data)
                except NotFound:
                    raise
                except DomainError as exc:
                    form_error_from(form, exc)
                else:
                    messages.success(request, _("Festival visit recorded."))
                    return redirect("petitions:festival-list")
        return render(request, "petitions/festival_form.html", {"form": form})


class FestivalImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Festival visits file"),
        help_text=gettext_lazy(".xlsx or .csv with the columns 身份证号, 日期, 慰问金额, 节日"),
    )
    visited_by = forms.CharField(label=gettext_lazy("Visited by"), max_length=100, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise forms.ValidationError(_("Use an .xlsx, .xls or .csv file."))
        return upload


class FestivalImportView(CanlianView):
    required_permission = Perm.PETITIONS_HANDLE

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "petitions/festival_import.html", {"form": FestivalImportForm(), "errors": []})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FestivalImportForm(request.POST, request.FILES)
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
                fh.flush()
                try:
                    count = actions.festival_visits_import(
                        actor=request.user,
                        path=fh.name,
                        name=upload.name,
                        visited_by=form.cleaned_data["visited_by"],
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("%(count)s festival visits imported.") % {"count": count})
                    return redirect("petitions:festival-list")
        return render(request, "petitions/festival_import.html", {"form": form, "errors": errors})
