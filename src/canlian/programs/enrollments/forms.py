"""Forms of the application and review-chain pages. They only parse input; the actions in
``canlian.programs.enrollments`` validate, and their errors land on the field they name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.platform.forms import date_field
from canlian.programs.choices import ApplicantKind, EnrollmentStatus, StopReason
from canlian.programs.enrollments.selectors import EnrollmentFilters
from canlian.programs.models import Program

STATUS_CHOICES = [
    ("", _("All")),
    ("in_review", _("Under review")),
    ("open", _("Under review or active")),
    *EnrollmentStatus.choices,
]


def _program_choices(blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *((p.code, p.label) for p in Program.objects.active().order_by("code"))]


class EnrollmentFilterForm(RegionBoundForm):
    q = forms.CharField(
        label=_("Name, pinyin or ID number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    program = forms.ChoiceField(label=_("Program"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    region = RegionField(label=_("Region"), required=False, permission=Perm.ENROLLMENTS_VIEW)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = _program_choices(_("All"))

    def filters(self) -> EnrollmentFilters:
        data = self.cleaned_data if self.is_valid() else {}
        region = data.get("region")
        return EnrollmentFilters(
            program=data.get("program", "") or "",
            status=data.get("status", "") or "",
            region=region.code if region else "",
            q=data.get("q", "") or "",
        )


class ApplicationForm(forms.Form):
    """The application at the township. The person comes from ``?person=`` (the person page) or is
    found by ID number."""

    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    id_number = forms.CharField(label=_("ID number of the person"), max_length=20, required=False)
    program = forms.ChoiceField(label=_("Program"))
    applied_on = date_field(_("Applied on"))
    applicant_kind = forms.ChoiceField(label=_("Applied by"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(
        label=_("Applicant's name"),
        max_length=50,
        required=False,
        help_text=_("Leave empty when the person applies themselves."),
    )
    needs_long_term_care = forms.BooleanField(label=_("Needs long-term care (over 6 months)"), required=False)
    work_injury_nursing = forms.BooleanField(label=_("Receives work-injury nursing pay"), required=False)
    diagnosis_confirmed = forms.BooleanField(
        label=_("Diagnosed by a designated hospital"),
        required=False,
        help_text=_("For a child not yet certified: a designated hospital's diagnosis is attached."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40)
    account_holder = forms.CharField(
        label=_("Account holder"), max_length=50, required=False, help_text=_("Empty: the person.")
    )
    care_tier = forms.CharField(label=_("Care tier"), max_length=12, required=False)
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(label=_("Attachment (application form, scan)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = _program_choices("—")
        self.fields["applied_on"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("person") and not (data.get("id_number") or "").strip():
            self.add_error("id_number", _("Give the person's ID number."))
        return data

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "program_code": d["program"],
            "applied_on": d["applied_on"],
            "applicant_kind": d["applicant_kind"],
            "applicant_name": d["applicant_name"],
            "needs_long_term_care": d["needs_long_term_care"],
            "work_injury_nursing": d["work_injury_nursing"],
            "diagnosis_confirmed": d["diagnosis_confirmed"],
            "bank_name": d["bank_name"],
            "bank_account": d["bank_account"],
            "account_holder": d["account_holder"],
            "care_tier": d["care_tier"],
            "comment": d["comment"],
            "attachment": d.get("attachment"),
        }


class StepForm(forms.Form):
    """One review step: pass or reject, with a comment (the reason, when rejecting) and a file. The
    decision is chosen explicitly: nothing is preselected, so saving an untouched form passes no one."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Pass")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose pass or reject.")},
    )
    comment = forms.CharField(
        label=_("Comment (the reason when rejecting)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "approve": d["decision"] == "approve",
            "comment": d["comment"],
            "attachment": d.get("attachment"),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label=_("Attachment"), required=False)


class ObjectionForm(forms.Form):
    comment = forms.CharField(
        label=_("The applicant's grounds"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (an ``<input type="month">``), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value: Any) -> dt.date | None:
        value = super().clean(value)
        if not value:
            return None
        match = re.match(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$", value.strip())
        if not match:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError as exc:
            raise forms.ValidationError(_("Give a month as YYYY-MM.")) from exc


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=StopReason.choices)
    stopped_from = MonthField(
        label=_("First month not paid"), help_text=_("Usually the month after the event.")
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
