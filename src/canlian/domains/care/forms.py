"""Forms of the care pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.care.models import ContactWay, EndReason, NeedStatus
from canlian.platform.forms import date_field
from canlian.platform.widgets import DateInput


class ContactForm(forms.Form):
    """The fast path: way and date are all that is required. The way is chosen explicitly (nothing
    preselected), so an untouched form saves no contact that would count toward the cadre's quota."""

    way = forms.ChoiceField(
        label=_("How"),
        choices=ContactWay.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you were in contact.")},
    )
    on = date_field(_("Date"))
    discussed = forms.CharField(
        label=_("What was discussed"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs_found = forms.CharField(
        label=_("Needs found (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    policies_delivered = forms.IntegerField(
        label=_("Policies delivered"),
        min_value=0,
        max_value=999,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    policies_text = forms.CharField(label=_("Which policies"), required=False)
    difficulties_solved = forms.IntegerField(
        label=_("Difficulties solved"),
        min_value=0,
        max_value=999,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    difficulties_text = forms.CharField(label=_("Which difficulties"), required=False)
    tasks_done = forms.IntegerField(
        label=_("Practical tasks done"),
        min_value=0,
        max_value=999,
        required=False,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    tasks_text = forms.CharField(label=_("Which tasks"), required=False)
    photo = forms.FileField(
        label=_("Photo (home visits)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    follow_up_on = forms.DateField(label=_("Follow up on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class PairingCreateForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    cadre = forms.ChoiceField(label=_("Cadre"))
    started_on = date_field(_("Paired from"))

    def __init__(self, *args: Any, cadres: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", "—")] + [(u.pk, str(u)) for u in cadres]
        self.fields["started_on"].initial = timezone.localdate()


class PairingEndForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[c for c in EndReason.choices if c[0] != "reassigned"]
    )
    ended_on = date_field(_("Last day"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PairingReassignForm(forms.Form):
    cadre = forms.ChoiceField(label=_("New cadre"))
    on = date_field(_("From"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, cadres: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", "—")] + [(u.pk, str(u)) for u in cadres]
        self.fields["on"].initial = timezone.localdate()


class NeedUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())


class PairingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx, .xls or .csv with columns 身份证号 and 干部账号 or 干部姓名)")
    )
    started_on = forms.DateField(
        label=_("Paired from (when the file has no 结对日期)"), required=False, widget=DateInput()
    )
