"""Pages of the program engine's rules: the program list; a program's rule settings and standards
(with the forms that change them from a date, for ``programs.manage``); one rule setting; one
person's explained eligibility; and the eligibility preview over a region.

Standards and rule settings are read through ``for_user`` (a region's own rows, plus the rows that
apply there from above) and written through ``canlian.programs.rules.actions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.core.registry.actions import person_record_view
from canlian.core.registry.choices import Category, Grade, HardshipKind
from canlian.core.registry.models import Person
from canlian.core.registry.selectors import region_names as registry_region_names
from canlian.platform.access import region_in_scope, scope_roots
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.forms import date_field
from canlian.platform.views import CanlianView, form_errors_from
from canlian.programs import eligibility
from canlian.programs.families import Family, family_for
from canlian.programs.models import Program, RuleSetting, Standard
from canlian.programs.preview import preview
from canlian.programs.rules import actions as program_actions
from canlian.programs.rules.engine import build_rules

# --- helpers ---------------------------------------------------------------------------------------


def region_names(codes: Any) -> dict[str, str]:
    """The registry's names of the codes, and "National" for the national rows (code "")."""
    return {**registry_region_names(codes), "": _("National")}


def rule_labels(rules: list[dict[str, Any]]) -> list[str]:
    try:
        return [rule.label() for rule in build_rules(rules)]
    except DomainError:
        return [_("(rules that cannot be read)")]


def program_or_404(code: str) -> Program:
    return eligibility.program_by_code(code)  # NotFound → 404


def family_or_none(program: Program) -> Family | None:
    try:
        return family_for(program.family)
    except DomainError:
        return None


def _on_from(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


# --- forms -----------------------------------------------------------------------------------------


class StandardForm(RegionBoundForm):
    region = RegionField(
        label=gettext_lazy("Region (empty: national)"), required=False, permission=Perm.PROGRAMS_MANAGE
    )
    valid_from = date_field(gettext_lazy("In force from"))
    amount = forms.DecimalField(label=gettext_lazy("Amount per month (yuan)"), min_value=0, decimal_places=2)
    grades = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Grades (none: any)"),
        choices=Grade.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Categories (none: any)"),
        choices=Category.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_min = forms.IntegerField(label=gettext_lazy("Age from"), required=False, min_value=0, max_value=150)
    age_max = forms.IntegerField(
        label=gettext_lazy("Age up to (inclusive)"), required=False, min_value=0, max_value=150
    )
    hardship = forms.ChoiceField(
        label=gettext_lazy("Hardship status"),
        choices=[("", gettext_lazy("Any")), *HardshipKind.choices],
        required=False,
    )
    care_tier = forms.CharField(label=gettext_lazy("Care tier"), max_length=12, required=False)
    note = forms.CharField(label=gettext_lazy("Note (e.g. the document)"), max_length=200, required=False)

    def action_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "region_code": data["region"].code if data.get("region") else "",
            "valid_from": data["valid_from"],
            "amount": data["amount"],
            "grades": "".join(str(g) for g in data.get("grades") or []),
            "categories": "".join(str(c) for c in data.get("categories") or []),
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "hardship": data.get("hardship") or "",
            "care_tier": data.get("care_tier") or "",
            "note": data.get("note") or "",
        }


class StandardEndForm(forms.Form):
    valid_to = date_field(gettext_lazy("Last day in force"))


class RuleSettingForm(RegionBoundForm):
    """Region and start, then one checkbox per option of the program's rule family."""

    region = RegionField(
        label=gettext_lazy("Region (empty: national)"), required=False, permission=Perm.PROGRAMS_MANAGE
    )
    valid_from = date_field(gettext_lazy("In force from"))
    note = forms.CharField(label=gettext_lazy("Note (e.g. the document)"), max_length=200, required=False)

    def __init__(
        self, *args: Any, family: Family | None, initial_options: dict[str, bool] | None = None, **kw: Any
    ):
        super().__init__(*args, **kw)
        self.family = family
        chosen = initial_options or (family.defaults() if family else {})
        for option in family.options if family else ():
            self.fields[f"opt_{option.key}"] = forms.BooleanField(
                label=option.label, required=False, initial=chosen.get(option.key, option.default)
            )

    def options(self) -> dict[str, bool]:
        return {name[4:]: bool(value) for name, value in self.cleaned_data.items() if name.startswith("opt_")}


FIELD_MAP = {"region_code": "region", "options": None}


# --- the program list and a program's rules --------------------------------------------------------


class ProgramListView(CanlianView):
    required_permission = Perm.PROGRAMS_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        programs = list(Program.objects.order_by("code"))
        for program in programs:
            family = family_or_none(program)
            program.family_installed = family is not None
        return render(request, "programs/rules/program_list.html", {"programs": programs})


def program_page(
    request: HttpRequest,
    program: Program,
    *,
    standard_form: StandardForm | None = None,
    setting_form: RuleSettingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    family = family_or_none(program)
    settings = list(RuleSetting.objects.for_user(user, Perm.PROGRAMS_VIEW).filter(program=program))
    standards = list(
        Standard.objects.for_user(user, Perm.PROGRAMS_VIEW)
        .filter(program=program)
        .order_by("region_code", "grades", "categories", "age_min", "hardship", "care_tier", "-valid_from")
    )
    names = region_names([s.region_code for s in settings] + [s.region_code for s in standards])
    for setting in settings:
        setting.in_force = setting.valid_from <= today and (
            setting.valid_to is None or setting.valid_to >= today
        )
        setting.labels = rule_labels(setting.rules)
        setting.region_name = names.get(setting.region_code, setting.region_code)
    for standard in standards:
        standard.in_force = standard.valid_from <= today and (
            standard.valid_to is None or standard.valid_to >= today
        )
        standard.region_name = names.get(standard.region_code, standard.region_code)
        standard.can_end = standard.valid_to is None and region_in_scope(
            user, Perm.PROGRAMS_MANAGE, standard.region_code
        )
        standard.grade_text = "、".join(standard.grades) or "—"
        standard.category_text = (
            "、".join(str(Category(int(c)).label) for c in standard.categories)
            if standard.categories
            else "—"
        )
        standard.hardship_text = str(HardshipKind(standard.hardship).label) if standard.hardship else "—"
    can_manage = user.has_canlian_perm(Perm.PROGRAMS_MANAGE)
    context = {
        "program": program,
        "family": family,
        "in_force": [s for s in settings if s.in_force],
        "history": [s for s in settings if not s.in_force],
        "standards": standards,
        "can_manage": can_manage,
        "today": today,
    }
    if can_manage:
        context["standard_form"] = standard_form or StandardForm(request=request, auto_id="id_std_%s")
        context["setting_form"] = setting_form or RuleSettingForm(
            request=request, family=family, auto_id="id_set_%s"
        )
        context["end_form"] = StandardEndForm(auto_id=False)
    return render(request, "programs/rules/program_detail.html", context, status=status)


class ProgramDetailView(CanlianView):
    required_permission = Perm.PROGRAMS_VIEW

    def get(self, request: HttpRequest, program_code: str) -> HttpResponse:
        return program_page(request, program_or_404(program_code))


class StandardCreateView(CanlianView):
    """POST: add a standard from a date (the one in force with the same keys ends the day before)."""

    required_permission = Perm.PROGRAMS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, program_code: str) -> HttpResponse:
        program = program_or_404(program_code)
        form = StandardForm(request.POST, request=request, auto_id="id_std_%s")
        if form.is_valid():
            try:
                standard = program_actions.standard_create(
                    actor=request.user, program=program, **form.action_kwargs()
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"region_code": "region"})
            else:
                messages.success(
                    request,
                    _("Standard of %(amount)s yuan added from %(date)s.")
                    % {"amount": standard.amount, "date": standard.valid_from},
                )
                return redirect(reverse("programs:program-detail", args=[program.code]) + "#standards")
        return program_page(request, program, standard_form=form)


class StandardEndView(CanlianView):
    """POST: end a standard on a date (404 outside the user's programs.manage scope)."""

    required_permission = Perm.PROGRAMS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, standard_id: int) -> HttpResponse:
        standard = Standard.objects.get_for_user(request.user, Perm.PROGRAMS_MANAGE, pk=standard_id)
        form = StandardEndForm(request.POST)
        target = reverse("programs:program-detail", args=[standard.program.code]) + "#standards"
        if not form.is_valid():
            messages.error(request, _("Give the last day the standard is in force."))
            return redirect(target)
        try:
            program_actions.standard_end(
                actor=request.user, standard_id=standard.pk, valid_to=form.cleaned_data["valid_to"]
            )
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("The standard ends on %(date)s.") % {"date": form.cleaned_data["valid_to"]}
            )
        return redirect(target)


class RuleSettingCreateView(CanlianView):
    """POST: which rules apply in a region from a date, from the family's options."""

    required_permission = Perm.PROGRAMS_MANAGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, program_code: str) -> HttpResponse:
        program = program_or_404(program_code)
        family = family_or_none(program)
        form = RuleSettingForm(request.POST, request=request, family=family, auto_id="id_set_%s")
        if form.is_valid():
            try:
                setting = program_actions.rule_setting_create(
                    actor=request.user,
                    program=program,
                    region_code=form.cleaned_data["region"].code if form.cleaned_data.get("region") else "",
                    valid_from=form.cleaned_data["valid_from"],
                    options=form.options(),
                    note=form.cleaned_data.get("note") or "",
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"region_code": "region"})
            else:
                messages.success(request, _("Rules set from %(date)s.") % {"date": setting.valid_from})
                return redirect("programs:setting-detail", setting_id=setting.pk)
        return program_page(request, program, setting_form=form)


class RuleSettingDetailView(CanlianView):
    required_permission = Perm.PROGRAMS_VIEW

    def get(self, request: HttpRequest, setting_id: int) -> HttpResponse:
        setting = RuleSetting.objects.select_related("program", "created_by").get_for_user(
            request.user, Perm.PROGRAMS_VIEW, pk=setting_id
        )
        family = family_or_none(setting.program)
        options = [
            {"key": key, "label": family.label_of(key) if family else key, "value": value}
            for key, value in (setting.options or {}).items()
        ]
        names = region_names([setting.region_code])
        return render(
            request,
            "programs/rules/setting_detail.html",
            {
                "setting": setting,
                "program": setting.program,
                "region_name": names.get(setting.region_code, setting.region_code),
                "options": options,
                "labels": rule_labels(setting.rules),
            },
        )


# --- one person's eligibility ----------------------------------------------------------------------


class EligibilityView(CanlianView):
    """Eligible or not, rule by rule with reasons, the setting and the standard used. A view of the
    person's record: logged."""

    required_permission = Perm.PROGRAMS_VIEW

    def get(self, request: HttpRequest, program_code: str, person_id: int) -> HttpResponse:
        program = program_or_404(program_code)
        person = Person.objects.get_for_user(request.user, Perm.PERSONS_VIEW, pk=person_id)
        on = _on_from(request)
        verdict = eligibility.explain(program, person, on)
        person_record_view(actor=request.user, person=person)
        setting = RuleSetting.objects.filter(pk=verdict.setting_id).first() if verdict.setting_id else None
        return render(
            request,
            "programs/rules/eligibility.html",
            {
                "program": program,
                "person": person,
                "verdict": verdict,
                "setting": setting,
                "on": on,
                "programs": Program.objects.order_by("code"),
            },
        )


# --- the preview over a region ---------------------------------------------------------------------


class PreviewForm(RegionBoundForm):
    region = RegionField(label=gettext_lazy("Region"), required=False, permission=Perm.PERSONS_VIEW)
    on = date_field(gettext_lazy("On"), required=False)


def default_region(user: Any) -> str:
    roots = scope_roots(user, Perm.PERSONS_VIEW)
    return roots[0] if roots else ""


class PreviewView(CanlianView):
    """Counts of eligible people and failures per rule over a region, with a sample (masked IDs)."""

    required_permission = Perm.PROGRAMS_VIEW

    def get(self, request: HttpRequest, program_code: str) -> HttpResponse:
        program = program_or_404(program_code)
        form = PreviewForm(request.GET or None, request=request)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        region = data.get("region")
        code = region.code if region else default_region(request.user)
        on = data.get("on") or timezone.localdate()
        result = None
        if scope_roots(request.user, Perm.PERSONS_VIEW):
            result = preview(program, code, on, user=request.user)
        shares = result.settings if result else []
        names = region_names([code, *(s.area for s in shares), *(s.setting.region_code for s in shares)])
        for share in shares:
            share.area_name = names.get(share.area, share.area)
            share.setting.region_name = names.get(share.setting.region_code, share.setting.region_code)
        return render(
            request,
            "programs/rules/preview.html",
            {
                "program": program,
                "form": form,
                "result": result,
                "region_name": names.get(code, code),
                "on": on,
            },
        )
