"""Page forms of rehabilitation services (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.rehabservices.choices import (
    HealthListKind,
    HealthProgram,
    ModItem,
    NeedKind,
    PhotoStage,
    ServicePlace,
)
from canlian.platform.forms import date_field

PHOTO = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})


def _photo(label: Any, required: bool = False) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=required,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class PersonLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )


class SurveyForm(forms.Form):
    surveyed_on = date_field(_("Surveyed on"), initial=timezone.localdate)
    needs = forms.MultipleChoiceField(
        label=_("Rehabilitation needs"),
        choices=NeedKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_needs = forms.BooleanField(label=_("No rehabilitation need this year"), required=False)
    device_type = forms.TypedChoiceField(
        label=_("Device needed"), coerce=int, required=False, empty_value=None
    )
    surveyor = forms.CharField(label=_("Surveyor"), max_length=50, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, devices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device_type"].choices = [("", "—")] + [(d.pk, d.name) for d in devices]


class ServiceForm(forms.Form):
    need = forms.TypedChoiceField(label=_("Need"), coerce=int)
    delivered_on = date_field(_("Delivered on"), initial=timezone.localdate)
    place = forms.ChoiceField(label=_("Where"), choices=ServicePlace.choices)
    institution = forms.TypedChoiceField(
        label=_("Service point"), coerce=int, required=False, empty_value=None
    )
    provider = forms.CharField(label=_("Provided by"), max_length=80)
    content = forms.CharField(label=_("What"), max_length=300)

    def __init__(self, *args: Any, needs: Any = (), institutions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(n.pk, n.get_kind_display()) for n in needs]
        self.fields["institution"].choices = [("", "—")] + [
            (i.pk, f"{i.name} ({i.get_kind_display()})") for i in institutions
        ]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Survey sheet (.xlsx or .csv)"))


class HealthImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=HealthListKind.choices)
    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year
    )
    region_code = forms.ChoiceField(label=_("Region"))
    file = forms.FileField(label=_("List (.xlsx or .csv)"))

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = list(regions)


class StandardForm(forms.Form):
    device_type = forms.TypedChoiceField(label=_("Device"), coerce=int)
    region_code = forms.CharField(label=_("Region code (empty: national)"), max_length=12, required=False)
    valid_from = date_field(_("From"), initial=timezone.localdate)
    price = forms.DecimalField(label=_("Price"), min_value=0, max_digits=10, decimal_places=2)
    subsidy = forms.DecimalField(label=_("Subsidy"), min_value=0, max_digits=10, decimal_places=2)

    def __init__(self, *args: Any, devices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device_type"].choices = [(d.pk, d.name) for d in devices]


class FittingForm(forms.Form):
    device_type = forms.TypedChoiceField(label=_("Device"), coerce=int)
    station = forms.TypedChoiceField(label=_("Service station"), coerce=int)
    assessed_on = date_field(_("Assessed on"), initial=timezone.localdate)
    replaces = forms.TypedChoiceField(label=_("Replaces"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(
        self, *args: Any, devices: Any = (), stations: Any = (), earlier: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["device_type"].choices = [("", "—")] + [
            (d.pk, _("%(name)s (every %(months)s months)") % {"name": d.name, "months": d.replacement_months})
            for d in devices
        ]
        self.fields["station"].choices = [("", "—")] + [(s.pk, s.name) for s in stations]
        self.fields["replaces"].choices = [("", "—")] + [
            (f.pk, f"{f.device_type.name} {f.fitted_on} → {f.replacement_due}") for f in earlier
        ]


class DeliverForm(forms.Form):
    fitted_on = date_field(_("Delivered on"), initial=timezone.localdate)


class ApplyForm(forms.Form):
    applied_on = date_field(_("Applied on"), initial=timezone.localdate)
    need_found = forms.CharField(
        label=_("Need found"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    house_modifiable = forms.BooleanField(
        label=_("The house can be modified (owned or long-term use, safe structure)"), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class AssessForm(forms.Form):
    assessed_on = date_field(_("Assessed on"), initial=timezone.localdate)
    assessor = forms.CharField(label=_("Assessor"), max_length=80)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PlanForm(forms.Form):
    agreed_on = date_field(_("Accepted by the family on"), initial=timezone.localdate)
    plan = forms.CharField(label=_("Plan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    signed_form = _photo(_("Photo of the signed plan form"), required=True)


class NoticeForm(forms.Form):
    notice_from = date_field(_("Public notice from"), initial=timezone.localdate)


class WorksForm(forms.Form):
    started_on = date_field(_("Works started on"), initial=timezone.localdate)
    contractor = forms.CharField(label=_("Contractor"), max_length=100)
    contractor_account = forms.CharField(label=_("Contractor's bank account"), max_length=40)


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=PhotoStage.choices)
    photo = _photo(_("Photo"), required=True)
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class AcceptForm(forms.Form):
    accepted_on = date_field(_("Accepted on"), initial=timezone.localdate)
    final_cost = forms.DecimalField(label=_("Final cost"), min_value=0, max_digits=10, decimal_places=2)
    federation = forms.CharField(label=_("For the federation"), max_length=60)
    family = forms.CharField(label=_("For the family"), max_length=60)
    contractor = forms.CharField(label=_("For the contractor"), max_length=60)


class ArchiveForm(forms.Form):
    archived_on = date_field(_("Archived on"), initial=timezone.localdate)


class BatchForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = list(regions)


class PaidForm(forms.Form):
    paid_on = date_field(_("Paid on"), initial=timezone.localdate)


class HealthApplyForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), choices=HealthProgram.choices)
    applied_on = date_field(_("Applied on"), initial=timezone.localdate)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "yes", choices=[("yes", _("Approve")), ("no", _("Refuse"))]
    )
    decided_on = date_field(_("Decided on"), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason (when refused)"), max_length=200, required=False)


class ServeForm(forms.Form):
    served_on = date_field(_("Served on"), initial=timezone.localdate)
    hospital = forms.CharField(label=_("Hospital"), max_length=100)
    service = forms.CharField(label=_("Service"), max_length=300)
    cost = forms.DecimalField(label=_("Cost"), min_value=0, max_digits=10, decimal_places=2)


ITEM_CHOICES = ModItem.choices
