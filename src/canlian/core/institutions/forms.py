"""Forms of the institution pages. They check types only; the actions check the rules and name the
field of any error (``form_error_from`` puts it on that field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.institutions.choices import (
    InstitutionKind,
    InstitutionStatus,
    QualificationKind,
    ServiceCategory,
    StaffPost,
)
from canlian.core.institutions.selectors import CERTIFICATE_STATES, EXPIRING_DAYS, EXPIRY_FILTERS
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.platform.forms import date_field


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class InstitutionFilterForm(RegionBoundForm):
    q = forms.CharField(label=_("Name, code or operator"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_all(InstitutionKind.choices), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_all(InstitutionStatus.choices), required=False)
    region = RegionField(label=_("Region"), required=False, permission=Perm.INSTITUTIONS_VIEW)
    category = forms.ChoiceField(label=_("Serves"), choices=_all(ServiceCategory.choices), required=False)
    expiry = forms.ChoiceField(label=_("Expiry"), choices=_all(list(EXPIRY_FILTERS.items())), required=False)


class InstitutionForm(RegionBoundForm):
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=InstitutionKind.choices)
    region_code = RegionField(
        label=_("Region (county or township where it sits)"), permission=Perm.INSTITUTIONS_MANAGE
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    operator = forms.CharField(label=_("Operator"), max_length=100, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=24, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, max_value=100000, required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories served"),
        choices=ServiceCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    account_holder = forms.CharField(label=_("Account holder"), max_length=100, required=False)

    #: Fields an institution's own staff may not edit (removed from their form).
    federation_only = ("code", "kind", "region_code", "operator", "credit_code", "capacity", "categories")

    def __init__(self, *args: Any, federation: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not federation:
            for name in self.federation_only:
                self.fields.pop(name)

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "region_code" in data:
            data["region_code"] = data["region_code"].code if data["region_code"] else ""
        if "capacity" in data and data["capacity"] is None:
            data["capacity"] = 0
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=InstitutionStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    on = date_field(_("From"), required=False)


class QualificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Number"), max_length=60)
    issued_by = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    valid_from = date_field(_("Valid from"), required=False)
    valid_until = date_field(_("Valid until"), required=False)
    attachment = forms.FileField(label=_("Scan"), required=False)


class AgreementForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=60)
    services = forms.CharField(label=_("Services"), max_length=200, required=False)
    signed_on = date_field(_("Signed on"), required=False)
    valid_from = date_field(_("Valid from"))
    valid_until = date_field(_("Valid until"))
    attachment = forms.FileField(label=_("Scan"), required=False)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    post = forms.ChoiceField(label=_("Post"), choices=StaffPost.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    title = forms.CharField(label=_("Professional title"), max_length=60, required=False)
    hired_on = date_field(_("Hired on"), required=False)

    def __init__(
        self, *args: Any, masked_id: str = "", masked_phone: str = "", editing: bool = False, **kw: Any
    ):
        super().__init__(*args, **kw)
        self.editing = editing
        if editing:
            # The full numbers are never put into the page: empty keeps what is on record.
            self.fields["id_number"].widget.attrs["placeholder"] = masked_id
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone
            self.fields["id_number"].help_text = _("Leave empty to keep the number on record.")
            self.fields["phone"].help_text = _("Leave empty to keep the number on record.")

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.editing:
            for key in ("id_number", "phone"):
                if not data.get(key):
                    data.pop(key, None)
        return data


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False)
    post = forms.ChoiceField(label=_("Post"), choices=_all(StaffPost.choices), required=False)
    current = forms.ChoiceField(
        label=_("Working"),
        choices=[("1", _("Current staff")), ("0", _("Left")), ("all", _("All"))],
        required=False,
    )


class LeaveForm(forms.Form):
    left_on = date_field(_("Last day"), required=False)


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)


class CourseForm(RegionBoundForm):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    region = RegionField(label=_("Organising region"), permission=Perm.TRAINING_MANAGE)
    organiser = forms.CharField(label=_("Organiser"), max_length=100, required=False)
    posts = forms.MultipleChoiceField(
        label=_("For posts (none: any)"),
        choices=StaffPost.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = date_field(_("Starts on"))
    ends_on = date_field(_("Ends on"))
    hours = forms.IntegerField(label=_("Hours"), min_value=0, max_value=2000, required=False)
    pass_written = forms.DecimalField(label=_("Pass mark, written"), min_value=0, max_value=100, initial=60)
    pass_practical = forms.DecimalField(
        label=_("Pass mark, practical"), min_value=0, max_value=100, initial=60
    )
    certificate_years = forms.IntegerField(
        label=_("Certificate valid (years)"), min_value=1, max_value=10, initial=3
    )

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        region = data.pop("region")
        data["region_code"] = region.code if region else ""
        return data


class CertificateIssueForm(forms.Form):
    course = forms.ChoiceField(label=_("Course passed"), required=False)
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for the next number (KF + year + sequence)."),
    )
    issued_on = date_field(_("Issued on"), required=False)

    def __init__(self, *args: Any, courses: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        course = self.fields["course"]
        assert isinstance(course, forms.ChoiceField)
        course.choices = [("", _("— none —")), *((c.pk, str(c)) for c in courses)]


class RevokeForm(forms.Form):
    on = date_field(_("Revoked from"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class GapFilterForm(RegionBoundForm):
    state = forms.ChoiceField(
        label=_("Situation"), choices=_all(list(CERTIFICATE_STATES.items())), required=False
    )
    days = forms.IntegerField(
        label=_("Expiring within (days)"), min_value=1, max_value=730, required=False, initial=EXPIRING_DAYS
    )
    region = RegionField(label=_("Region"), required=False, permission=Perm.INSTITUTIONS_VIEW)
