"""The registry's pages: the person list (search, filters, keyset pages, export), the person page
(一人一案) and its small edit forms, certificate lists, households and screening (摸排).

Views read through selectors (scoped) and write through actions; a failed action puts its error on
the form field it names."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms as dj_forms
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.permissions import Perm
from canlian.core.registry import actions, forms, selectors
from canlian.core.registry.choices import RENEWAL_WINDOW_DAYS, CertificateStatus
from canlian.core.registry.exporting import persons_export
from canlian.core.registry.identity import IdError, mask_certificate, mask_phone, parse_resident_id
from canlian.core.registry.models import Household, Person, ScreeningRecord
from canlian.platform.errors import (
    DomainError,
    InvalidState,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from canlian.platform.views import CanlianView, form_errors_from, keyset_page

if TYPE_CHECKING:
    from canlian.core.registry.selectors import ListedPerson

PER_PAGE = 50


def _region_label(code: str, names: dict[str, str]) -> str:
    """Township and village (or the deepest names known) of a residence code."""
    parts = [names[code[:n]] for n in (6, 9, 12) if len(code) >= n and code[:n] in names]
    return " ".join(parts[-2:]) if parts else code


def _codes(codes: list[str]) -> set[str]:
    return {c[:n] for c in codes for n in (6, 9, 12) if len(c) >= n}


def decorate_persons(persons: list[ListedPerson], on: Any = None) -> list[ListedPerson]:
    """Per-row display values from prefetched data, region names with one query for the page."""
    on = on or timezone.localdate()
    names = selectors.region_names(_codes([p.region_code for p in persons]))
    for person in persons:
        cert = person.current_certificates[0] if person.current_certificates else None
        person.cert = cert
        person.cert_status = cert.status_on(on) if cert else ""
        person.region_label = _region_label(person.region_code, names)
        flags = [str(h.get_kind_display()) for h in person.open_hardships]
        for membership in person.household_memberships:
            flags.extend(membership.household.flags)
        person.flag_labels = flags
    return persons


# --- the person list and export --------------------------------------------------------------------


class PersonListView(CanlianView):
    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.PersonFilterForm(request.GET, request=request)
        filters = form.filters()
        people = selectors.persons_for_list(selectors.persons_search(user=request.user, filters=filters))
        page = keyset_page(request, people, PER_PAGE)
        decorate_persons(page.items)
        if filters.q:
            actions.person_search_viewed(
                actor=request.user, query=filters.q, people=page.items, surface="page"
            )
        return render(
            request,
            "registry/person_list.html",
            {
                "form": form,
                "page": page,
                "query": request.GET.urlencode(),
                "can_export": request.user.has_canlian_perm(Perm.PERSONS_EXPORT),
                "can_edit": request.user.has_canlian_perm(Perm.PERSONS_EDIT),
            },
        )


class PersonExportView(CanlianView):
    """The list's current filters as an .xlsx ledger (masked unless the user may reveal)."""

    required_permission = Perm.PERSONS_EXPORT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        return self._export(request, request.GET)

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        """The reason form (a large unmasked export) or its "export masked" button."""
        return self._export(request, request.POST)

    def _export(self, request: AuthenticatedHttpRequest, data: Any) -> HttpResponseBase:
        form = forms.PersonFilterForm(data, request=request)
        stream = tempfile.TemporaryFile()  # closed by the FileResponse
        try:
            persons_export(
                user=request.user,
                filters=form.filters(),
                stream=stream,
                masked=data.get("masked") == "1",
                reason=data.get("reason", ""),
            )
        except (ValidationFailed, RateLimited) as exc:
            stream.close()
            # Ask for the reason (or offer the masked export), keeping the list's filters.
            filters = [
                (k, v)
                for k, v in data.lists()
                for v in v
                if k not in ("reason", "masked", "csrfmiddlewaretoken")
            ]
            return render(
                request,
                "registry/person_export_reason.html",
                {"error": exc.message, "filters": filters, "reason": data.get("reason", "")},
                status=exc.http_status,
            )
        stream.seek(0)
        name = f"persons-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return FileResponse(
            stream,
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class PersonCreateView(CanlianView):
    required_permission = Perm.PERSONS_EDIT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.PersonRegisterForm(request=request)
        return render(request, "registry/person_form.html", {"form": form})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.PersonRegisterForm(request.POST, request=request)
        if form.is_valid():
            try:
                person = actions.person_register(actor=request.user, **form.action_kwargs())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("%(name)s was registered.") % {"name": person.name})
                return redirect("registry:person-detail", person_id=person.pk)
        return render(request, "registry/person_form.html", {"form": form})


# --- the person page (一人一案) ---------------------------------------------------------------------


@dataclass(frozen=True)
class PersonOp:
    """One small form on the person page and the action it calls."""

    form: type[dj_forms.Form]
    label: Any
    run: Callable[[Any, Person, dict[str, Any]], Any]
    field_map: dict[str, str] | None = None
    needs_certificate: bool = False


def _current(person: Person) -> Any:
    cert = selectors.current_certificate_of(person=person)
    if cert is None:
        raise InvalidState(_("This person holds no certificate in force."), code="no_certificate")
    return cert


def _hardship_end(user: Any, person: Person, d: dict[str, Any]) -> Any:
    if not selectors.hardships_of(person=person).filter(pk=d["status"]).exists():
        raise NotFound()
    return actions.hardship_end(actor=user, status_id=d["status"], valid_to=d["valid_to"], note=d["note"])


PERSON_OPS: dict[str, PersonOp] = {
    "edit": PersonOp(
        forms.PersonEditForm,
        gettext_lazy("Edit"),
        lambda u, p, d: actions.person_update(actor=u, person_id=p.pk, **d),
    ),
    "life-status": PersonOp(
        forms.LifeStatusForm,
        gettext_lazy("Record death or move"),
        lambda u, p, d: actions.person_set_life_status(
            actor=u, person_id=p.pk, status=d["life_status"], on=d["life_status_date"], note=d["note"]
        ),
    ),
    "certificate-issue": PersonOp(
        forms.CertificateForm,
        gettext_lazy("Issue a certificate"),
        lambda u, p, d: actions.certificate_issue(actor=u, person_id=p.pk, **d),
    ),
    "certificate-renew": PersonOp(
        forms.CertificateRenewForm,
        gettext_lazy("Renew (换领)"),
        lambda u, p, d: actions.certificate_renew(actor=u, certificate_id=_current(p).pk, **d),
        needs_certificate=True,
    ),
    "certificate-reassess": PersonOp(
        forms.CertificateForm,
        gettext_lazy("Re-assess"),
        lambda u, p, d: actions.certificate_reassess(actor=u, certificate_id=_current(p).pk, **d),
        needs_certificate=True,
    ),
    "certificate-cancel": PersonOp(
        forms.CertificateCancelForm,
        gettext_lazy("Cancel the certificate"),
        lambda u, p, d: actions.certificate_cancel(
            actor=u,
            certificate_id=_current(p).pk,
            reason=d["cancel_reason"],
            on=d["cancelled_on"],
            note=d["cancel_note"],
        ),
        needs_certificate=True,
    ),
    "hardship-add": PersonOp(
        forms.HardshipAddForm,
        gettext_lazy("Add a hardship status"),
        lambda u, p, d: actions.hardship_add(actor=u, person_id=p.pk, **d),
    ),
    "hardship-end": PersonOp(forms.HardshipEndForm, gettext_lazy("End"), _hardship_end),
    "household-create": PersonOp(
        forms.HouseholdCreateForm,
        gettext_lazy("Create a household with this person as head"),
        lambda u, p, d: actions.household_create(actor=u, head_person_id=p.pk, **d),
    ),
}


def _make_form(op: str, request: AuthenticatedHttpRequest, person: Person, data: Any = None) -> dj_forms.Form:
    spec = PERSON_OPS[op]
    kwargs: dict[str, Any] = {"auto_id": f"id_{op}_%s"}
    if issubclass(spec.form, forms.RegionBoundForm):
        kwargs["request"] = request
    if op == "edit":
        kwargs["masked_phone"] = person.masked_phone
        if data is None:
            kwargs["initial"] = {f: getattr(person, f) for f in actions.PERSON_EDITABLE if f != "phone"}
    return spec.form(data, **kwargs)


def _cleaned(form: dj_forms.Form) -> dict[str, Any]:
    return form.action_kwargs() if hasattr(form, "action_kwargs") else dict(form.cleaned_data)


def person_page(
    request: AuthenticatedHttpRequest,
    person: Person,
    *,
    bound: dict[str, dj_forms.Form] | None = None,
    revealed: bool = False,
) -> HttpResponse:
    user = request.user
    can_edit = Person.objects.for_user(user, Perm.PERSONS_EDIT).filter(pk=person.pk).exists()
    can_reveal = Person.objects.for_user(user, Perm.PERSONS_REVEAL).filter(pk=person.pk).exists()
    household = selectors.household_of(person=person)
    current = selectors.current_certificate_of(person=person)
    names = selectors.region_names(_codes([person.region_code, person.hukou_region_code]))
    bound = bound or {}
    edit_forms = {}
    if can_edit:
        for op, spec in PERSON_OPS.items():
            if op == "hardship-end" or (spec.needs_certificate and current is None):
                continue
            if op == "certificate-issue" and current is not None:
                continue
            if op == "household-create" and household is not None:
                continue
            edit_forms[op] = {
                "form": bound.get(op) or _make_form(op, request, person),
                "label": spec.label,
                "open": op in bound,
            }
    context = {
        "person": person,
        "revealed": revealed,
        "can_edit": can_edit,
        "can_reveal": can_reveal,
        "region_label": _region_label(person.region_code, names),
        "hukou_label": _region_label(person.hukou_region_code, names) if person.hukou_region_code else "",
        "current": current,
        "current_status": current.status_on() if current else "",
        "current_number": (current.number if revealed else mask_certificate(current.number))
        if current
        else "",
        "certificates": selectors.certificates_of(person=person),
        "history": selectors.certificate_history(person=person)[:100],
        "hardships": selectors.hardships_of(person=person),
        "household": household,
        "members": selectors.household_members(household=household) if household else [],
        "screenings": selectors.screenings_of(person=person),
        "timeline": selectors.person_timeline(person=person, user=user),
        "links": selectors.person_links(person=person, user=user),
        "edit_forms": edit_forms,
        "end_form_error": bound.get("hardship-end"),
    }
    return render(request, "registry/person_detail.html", context)


class PersonDetailView(CanlianView):
    """The case file of one person. Every view is recorded in the audit log."""

    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
        person = selectors.person_for_page(user=request.user, pk=person_id)
        actions.person_record_view(actor=request.user, person=person)
        return person_page(request, person)


class PersonRevealView(CanlianView):
    """Show the full ID number and phone (persons.reveal; audited). htmx swaps only the identity box."""

    required_permission = Perm.PERSONS_REVEAL
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
        person = actions.person_reveal(actor=request.user, person_id=person_id)
        if getattr(request, "htmx", False):
            return render(
                request,
                "registry/_identity.html",
                {"person": person, "revealed": True, "can_reveal": True},
            )
        return person_page(request, person, revealed=True)


class PersonActionView(CanlianView):
    """POST-only edits of one person: the small forms of the person page."""

    required_permission = Perm.PERSONS_EDIT
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, person_id: int, op: str) -> HttpResponse:
        person = Person.objects.get_for_user(request.user, Perm.PERSONS_EDIT, pk=person_id)
        spec = PERSON_OPS.get(op)
        if spec is None:
            raise NotFound()
        form = _make_form(op, request, person, request.POST)
        if form.is_valid():
            try:
                result = spec.run(request.user, person, _cleaned(form))
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc, spec.field_map)
            else:
                messages.success(request, _("Saved."))
                if isinstance(result, Household):
                    return redirect("registry:household-detail", household_id=result.pk)
                return redirect("registry:person-detail", person_id=person.pk)
        if op == "hardship-end":
            for error in form.errors.values():
                messages.error(request, " ".join(str(message) for message in error))
        person.refresh_from_db()
        return person_page(request, person, bound={op: form})


# --- certificate lists -----------------------------------------------------------------------------


CERT_LISTS = {
    "expiring": (("valid_until", "id"), gettext_lazy("Certificates expiring")),
    "expired": (("-valid_until", "id"), gettext_lazy("Expired certificates")),
    "cancelled": (("-cancelled_on", "id"), gettext_lazy("Certificates cancelled in the last year")),
}


class CertificateListView(CanlianView):
    """Expiring within N days, expired, or cancelled in the last year: each keyset-paged, in scope."""

    required_permission = Perm.PERSONS_VIEW
    kind = "expiring"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        ordering, title = CERT_LISTS[self.kind]
        days_form = forms.ExpiringForm(request.GET)
        days = RENEWAL_WINDOW_DAYS
        if self.kind == "expiring":
            days = days_form.cleaned_data["days"] if days_form.is_valid() else RENEWAL_WINDOW_DAYS
            certs = selectors.certificates_expiring(user=request.user, days=days)
        elif self.kind == "expired":
            certs = selectors.certificates_expired(user=request.user)
        else:
            certs = selectors.certificates_cancelled_recently(user=request.user)
        page = keyset_page(request, certs, PER_PAGE, ordering=ordering)
        names = selectors.region_names(_codes([c.person.region_code for c in page.items]))
        for cert in page.items:
            cert.masked_number = mask_certificate(cert.number)
            cert.region_label = _region_label(cert.person.region_code, names)
        return render(
            request,
            "registry/certificate_list.html",
            {
                "kind": self.kind,
                "title": title,
                "page": page,
                "days_form": days_form,
                "days": days,
                "expiring_choices": forms.EXPIRING_DAYS,
                "statuses": CertificateStatus,
            },
        )


# --- households ------------------------------------------------------------------------------------


class HouseholdListView(CanlianView):
    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.HouseholdFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        region = data.get("region")
        households = selectors.households_for_list(
            selectors.households_visible(
                user=request.user, flag=data.get("flag", ""), region=region.code if region else ""
            )
        )
        page = keyset_page(request, households, PER_PAGE)
        names = selectors.region_names(_codes([h.region_code for h in page.items]))
        for household in page.items:
            members = list(household.members.all())
            household.head = next((m for m in members if m.is_head), None)
            household.member_count = len(members)
            household.region_label = _region_label(household.region_code, names)
        return render(request, "registry/household_list.html", {"form": form, "page": page})


def household_page(
    request: AuthenticatedHttpRequest, household: Household, *, add_form: dj_forms.Form | None = None
) -> HttpResponse:
    can_edit = Household.objects.for_user(request.user, Perm.PERSONS_EDIT).filter(pk=household.pk).exists()
    names = selectors.region_names(_codes([household.region_code]))
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household=household),
            "region_label": _region_label(household.region_code, names),
            "can_edit": can_edit,
            "add_form": add_form or forms.MemberAddForm(auto_id="id_member_%s"),
            "today": timezone.localdate(),
        },
    )


class HouseholdDetailView(CanlianView):
    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
        return household_page(request, selectors.household_for_page(user=request.user, pk=household_id))


class HouseholdActionView(CanlianView):
    """POST-only: add a member, remove a member, make a member the head."""

    required_permission = Perm.PERSONS_EDIT
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, household_id: int, op: str) -> HttpResponse:
        household = Household.objects.get_for_user(request.user, Perm.PERSONS_EDIT, pk=household_id)
        if op == "add-member":
            form = forms.MemberAddForm(request.POST, auto_id="id_member_%s")
            if form.is_valid():
                try:
                    self._add(request, household, form)
                except (NotFound, PermissionDenied):
                    raise
                except DomainError as exc:
                    form_errors_from(form, exc)
                else:
                    messages.success(request, _("The member was added."))
                    return redirect("registry:household-detail", household_id=household.pk)
            household.refresh_from_db()
            return household_page(request, household, add_form=form)
        if op not in ("remove-member", "set-head"):
            raise NotFound()
        member_form = forms.MemberForm(request.POST)
        member_id = member_form.cleaned_data["member"] if member_form.is_valid() else None
        if member_id is None or not household.members.filter(pk=member_id).exists():
            raise NotFound()
        try:
            if op == "remove-member":
                actions.household_remove_member(actor=request.user, member_id=member_id)
                messages.success(request, _("The member was removed."))
            else:
                actions.household_set_head(actor=request.user, member_id=member_id)
                messages.success(request, _("The head of household was changed."))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("registry:household-detail", household_id=household.pk)

    def _add(self, request: AuthenticatedHttpRequest, household: Household, form: dj_forms.Form) -> None:
        data = form.cleaned_data
        if data["id_number"]:
            try:
                number = parse_resident_id(data["id_number"]).number
            except IdError as exc:
                raise ValidationFailed(str(exc), field="id_number") from exc
            person = selectors.person_by_id_number(
                user=request.user, id_number=number, action=Perm.PERSONS_EDIT
            )
            if person is None:
                raise ValidationFailed(
                    _("No registered person with this ID number in your region."), field="id_number"
                )
            actions.household_add_member(
                actor=request.user,
                household_id=household.pk,
                relationship=data["relationship"],
                person_id=person.pk,
            )
        else:
            actions.household_add_member(
                actor=request.user,
                household_id=household.pk,
                relationship=data["relationship"],
                name=data["name"],
                birth_date=data["birth_date"],
            )


# --- screening (摸排) ------------------------------------------------------------------------------


class ScreeningListView(CanlianView):
    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.ScreeningFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        state = data.get("state") or "open"
        region = data.get("region")
        records = selectors.screenings_visible(
            user=request.user,
            open_only=state == "open",
            outcome="" if state in ("open", "all") else state,
            region=region.code if region else "",
        )
        page = keyset_page(request, records, PER_PAGE, ordering=("-found_on", "-id"))
        names = selectors.region_names(_codes([r.region_code for r in page.items]))
        for record in page.items:
            record.region_label = _region_label(record.region_code, names)
        return render(
            request,
            "registry/screening_list.html",
            {"form": form, "page": page, "can_edit": request.user.has_canlian_perm(Perm.PERSONS_EDIT)},
        )


class ScreeningCreateView(CanlianView):
    required_permission = Perm.PERSONS_EDIT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, "registry/screening_form.html", {"form": forms.ScreeningForm(request=request)})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.ScreeningForm(request.POST, request=request)
        if form.is_valid():
            try:
                record = actions.screening_record(actor=request.user, **form.action_kwargs())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The screening record was saved."))
                return redirect("registry:screening-detail", record_id=record.pk)
        return render(request, "registry/screening_form.html", {"form": form})


def screening_page(
    request: AuthenticatedHttpRequest,
    record: ScreeningRecord,
    *,
    bound: dict[str, dj_forms.Form] | None = None,
) -> HttpResponse:
    bound = bound or {}
    can_edit = ScreeningRecord.objects.for_user(request.user, Perm.PERSONS_EDIT).filter(pk=record.pk).exists()
    names = selectors.region_names(_codes([record.region_code]))
    return render(
        request,
        "registry/screening_detail.html",
        {
            "record": record,
            "masked_phone": mask_phone(record.phone),
            "region_label": _region_label(record.region_code, names),
            "can_edit": can_edit and record.is_open,
            "schedule_form": bound.get("schedule") or forms.ScheduleForm(auto_id="id_schedule_%s"),
            "conclude_form": bound.get("conclude") or forms.ConcludeForm(auto_id="id_conclude_%s"),
        },
    )


class ScreeningDetailView(CanlianView):
    required_permission = Perm.PERSONS_VIEW

    def get(self, request: AuthenticatedHttpRequest, record_id: int) -> HttpResponse:
        return screening_page(request, selectors.screening_for_page(user=request.user, pk=record_id))


class ScreeningActionView(CanlianView):
    """POST-only: book the home assessment, or record its outcome ("certified" registers and issues)."""

    required_permission = Perm.PERSONS_EDIT
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, record_id: int, op: str) -> HttpResponse:
        record = ScreeningRecord.objects.get_for_user(request.user, Perm.PERSONS_EDIT, pk=record_id)
        if op == "schedule":
            form: dj_forms.Form = forms.ScheduleForm(request.POST, auto_id="id_schedule_%s")
        elif op == "conclude":
            form = forms.ConcludeForm(request.POST, auto_id="id_conclude_%s")
        else:
            raise NotFound()
        if form.is_valid():
            d = form.cleaned_data
            try:
                if op == "schedule":
                    actions.screening_schedule(actor=request.user, record_id=record.pk, **d)
                else:
                    record = actions.screening_conclude(
                        actor=request.user,
                        record_id=record.pk,
                        outcome=d["outcome"],
                        on=d["outcome_on"],
                        note=d["outcome_note"],
                        category=d["category"],
                        grade=d["grade"],
                        issue_date=d["issue_date"],
                        id_number=d["id_number"],
                    )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"note": "outcome_note"})
            else:
                messages.success(request, _("Saved."))
                if op == "conclude" and record.person_id:
                    return redirect("registry:person-detail", person_id=record.person_id)
                return redirect("registry:screening-detail", record_id=record.pk)
        record.refresh_from_db()
        return screening_page(request, record, bound={op: form})
