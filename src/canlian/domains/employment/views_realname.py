"""Pages of employment by real name: a person's employment panel (status history, trainings, job
offers, with forms to record them), the list of able, working-age, not-employed people of the region
(with their trainings and offers, exported as xlsx) and the import of statuses or trainings."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.selectors import region_names
from canlian.domains.employment import actions, selectors
from canlian.domains.employment.choices import EMPLOYED_STATUSES
from canlian.domains.employment.forms import OfferForm, RealNameImportForm, StatusForm, TrainingForm
from canlian.domains.employment.models import EmploymentStatus
from canlian.platform.access import may
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import CanlianView, form_error_from, keyset_page

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = {"status": StatusForm, "training": TrainingForm, "offer": OfferForm}


class PersonPanelView(CanlianView):
    """A person's employment and training panel: the status history, trainings and job offers."""

    required_permission = Perm.EMPLOYMENT_VIEW

    def _render(
        self, request: HttpRequest, person: Any, forms: dict[str, Any] | None = None, status: int = 200
    ) -> HttpResponse:
        can_manage = may(request.user, Perm.EMPLOYMENT_MANAGE, person.region_code)
        bound = forms or {}
        panel_forms = (
            {name: bound.get(name) or cls(prefix=name) for name, cls in FORMS.items()} if can_manage else {}
        )
        history = list(EmploymentStatus.objects.filter(person=person).order_by("-started_on"))
        current = next((s for s in history if s.ended_on is None), None)
        today = timezone.localdate()
        low, high = selectors.working_age()
        return render(
            request,
            "employment/person_panel.html",
            {
                "person": person,
                "age": person.age_on(today),
                "working_age": (low, high),
                "current": current,
                "employed": current is not None and current.status in EMPLOYED_STATUSES,
                "history": history,
                "trainings": selectors.trainings_of([person]).get(person.pk, []),
                "offers": selectors.offers_of([person]).get(person.pk, []),
                "forms": panel_forms,
            },
            status=status,
        )

    def get(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = selectors.person_for_panel(user=request.user, person_id=person_id)
        return self._render(request, person)

    def post(self, request: HttpRequest, person_id: int) -> HttpResponse:
        person = selectors.person_for_panel(user=request.user, person_id=person_id)
        which = request.POST.get("form", "")
        if which not in FORMS:
            messages.error(request, _("Choose what to record."))
            return self._render(request, person, status=400)
        form = FORMS[which](request.POST, prefix=which)
        if form.is_valid():
            record = {
                "status": actions.employment_status_record,
                "training": actions.training_record,
                "offer": actions.job_offer_record,
            }[which]
            try:
                record(actor=request.user, person_id=person.pk, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("employment:person-panel", person_id=person.pk)
        return self._render(request, person, {which: form}, status=400)


def _filters(request: HttpRequest) -> dict[str, str]:
    def pick(name: str, allowed: tuple[str, ...]) -> str:
        value = request.GET.get(name, "")
        return value if value in allowed else ""

    region = request.GET.get("region", "").strip()[:12]
    return {
        "region_code": region if region.isdigit() else "",
        "q": request.GET.get("q", "").strip()[:30],
        "trained": pick("trained", ("yes", "no")),
        "offered": pick("offered", ("yes", "no")),
    }


class NotEmployedListView(CanlianView):
    """The able, working-age, not-employed certified people of the region (the worker's to-do), with
    their trainings and offers; ``?format=xlsx`` downloads the list."""

    required_permission = Perm.EMPLOYMENT_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        filters = _filters(request)
        if request.GET.get("format") == "xlsx":
            content, _count = actions.not_employed_export(actor=request.user, on=today, **filters)
            return FileResponse(
                io.BytesIO(content),
                as_attachment=True,
                filename=f"not-employed-{today:%Y%m%d}.xlsx",
                content_type=XLSX,
            )
        qs = selectors.not_employed_visible(user=request.user, on=today, **filters)
        page = keyset_page(request, qs, PER_PAGE, ordering=("region_code", "id"))
        people = list(page)
        trainings = selectors.trainings_of(people)
        offers = selectors.offers_of(people)
        names = region_names({p.region_code for p in people})
        for p in people:
            p.region_label = names.get(p.region_code, p.region_code)
            p.training_list = trainings.get(p.pk, [])
            p.offer_list = offers.get(p.pk, [])
        query = "&".join(f"{k if k != 'region_code' else 'region'}={v}" for k, v in filters.items() if v)
        return render(
            request,
            "employment/not_employed_list.html",
            {"page": page, "people": people, "filters": filters, "query": query},
        )


class RealNameImportView(CanlianView):
    """Import employment statuses or trainings by ID number: all rows or none."""

    required_permission = Perm.EMPLOYMENT_MANAGE

    def _render(self, request: HttpRequest, form: Any, errors: list[Any], status: int = 200) -> HttpResponse:
        return render(
            request,
            "employment/realname_import.html",
            {
                "form": form,
                "errors": errors,
                "status_columns": [a[0] for a in actions.STATUS_COLUMNS.values()],
                "training_columns": [a[0] for a in actions.TRAINING_COLUMNS.values()],
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, RealNameImportForm(), [])

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RealNameImportForm(request.POST, request.FILES)
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    table = read_table(handle.name, name=upload.name)
                    result = actions.realname_import(
                        actor=request.user, table=table, kind=form.cleaned_data["kind"]
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except NotFound:
                    raise
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("%(rows)s rows imported.") % {"rows": result.rows})
                    return redirect("employment:not-employed")
        return self._render(request, form, errors, status=400)
