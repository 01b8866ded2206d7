"""Forms of the children's rehabilitation pages. Validation of substance (the institution, the
therapist's certificate, one plan a year, device intervals) is the actions'; forms only parse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import ServiceCategory
from canlian.domains.rehab.choices import PlanEndReason, SurgeryStatus, TrainingMode
from canlian.platform.forms import date_field


class PlanForm(forms.Form):
    """The guardian's choice of institution and the plan's contents."""

    institution = forms.TypedChoiceField(label=_("Institution (the guardian's choice)"), coerce=int)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    category = forms.ChoiceField(label=_("Training category"), choices=ServiceCategory.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=TrainingMode.choices, initial=TrainingMode.CENTRE)
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"))
    planned_days = forms.IntegerField(label=_("Planned training days"), min_value=0, max_value=366, initial=0)
    hours = forms.IntegerField(label=_("Planned hours"), min_value=0, max_value=9999, initial=0)
    therapist = forms.TypedChoiceField(
        label=_("Therapist in charge"), coerce=int, required=False, empty_value=None
    )
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    guardian_name = forms.CharField(label=_("Guardian"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)

    def __init__(self, *args: Any, institutions: Any = (), therapists: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [
            (i.pk, f"{i.name}（{i.get_status_display()}）") for i in institutions
        ]
        self.fields["therapist"].choices = [("", "—")] + [
            (s.pk, f"{s.name} · {s.institution.name}") for s in therapists
        ]

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "institution_id": d["institution"],
            "year": d["year"],
            "category": d["category"],
            "mode": d["mode"],
            "starts_on": d["starts_on"],
            "ends_on": d["ends_on"],
            "planned_days": d["planned_days"] or 0,
            "hours": d["hours"] or 0,
            "goals": d["goals"],
            "therapist_id": d["therapist"],
            "guardian_name": d["guardian_name"],
            "guardian_phone": d["guardian_phone"],
        }


class PlanEditForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=TrainingMode.choices)
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"))
    planned_days = forms.IntegerField(label=_("Planned training days"), min_value=0, max_value=366)
    hours = forms.IntegerField(label=_("Planned hours"), min_value=0, max_value=9999)
    therapist = forms.TypedChoiceField(
        label=_("Therapist in charge"), coerce=int, required=False, empty_value=None
    )
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    guardian_name = forms.CharField(label=_("Guardian"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)

    def __init__(self, *args: Any, therapists: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"].choices = [("", "—")] + [(s.pk, s.name) for s in therapists]

    def action_kwargs(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["therapist_id"] = d.pop("therapist")
        return d


class PlanEndForm(forms.Form):
    ended_on = date_field(_("Last day"))
    end_reason = forms.ChoiceField(
        label=_("Ended because"),
        choices=[
            (PlanEndReason.STOPPED, PlanEndReason.STOPPED.label),
            (PlanEndReason.OTHER, PlanEndReason.OTHER.label),
        ],
        initial=PlanEndReason.STOPPED,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PlanTransferForm(forms.Form):
    """The child continues the year's training at another institution (same category)."""

    institution = forms.TypedChoiceField(label=_("New institution (the guardian's choice)"), coerce=int)
    on = date_field(_("First day at the new institution"))
    reason = forms.CharField(label=_("Reason for the transfer"), max_length=200)
    therapist = forms.TypedChoiceField(
        label=_("Therapist in charge at the new institution"), coerce=int, required=False, empty_value=None
    )
    ends_on = date_field(_("Ends on (default: the current plan's end)"), required=False)

    def __init__(self, *args: Any, institutions: Any = (), therapists: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [
            (i.pk, f"{i.name}（{i.get_status_display()}）") for i in institutions
        ]
        self.fields["therapist"].choices = [("", "—")] + [
            (s.pk, f"{s.name} · {s.institution.name}") for s in therapists
        ]

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "to_institution_id": d["institution"],
            "on": d["on"],
            "reason": d["reason"],
            "therapist_id": d["therapist"],
            "ends_on": d["ends_on"],
        }


class DeviceForm(forms.Form):
    kind = forms.TypedChoiceField(label=_("Device"), coerce=int)
    provided_on = date_field(_("Provided on"))
    institution = forms.TypedChoiceField(label=_("Fitted by"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=10, decimal_places=2, initial=0)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, kinds: Any = (), institutions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—")] + [
            (k.pk, _("%(name)s (every %(months)s months)") % {"name": k.name, "months": k.replacement_months})
            for k in kinds
        ]
        self.fields["institution"].choices = [("", "—")] + [(i.pk, i.name) for i in institutions]


class SurgeryForm(forms.Form):
    operation = forms.CharField(label=_("Operation"), max_length=100)
    hospital = forms.CharField(label=_("Hospital"), max_length=100)
    referred_on = date_field(_("Referred on"))
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=10, decimal_places=2, initial=0, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SurgeryUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (SurgeryStatus.DONE, SurgeryStatus.DONE.label),
            (SurgeryStatus.CANCELLED, SurgeryStatus.CANCELLED.label),
        ],
        widget=forms.RadioSelect,
    )
    operated_on = date_field(_("Operated on"), required=False)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(label=_("Attendance sheet (.xlsx, .xls or .csv)"))
    month = forms.CharField(
        label=_("Month (for a month grid)"),
        required=False,
        max_length=7,
        help_text=_("YYYY-MM; not needed when the sheet has a 日期 or 月份 column."),
    )
    holidays_confirmed = forms.BooleanField(
        label=_("Sign-ins on public holidays are confirmed"),
        required=False,
        help_text=_(
            "Without it, every row on a public holiday is refused; with it, those days are recorded and "
            "flagged in the training-days list."
        ),
    )
