"""Pages of education: placements of a school year with the compulsory enrolment figures, recording
a placement, importing the education department's student list (column mapping, unmatched rows
listed), the school-age children not enrolled, schools with resource rooms."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.core.registry.selectors import person_by_id_number, region_names
from canlian.domains.education import actions, selectors
from canlian.domains.education.choices import NotEnrolledReason, Placement, SchoolKind
from canlian.platform.access import scope_roots
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.tabular import read_table
from canlian.platform.views import CanlianView, form_error_from, int_param, keyset_page

PER_PAGE = 50


def current_school_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def _school_year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else current_school_year()


class PlacementForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("Child's ID number"), max_length=18)
    school_year = forms.IntegerField(label=gettext_lazy("School year"), min_value=2000, max_value=2100)
    placement = forms.ChoiceField(label=gettext_lazy("Placement"), choices=Placement.choices)
    school = forms.TypedChoiceField(
        label=gettext_lazy("School"), required=False, coerce=int, empty_value=None
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason not enrolled"),
        required=False,
        choices=[("", "—"), *NotEnrolledReason.choices],
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, schools: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "—"), *[(s.pk, s.name) for s in schools]]


class ImportForm(forms.Form):
    school_year = forms.IntegerField(label=gettext_lazy("School year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=gettext_lazy("Student list (.xlsx, .xls or .csv)"))
    col_id_number = forms.CharField(
        label=gettext_lazy("Column of the ID number"), max_length=40, initial="身份证号"
    )
    col_name = forms.CharField(
        label=gettext_lazy("Column of the name"), max_length=40, initial="姓名", required=False
    )
    col_placement = forms.CharField(
        label=gettext_lazy("Column of the placement"), max_length=40, initial="安置方式"
    )
    col_school = forms.CharField(
        label=gettext_lazy("Column of the school"), max_length=40, initial="学校", required=False
    )
    col_reason = forms.CharField(
        label=gettext_lazy("Column of the reason not enrolled"),
        max_length=40,
        initial="未入学原因",
        required=False,
    )


class SchoolForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SchoolKind.choices)
    region_code = forms.ChoiceField(label=gettext_lazy("Region"))
    resource_room = forms.BooleanField(label=gettext_lazy("Resource room"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


def _regions(user: Any) -> list[tuple[str, str]]:
    from django.db.models import Q

    roots = scope_roots(user, Perm.EDUCATION_MANAGE)
    if not roots:
        return []
    query = Q(pk__isnull=False) if roots == [""] else Q(pk__in=[])
    for root in roots:
        if root:
            query |= Q(code__startswith=root)
    return [(r.code, f"{r.name} ({r.code})") for r in Region.objects.filter(query).order_by("code")[:500]]


class PlacementListView(CanlianView):
    required_permission = Perm.EDUCATION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _school_year(request)
        placement = request.GET.get("placement", "")
        placement = placement if placement in Placement.values else ""
        qs = selectors.placements_visible(user=request.user, school_year=year, placement=placement)
        page = keyset_page(request, qs, PER_PAGE, ordering=("-school_year", "region_code", "id"))
        figures = selectors.enrolment_figures(user=request.user, school_year=year)
        labels = dict(Placement.choices)
        labels["unrecorded"] = _("No placement recorded")
        return render(
            request,
            "education/placement_list.html",
            {
                "page": page,
                "year": year,
                "placement": placement,
                "placements": Placement.choices,
                "figures": figures,
                "rate_pct": None if figures.rate is None else f"{figures.rate * 100:.2f}%",
                "breakdown": [(labels[k], v) for k, v in figures.by_placement.items()],
                "can_manage": request.user.has_canlian_perm(Perm.EDUCATION_MANAGE),
            },
        )


class PlacementCreateView(CanlianView):
    required_permission = Perm.EDUCATION_MANAGE

    def _form(self, request: HttpRequest, data: Any = None) -> PlacementForm:
        schools = list(selectors.schools_visible(user=request.user).order_by("name"))
        return PlacementForm(data, schools=schools, initial={"school_year": current_school_year()})

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "education/placement_form.html", {"form": self._form(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            person = person_by_id_number(
                user=request.user, id_number=data["id_number"].strip().upper(), action=Perm.EDUCATION_MANAGE
            )
            if person is None:
                form.add_error("id_number", _("No child of your region has this ID number."))
            else:
                try:
                    actions.placement_record(
                        actor=request.user,
                        person_id=person.pk,
                        school_year=data["school_year"],
                        placement=data["placement"],
                        school_id=data["school"],
                        reason=data["reason"],
                        note=data["note"],
                    )
                except DomainError as exc:
                    if isinstance(exc, NotFound):
                        raise
                    form_error_from(form, exc)
                else:
                    messages.success(request, _("Placement recorded."))
                    return redirect(f"{reverse('education:placement-list')}?year={data['school_year']}")
        return render(request, "education/placement_form.html", {"form": form}, status=400)


class PlacementImportView(CanlianView):
    required_permission = Perm.EDUCATION_MANAGE

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(initial={"school_year": current_school_year()})
        return render(
            request, "education/placement_import.html", {"form": form, "errors": [], "result": None}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        errors: list[Any] = []
        result = None
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            mapping = {
                k: data[f"col_{k}"].strip() for k in ("id_number", "name", "placement", "school", "reason")
            }
            with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    table = read_table(handle.name, name=upload.name)
                    result = actions.placements_import(
                        actor=request.user, table=table, school_year=data["school_year"], mapping=mapping
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    status = 200
                    messages.success(
                        request,
                        _(
                            "%(imported)s placements imported, %(updated)s updated, %(unmatched)s rows unmatched."
                        )
                        % result.as_dict(),
                    )
        return render(
            request,
            "education/placement_import.html",
            {"form": form, "errors": errors, "result": result},
            status=status,
        )


class NotEnrolledView(CanlianView):
    """School-age certified children without a compulsory placement in the year (the to-do list)."""

    required_permission = Perm.EDUCATION_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _school_year(request)
        from django.db.models import OuterRef, Subquery

        from canlian.domains.education.models import PlacementRecord

        recorded = PlacementRecord.objects.filter(person=OuterRef("pk"), school_year=year)
        qs = selectors.not_enrolled(user=request.user, school_year=year).annotate(
            region_label=Subquery(Region.objects.filter(code=OuterRef("region_code")).values("name")[:1]),
            recorded_placement=Subquery(recorded.values("placement")[:1]),
            recorded_reason=Subquery(recorded.values("reason")[:1]),
        )
        page = keyset_page(request, qs, PER_PAGE, ordering=("region_code", "birth_date", "pk"))
        placements, reasons = dict(Placement.choices), dict(NotEnrolledReason.choices)
        for p in page:
            p.recorded = placements.get(p.recorded_placement or "", "")
            p.reason_label = reasons.get(p.recorded_reason or "", "")
        return render(request, "education/not_enrolled.html", {"page": page, "year": year})


class SchoolListView(CanlianView):
    required_permission = Perm.EDUCATION_VIEW

    def _render(self, request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
        schools = list(selectors.schools_visible(user=request.user).order_by("region_code", "name"))
        names = region_names({s.region_code for s in schools})
        for s in schools:
            s.region_label = names.get(s.region_code, s.region_code)
        if form is None and request.user.has_canlian_perm(Perm.EDUCATION_MANAGE):
            form = SchoolForm(regions=_regions(request.user))
        return render(
            request, "education/school_list.html", {"schools": schools, "form": form}, status=status
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)


class SchoolCreateView(SchoolListView):
    required_permission = Perm.EDUCATION_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SchoolForm(request.POST, regions=_regions(request.user))
        if form.is_valid():
            try:
                actions.school_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                form_error_from(form, exc)
            else:
                messages.success(request, _("School registered."))
                return redirect("education:school-list")
        return self._render(request, form, status=400)
