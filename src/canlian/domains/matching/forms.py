"""Forms of the data-comparison pages (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.choices import MonitoredType, RiskCause
from canlian.domains.matching.choices import Action, Department, ListKind, MeasureKind, RuleShape
from canlian.domains.matching.loading import FIELDS
from canlian.platform.forms import date_field
from canlian.programs.choices import ApplicantKind, StopReason


def mapping_of(data: dict[str, Any]) -> dict[str, str] | None:
    """The columns an upload form names (``col_<field>``), or None for the remembered/usual ones."""
    chosen = {key: (data.get(f"col_{key}") or "").strip() for key in FIELDS}
    return {k: v for k, v in chosen.items() if v} or None


class UploadForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region the list covers"))
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    list_kind = forms.ChoiceField(label=_("List kind"), choices=ListKind.choices)
    as_of = date_field(_("List as of"))
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv in UTF-8 or GBK)"))
    retention_days = forms.IntegerField(
        label=_("Keep the rows for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Blank: the source's retention (365 days for a new source)."),
    )
    run = forms.BooleanField(label=_("Compare at once"), required=False, initial=True)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions
        for key, label in FIELDS.items():
            self.fields[f"col_{key}"] = forms.CharField(
                label=_("Column of: %(field)s") % {"field": label},
                required=False,
                max_length=100,
                help_text=_("Blank: the column remembered for the source, or the usual header."),
            )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"))
    on = date_field(_("Date"), required=False)
    note = forms.CharField(
        label=_("Note or reason"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, action: str, outcomes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if action == Action.ENROL:
            self.fields["applicant_kind"] = forms.ChoiceField(
                label=_("Applied by"), choices=ApplicantKind.choices
            )
            self.fields["applicant_name"] = forms.CharField(
                label=_("Applicant's name"), required=False, max_length=50
            )
            self.fields["bank_name"] = forms.CharField(label=_("Bank"), required=False, max_length=60)
            self.fields["bank_account"] = forms.CharField(
                label=_("Bank account"), required=False, max_length=40
            )
            self.fields["account_holder"] = forms.CharField(
                label=_("Account holder"), required=False, max_length=50
            )
        elif action == Action.STOP:
            self.fields["record_in_registry"] = forms.BooleanField(
                label=_("Also record the death or move in the registry"), required=False, initial=True
            )
        elif action == Action.FLAG:
            self.fields["monitored_type"] = forms.ChoiceField(
                label=_("Monitored type"), choices=[("", "—"), *MonitoredType.choices], required=False
            )
            self.fields["risk_cause"] = forms.ChoiceField(
                label=_("Main risk cause"), choices=[("", "—"), *RiskCause.choices], required=False
            )


class RuleForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("The code of a national rule overrides it in your region."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    shape = forms.ChoiceField(label=_("Shape"), choices=RuleShape.choices)
    action = forms.ChoiceField(label=_("Resolved by"), choices=Action.choices)
    list_kind = forms.ChoiceField(
        label=_("List kind"), choices=[("", _("Any list")), *ListKind.choices], required=False
    )
    program_code = forms.CharField(label=_("Program code"), max_length=40, required=False)
    grades = forms.CharField(label=_("Grades (digits, blank = any)"), max_length=4, required=False)
    categories = forms.CharField(label=_("Categories (digits, blank = any)"), max_length=7, required=False)
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Age up to (inclusive)"), required=False, min_value=0, max_value=120)
    stop_reason = forms.ChoiceField(
        label=_("Stop reason"), choices=[("", "—"), *StopReason.choices], required=False
    )
    deadline_days = forms.IntegerField(
        label=_("Working days to resolve"), min_value=1, max_value=120, initial=10
    )
    region_code = forms.ChoiceField(label=_("Region"))
    valid_from = date_field(_("From"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class MonitoringOpenForm(forms.Form):
    id_number = forms.CharField(label=_("ID number of the person"), max_length=18)
    monitored_type = forms.ChoiceField(label=_("Monitored type"), choices=MonitoredType.choices)
    risk_causes = forms.MultipleChoiceField(
        label=_("Risk causes"), choices=RiskCause.choices, widget=forms.CheckboxSelectMultiple
    )
    started_on = date_field(_("Monitored since"))
    cadence_days = forms.IntegerField(label=_("Visit every (days)"), min_value=7, max_value=366, initial=30)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class VisitForm(forms.Form):
    visited_on = date_field(_("Visited on"))
    visitor = forms.CharField(label=_("Visitor"), max_length=80)
    situation = forms.CharField(label=_("Situation"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_remains = forms.BooleanField(label=_("The risk remains"), required=False, initial=True)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    on = date_field(_("Date"))
    description = forms.CharField(label=_("Description"), max_length=300)
    enrollment_id = forms.ChoiceField(label=_("Enrollment"), required=False)

    def __init__(self, *args: Any, enrollments: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrollment_id"].choices = [("", "—"), *(enrollments or [])]


class ExitForm(forms.Form):
    on = date_field(_("Exited on"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    evidence = forms.CharField(
        label=_("Evidence (income, measures, the visit)"), widget=forms.Textarea(attrs={"rows": 3})
    )
