"""Pages of care: today (日管控), pairings with their compliance, the unpaired list (应结尽结), pairing
detail with history, the contact form (phone-first), contacts, needs, and the pairing upload."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names
from canlian.domains.care import actions, selectors
from canlian.domains.care.compliance import DUE_SOON, OVERDUE, STATUS_LABELS, person_compliance
from canlian.domains.care.forms import (
    ContactForm,
    NeedUpdateForm,
    PairingCreateForm,
    PairingEndForm,
    PairingReassignForm,
    PairingUploadForm,
)
from canlian.domains.care.models import Contact, ContactWay, Need, NeedStatus
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.views import CanlianView, flash_error, form_error_from, int_param, keyset_page

PER_PAGE = 50


def _region_label(code: str, names: dict[str, str]) -> str:
    parts = [names[code[:n]] for n in (9, 12) if len(code) >= n and code[:n] in names]
    return " ".join(parts) if parts else code


def _label_regions(rows: list[Any]) -> None:
    names = region_names({r.region_code[:n] for r in rows for n in (9, 12) if len(r.region_code) >= n})
    for r in rows:
        r.region_label = _region_label(r.region_code, names)


def _year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _visible_person(user: Any, person_id: Any) -> Person:
    return Person.objects.get_for_user(user, Perm.CARE_VIEW, pk=person_id)


def _visible_contact(user: Any, contact_id: Any) -> Any:
    try:
        return selectors.contacts_visible(user=user).get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


class TodayView(CanlianView):
    """日管控: the signed-in user's overdue and due-soon people (the people paired to them), their needs
    past due and their follow-ups due."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        rows = person_compliance(user=request.user, year=today.year, on=today, cadre=request.user)
        due = [r for r in rows if r.status in (OVERDUE, DUE_SOON)]
        done = [r for r in rows if r.status not in (OVERDUE, DUE_SOON)]
        _label_regions(rows)
        needs = list(
            selectors.needs_visible(user=request.user, owner=request.user, overdue_on=today).order_by(
                "due_on", "id"
            )[:100]
        )
        follow_ups = list(selectors.follow_ups_due(user=request.user, on=today, days=0)[:100])
        return render(
            request,
            "care/today.html",
            {
                "today": today,
                "due": due,
                "done": done,
                "needs": needs,
                "follow_ups": follow_ups,
                "can_record": request.user.has_canlian_perm(Perm.CARE_RECORD),
            },
        )


class PairingListView(CanlianView):
    """My pairings (a cadre) or the region's (care.manage), with this year's compliance status."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        status = request.GET.get("status", "")
        mine = request.GET.get("mine") == "1"
        rows = person_compliance(user=request.user, year=year, cadre=request.user if mine else None)
        counts = {key: sum(1 for r in rows if r.status == key) for key in STATUS_LABELS}
        if status in STATUS_LABELS:
            rows = [r for r in rows if r.status == status]
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
        _label_regions(list(page))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "care/pairing_list.html",
            {
                "page": page,
                "year": year,
                "status": status,
                "mine": mine,
                "statuses": [(key, label, counts[key]) for key, label in STATUS_LABELS.items()],
                "query": query.urlencode(),
                "can_manage": request.user.has_canlian_perm(Perm.CARE_MANAGE),
                "own_only": selectors.own_only(user=request.user),
            },
        )


class UnpairedView(CanlianView):
    """应结尽结: people who should be paired and are not, with a pair action per row."""

    required_permission = Perm.CARE_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.unpaired(user=request.user)
        page = keyset_page(request, qs.order_by("-id"), PER_PAGE, ordering=("-id",))
        _label_regions(page.items)
        rule = selectors.pairing_eligibility()
        return render(request, "care/unpaired.html", {"page": page, "grades": rule["grades"]})


class PairingCreateView(CanlianView):
    """Pair a cadre with a person (?person=<id>)."""

    required_permission = Perm.CARE_MANAGE

    def _person(self, request: HttpRequest, raw: Any) -> Person | None:
        if raw in (None, ""):
            return None
        return _visible_person(request.user, raw)

    def get(self, request: HttpRequest) -> HttpResponse:
        person = self._person(request, request.GET.get("person"))
        cadres = actions.cadres_for_region(person.region_code) if person else []
        form = PairingCreateForm(cadres=cadres, initial={"person": person.pk if person else None})
        return render(request, "care/pairing_form.html", {"form": form, "person": person})

    def post(self, request: HttpRequest) -> HttpResponse:
        person = self._person(request, request.POST.get("person"))
        cadres = actions.cadres_for_region(person.region_code) if person else []
        form = PairingCreateForm(request.POST, cadres=cadres)
        if person is not None and form.is_valid():
            try:
                pairing = actions.pairing_create(
                    actor=request.user,
                    person_id=person.pk,
                    cadre_id=form.cleaned_data["cadre"],
                    started_on=form.cleaned_data["started_on"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Paired."))
                return redirect("care:pairing-detail", pairing_id=pairing.pk)
        elif person is None:
            form.add_error(None, _("Choose a person from the unpaired list."))
        return render(request, "care/pairing_form.html", {"form": form, "person": person}, status=400)


class PairingDetailView(CanlianView):
    """One pairing: the person's pairing history, this year's contacts and compliance, end and
    re-assign (care.manage)."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest, pairing_id: int) -> HttpResponse:
        pairing = selectors.pairing_get(user=request.user, pairing_id=pairing_id)
        return self.page(request, pairing)

    def page(self, request: HttpRequest, pairing: Any, status: int = 200, **forms: Any) -> HttpResponse:
        year = timezone.localdate().year
        can_manage = may(request.user, Perm.CARE_MANAGE, pairing.region_code)
        rows = [
            r for r in person_compliance(user=request.user, year=year) if r.person_id == pairing.person_id
        ]
        cadres = actions.cadres_for_region(pairing.region_code) if can_manage and pairing.is_active else []
        context = {
            "pairing": pairing,
            "person": pairing.person,
            "history": selectors.pairing_history(person=pairing.person),
            "contacts": selectors.contacts_visible(user=request.user, person=pairing.person)[:50],
            "needs": selectors.needs_visible(user=request.user, person=pairing.person)[:50],
            "row": rows[0] if rows else None,
            "year": year,
            "can_manage": can_manage,
            "can_record": selectors.recordable_person(user=request.user, person=pairing.person),
            "end_form": forms.get("end_form") or PairingEndForm(initial={"ended_on": timezone.localdate()}),
            "reassign_form": forms.get("reassign_form") or PairingReassignForm(cadres=cadres),
        }
        return render(request, "care/pairing_detail.html", context, status=status)


class PairingEndView(PairingDetailView):
    required_permission = Perm.CARE_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pairing_id: int) -> HttpResponse:
        pairing = selectors.pairing_get(user=request.user, pairing_id=pairing_id)
        form = PairingEndForm(request.POST)
        if form.is_valid():
            try:
                actions.pairing_end(actor=request.user, pairing_id=pairing.pk, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("The pairing has ended."))
                return redirect("care:pairing-detail", pairing_id=pairing.pk)
        return self.page(request, pairing, status=400, end_form=form)


class PairingReassignView(PairingDetailView):
    required_permission = Perm.CARE_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pairing_id: int) -> HttpResponse:
        pairing = selectors.pairing_get(user=request.user, pairing_id=pairing_id)
        form = PairingReassignForm(request.POST, cadres=actions.cadres_for_region(pairing.region_code))
        if form.is_valid():
            try:
                new = actions.pairing_reassign(
                    actor=request.user,
                    pairing_id=pairing.pk,
                    cadre_id=form.cleaned_data["cadre"],
                    on=form.cleaned_data["on"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Re-assigned."))
                return redirect("care:pairing-detail", pairing_id=new.pk)
        return self.page(request, pairing, status=400, reassign_form=form)


class ContactCreateView(CanlianView):
    """Record a contact with a person: phone-first, way and date are enough."""

    required_permission = Perm.CARE_RECORD

    def _person(self, request: HttpRequest, person_id: int) -> Person:
        person = _visible_person(request.user, person_id)
        if not selectors.recordable_person(user=request.user, person=person):
            raise NotFound()
        return person

    def _render(
        self, request: HttpRequest, person: Person, form: ContactForm, status: int = 200
    ) -> HttpResponse:
        pairing = selectors.active_pairing(person=person)
        return render(
            request,
            "care/contact_form.html",
            {"form": form, "person": person, "pairing": pairing, "home_visit": ContactWay.HOME_VISIT},
            status=status,
        )

    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = self._person(request, person_id)
        return self._render(request, person, ContactForm())

    def post(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = self._person(request, person_id)
        form = ContactForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            for key in ("policies_delivered", "difficulties_solved", "tasks_done"):
                data[key] = data.get(key) or 0
            try:
                actions.contact_record(actor=request.user, person_id=person.pk, **data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Contact with %(name)s recorded.") % {"name": person.name})
                target = request.POST.get("next") or ""
                if target.startswith("/") and not target.startswith("//"):
                    return redirect(target)
                return redirect("care:today")
        return self._render(request, person, form, status=400)


class ContactListView(CanlianView):
    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = selectors.contacts_visible(user=request.user)
        way = request.GET.get("way", "")
        if way in ContactWay.values:
            qs = qs.filter(way=way)
        if request.GET.get("mine") == "1":
            qs = qs.filter(cadre=request.user)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-on", "-id"))
        _label_regions(page.items)
        return render(
            request, "care/contact_list.html", {"page": page, "ways": ContactWay.choices, "way": way}
        )


class ContactDetailView(CanlianView):
    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest, contact_id: int) -> HttpResponse:
        contact = _visible_contact(request.user, contact_id)
        return render(request, "care/contact_detail.html", {"contact": contact, "needs": contact.needs.all()})


class ContactPhotoView(CanlianView):
    """The photo of a home visit, read through the contact's scope (never a public media URL)."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest, contact_id: int) -> HttpResponse:
        contact = _visible_contact(request.user, contact_id)
        if not contact.photo:
            raise NotFound()
        try:
            handle = contact.photo.open("rb")
        except OSError as exc:
            raise NotFound() from exc
        return FileResponse(handle, filename=Path(contact.photo.name).name)


class NeedListView(CanlianView):
    """Needs: mine / all visible, by status, overdue."""

    required_permission = Perm.CARE_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        status = request.GET.get("status", "open")
        overdue = request.GET.get("overdue") == "1"
        mine = request.GET.get("mine") == "1"
        qs = selectors.needs_visible(
            user=request.user,
            owner=request.user if mine else None,
            status=status if status in NeedStatus.values else None,
            open_only=status == "open_all",
            overdue_on=today if overdue else None,
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("-created_at", "-id"))
        _label_regions(page.items)
        return render(
            request,
            "care/need_list.html",
            {
                "page": page,
                "today": today,
                "status": status,
                "overdue": overdue,
                "mine": mine,
                "statuses": NeedStatus.choices,
                "can_record": request.user.has_canlian_perm(Perm.CARE_RECORD),
            },
        )


class NeedDetailView(CanlianView):
    required_permission = Perm.CARE_VIEW

    def _need(self, request: HttpRequest, need_id: int) -> Any:
        try:
            return selectors.needs_visible(user=request.user).get(pk=need_id)
        except (Need.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc

    def get(self, request: HttpRequest, need_id: int) -> HttpResponse:
        need = self._need(request, need_id)
        form = NeedUpdateForm(
            initial={"status": need.status, "resolution": need.resolution, "due_on": need.due_on}
        )
        return self._render(request, need, form)

    def _render(
        self, request: HttpRequest, need: Any, form: NeedUpdateForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "care/need_detail.html",
            {"need": need, "form": form, "can_record": request.user.has_canlian_perm(Perm.CARE_RECORD)},
            status=status,
        )


class NeedUpdateView(NeedDetailView):
    required_permission = Perm.CARE_RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, need_id: int) -> HttpResponse:
        need = self._need(request, need_id)
        form = NeedUpdateForm(request.POST)
        if form.is_valid():
            try:
                actions.need_update(actor=request.user, need_id=need.pk, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("The need was updated."))
                return redirect("care:need-detail", need_id=need.pk)
        return self._render(request, need, form, status=400)


class PairingUploadView(CanlianView):
    """Bulk pairing by upload: all rows or none; bad rows are listed with row and column."""

    required_permission = Perm.CARE_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "care/pairing_upload.html", {"form": PairingUploadForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PairingUploadForm(request.POST, request.FILES)
        errors: list[Any] = []
        result = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower() or ".csv"
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    result = actions.pairings_import(
                        actor=request.user,
                        path=handle.name,
                        name=upload.name,
                        started_on=form.cleaned_data.get("started_on"),
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    if not errors:
                        form.add_error(None, exc.message)
                except DomainError as exc:
                    flash_error(request, exc)
            if result is not None:
                messages.success(
                    request,
                    _("%(created)s pairings created, %(skipped)s already in place.") % result,
                )
                return redirect(reverse("care:pairing-list"))
        return render(request, "care/pairing_upload.html", {"form": form, "errors": errors}, status=400)
