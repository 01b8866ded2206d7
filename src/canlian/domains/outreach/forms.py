"""Forms of the outreach pages (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.domains.outreach.choices import ActivityKind, Consent, DonationKind, DonorKind
from canlian.platform.forms import date_field


class _Regional(forms.Form):
    region_code = forms.ChoiceField(label=_("Region"))

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class VolunteerForm(_Regional):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=120, required=False)
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    registered_on = date_field(_("Registered on"))


class ActivityForm(_Regional):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    on = date_field(_("Date"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    volunteers = forms.MultipleChoiceField(
        label=_("Volunteers"), required=False, widget=forms.CheckboxSelectMultiple
    )
    hours = forms.DecimalField(
        label=_("Hours of each volunteer"), max_digits=4, decimal_places=1, required=False
    )
    served = forms.CharField(
        label=_("People served (ID numbers, one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, volunteers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].choices = volunteers


class DonationForm(_Regional):
    donor = forms.CharField(label=_("Donor"), max_length=120)
    donor_kind = forms.ChoiceField(label=_("Donor kind"), choices=DonorKind.choices)
    received_on = date_field(_("Received on"))
    kind = forms.ChoiceField(label=_("Money or goods"), choices=DonationKind.choices)
    amount = forms.CharField(label=_("Amount (goods: value, yuan)"), max_length=20)
    goods = forms.CharField(label=_("Goods"), max_length=200, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)
    restricted = forms.BooleanField(label=_("Restricted to the purpose"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class UseForm(forms.Form):
    on = date_field(_("Date"))
    amount = forms.CharField(label=_("Amount"), max_length=20)
    description = forms.CharField(label=_("Description"), max_length=200)
    activity_id = forms.ChoiceField(label=_("For the activity"), required=False)
    person_id_number = forms.CharField(label=_("For the person (ID number)"), max_length=18, required=False)

    def __init__(self, *args: Any, activities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_id"].choices = [("", "—"), *activities]


class CaseForm(_Regional):
    title = forms.CharField(label=_("Title"), max_length=120)
    story = forms.CharField(label=_("Story"), widget=forms.Textarea(attrs={"rows": 8}))
    figures = forms.CharField(
        label=_("Figures behind it"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    person_id_number = forms.CharField(label=_("Person (ID number)"), max_length=18, required=False)
    consent = forms.ChoiceField(label=_("Consent"), choices=Consent.choices)
    consent_on = date_field(_("Consent recorded on"), required=False)


class ReviewForm(forms.Form):
    publish = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Publish")), ("0", _("Return for changes"))],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
