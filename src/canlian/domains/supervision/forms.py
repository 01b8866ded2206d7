"""Forms of supervision pages. The scoring form has one score/finding/photo field per checklist item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from canlian.domains.supervision.choices import PlanKind
from canlian.platform.forms import date_field


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Whole year")), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
    )
    region_code = forms.ChoiceField(label=_("Region"))
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices)
    institutions = forms.MultipleChoiceField(
        label=_("Institutions to inspect"), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, regions: list[tuple[str, str]], institutions: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions
        self.fields["institutions"].choices = [
            (str(i.pk), f"{i.name} ({i.region_code})") for i in institutions
        ]
        self.fields["year"].initial = timezone.localdate().year


class InspectionForm(forms.Form):
    """The head of an inspection; the checklist rows are read by ``ScoringForm``."""

    institution = forms.ChoiceField(label=_("Institution"))
    plan = forms.ChoiceField(label=_("Plan"), required=False)
    inspected_on = date_field(_("Inspected on"))
    unannounced = forms.BooleanField(label=_("Unannounced (四不两直)"), required=False)
    inspectors = forms.CharField(label=_("Inspectors"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, institutions: list[Any], plans: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [(str(i.pk), i.name) for i in institutions]
        self.fields["plan"].choices = [("", _("Ad hoc (no plan)"))] + [
            (str(p.pk), f"{p.title} ({p.period_label})") for p in plans
        ]
        self.fields["inspected_on"].initial = timezone.localdate()


class NoticeForm(forms.Form):
    problems = forms.CharField(label=_("Problems to rectify"), widget=forms.Textarea(attrs={"rows": 8}))
    working_days = forms.IntegerField(
        label=_("Working days to rectify"), min_value=1, max_value=60, initial=15
    )
    issued_on = date_field(pgettext_lazy("notice", "Issued on"), required=False)


class RespondForm(forms.Form):
    response = forms.CharField(label=_("What was rectified"), widget=forms.Textarea(attrs={"rows": 5}))
    on = date_field(_("Date"), required=False)


class ReinspectForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Passed: close the notice")), ("0", _("Failed: still not rectified"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    on = date_field(_("Date"), required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    on = date_field(_("Date"), required=False)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
    on = date_field(_("Date"), required=False)
