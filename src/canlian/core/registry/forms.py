"""Forms of the registry pages. They only parse input; the actions validate the rules and their errors
are attached to the field they name (form field names follow the actions' error fields)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.core.registry.choices import (
    CancelReason,
    Category,
    CertificateStatus,
    Grade,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    MonitoredType,
    Relationship,
    RiskCause,
    ScreeningOutcome,
    ScreeningSource,
)
from canlian.core.registry.selectors import HOUSEHOLD_FLAGS, PersonFilters
from canlian.platform.forms import date_field


def _blank(choices: Any, label: Any = None) -> list[tuple[Any, Any]]:
    return [("", label or _("All")), *choices]


def _optional_int_choice(label: Any, choices: Any, blank: Any = "—") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=_blank(choices, blank), coerce=int, required=False, empty_value=None
    )


FLAG_CHOICES = [
    ("multi_disabled", _("Several disabled members (一户多残)")),
    ("alone_disabled", _("Orphaned or alone (孤残)")),
    ("elderly_carers", _("Elderly carers (以老养残)")),
]
assert [c for c, _label in FLAG_CHOICES] == list(HOUSEHOLD_FLAGS)

STATUS_CHOICES = [
    (CertificateStatus.VALID, CertificateStatus.VALID.label),
    (CertificateStatus.EXPIRING, CertificateStatus.EXPIRING.label),
    (CertificateStatus.EXPIRED, CertificateStatus.EXPIRED.label),
    (CertificateStatus.CANCELLED, CertificateStatus.CANCELLED.label),
    ("none", _("No certificate")),
]


class PersonFilterForm(RegionBoundForm):
    """The person list's filters, read from the query string (the export reuses them)."""

    q = forms.CharField(
        label=_("Name, pinyin, ID, certificate or phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. zs, zhangsan, 370502…")}),
    )
    region = RegionField(label=_("Region"), required=False, permission=Perm.PERSONS_VIEW)
    category = _optional_int_choice(_("Category"), Category.choices, _("All"))
    grade = _optional_int_choice(_("Grade"), Grade.choices, _("All"))
    status = forms.ChoiceField(label=_("Certificate"), choices=_blank(STATUS_CHOICES), required=False)
    hardship = forms.ChoiceField(label=_("Hardship"), choices=_blank(HardshipKind.choices), required=False)
    household_flag = forms.ChoiceField(label=_("Household"), choices=_blank(FLAG_CHOICES), required=False)
    life_status = forms.ChoiceField(
        label=_("Life status"), choices=_blank(LifeStatus.choices), required=False
    )

    def filters(self) -> PersonFilters:
        """The valid filters (an invalid field is ignored rather than widening nothing)."""
        data = self.cleaned_data if self.is_valid() else {}
        region = data.get("region")
        return PersonFilters(
            q=data.get("q", "") or "",
            region=region.code if region else "",
            category=data.get("category"),
            grade=data.get("grade"),
            status=data.get("status", "") or "",
            hardship=data.get("hardship", "") or "",
            household_flag=data.get("household_flag", "") or "",
            life_status=data.get("life_status", "") or "",
        )


class PersonEditForm(RegionBoundForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    region_code = RegionField(label=_("Residence (village or community)"), permission=Perm.PERSONS_EDIT)
    residence_address = forms.CharField(label=_("Residence address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    hukou_region_code = RegionField(
        label=_("Household-registration region"), required=False, permission=Perm.PERSONS_EDIT
    )
    hukou_address = forms.CharField(label=_("Household-registration address"), max_length=200, required=False)
    hukou_type = forms.ChoiceField(
        label=_("Hukou type"), choices=_blank(HukouType.choices, "—"), required=False
    )

    #: The full phone is never put into the page: the edit form shows it masked as a placeholder and
    #: an empty field keeps the number on record.
    blank_phone_keeps = True

    def __init__(self, *args: Any, masked_phone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.blank_phone_keeps:
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone
            self.fields["phone"].help_text = _("Leave empty to keep the number on record.")

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("region_code", "hukou_region_code"):
            data[key] = data[key].code if data.get(key) else ""
        if self.blank_phone_keeps and not data.get("phone"):
            data.pop("phone", None)
        return data


class PersonRegisterForm(PersonEditForm):
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    field_order = ["id_number", "name"]
    blank_phone_keeps = False


class LifeStatusForm(forms.Form):
    life_status = forms.ChoiceField(label=_("Life status"), choices=LifeStatus.choices)
    life_status_date = date_field(_("Date of death or move"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


_SUBS = re.compile(r"^\s*([1-6])\s*[-:：]\s*([1-4])\s*$")


class SubDisabilityField(forms.CharField):
    """Sub-disabilities of a multiple (多重) certificate, typed as "category-grade" pairs: "1-2, 4-3"."""

    def clean(self, value: Any) -> list[tuple[int, int]] | None:
        value = super().clean(value)
        if not value:
            return None
        pairs = []
        for part in re.split(r"[,，;；\s]+", value.strip()):
            if not part:
                continue
            match = _SUBS.match(part)
            if not match:
                raise forms.ValidationError(_("Write each as category-grade, e.g. 1-2, 4-3."))
            pairs.append((int(match.group(1)), int(match.group(2))))
        return pairs


class CertificateForm(forms.Form):
    """Issue, or re-assess (a new category or grade)."""

    category = forms.TypedChoiceField(label=_("Category"), choices=Category.choices, coerce=int)
    grade = forms.TypedChoiceField(label=_("Grade"), choices=Grade.choices, coerce=int)
    issue_date = date_field(_("Issued on"), initial=timezone.localdate)
    number = forms.CharField(
        label=_("Certificate number"),
        max_length=22,
        required=False,
        help_text=_("Leave empty to use ID number + category + grade."),
    )
    sub_disabilities = SubDisabilityField(
        label=_("Sub-disabilities (multiple only)"),
        required=False,
        help_text=_("category-grade pairs, e.g. 1-2, 4-3"),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CertificateRenewForm(forms.Form):
    issue_date = date_field(_("Issued on"), initial=timezone.localdate)
    number = forms.CharField(label=_("Certificate number"), max_length=22, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CertificateCancelForm(forms.Form):
    cancel_reason = forms.ChoiceField(label=_("Reason"), choices=CancelReason.choices)
    cancelled_on = date_field(_("Cancelled on"), initial=timezone.localdate)
    cancel_note = forms.CharField(label=_("Note"), max_length=200, required=False)


class HardshipAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("Status"), choices=HardshipKind.choices)
    valid_from = date_field(_("From"), initial=timezone.localdate)
    source = forms.ChoiceField(
        label=_("Source"), choices=HardshipSource.choices, initial=HardshipSource.MANUAL
    )
    monitored_type = forms.ChoiceField(
        label=_("Monitored type (三类户 only)"), choices=_blank(MonitoredType.choices, "—"), required=False
    )
    risk_cause = forms.ChoiceField(
        label=_("Risk cause (三类户 only)"), choices=_blank(RiskCause.choices, "—"), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class HardshipEndForm(forms.Form):
    status = forms.IntegerField(widget=forms.HiddenInput)
    valid_to = date_field(_("Until"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class HouseholdCreateForm(forms.Form):
    number = forms.CharField(label=_("Household number"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class MemberAddForm(forms.Form):
    """A registered person (by ID number) or a relative known by name and birth date."""

    relationship = forms.ChoiceField(
        label=_("Relationship to the head"),
        choices=[c for c in Relationship.choices if c[0] != Relationship.HEAD],
    )
    id_number = forms.CharField(label=_("ID number of a registered person"), max_length=20, required=False)
    name = forms.CharField(label=_("or: name of a relative"), max_length=50, required=False)
    birth_date = date_field(_("and the relative's birth date"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("id_number") and not data.get("name"):
            raise forms.ValidationError(_("Give a registered person's ID number or a relative's name."))
        return data


class MemberForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)


class ScreeningForm(RegionBoundForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    region_code = RegionField(label=_("Village or community"), permission=Perm.PERSONS_EDIT)
    found_on = date_field(_("Found on"), initial=timezone.localdate)
    id_number = forms.CharField(label=_("ID number (if known)"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    suspected_category = _optional_int_choice(_("Suspected category"), Category.choices)
    source = forms.ChoiceField(label=_("Found by"), choices=ScreeningSource.choices)
    description = forms.CharField(
        label=_("What was seen"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def action_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["region_code"] = data["region_code"].code
        return data


class ScreeningFilterForm(RegionBoundForm):
    state = forms.ChoiceField(
        label=_("Show"),
        choices=[("open", _("Open")), ("all", _("All")), *ScreeningOutcome.choices],
        required=False,
    )
    region = RegionField(label=_("Region"), required=False, permission=Perm.PERSONS_VIEW)


class ScheduleForm(forms.Form):
    appointment_on = date_field(_("Home assessment on"))
    assessor = forms.CharField(label=_("Assessor"), max_length=80, required=False)


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            c
            for c in ScreeningOutcome.choices
            if c[0] not in (ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED)
        ],
    )
    outcome_on = date_field(_("Outcome on"), initial=timezone.localdate)
    outcome_note = forms.CharField(label=_("Note"), max_length=300, required=False)
    id_number = forms.CharField(label=_("ID number (if certified)"), max_length=20, required=False)
    category = _optional_int_choice(_("Category (if certified)"), Category.choices)
    grade = _optional_int_choice(_("Grade (if certified)"), Grade.choices)
    issue_date = date_field(_("Certificate issued on (if certified)"), required=False)


class HouseholdFilterForm(RegionBoundForm):
    flag = forms.ChoiceField(label=_("Household"), choices=_blank(FLAG_CHOICES), required=False)
    region = RegionField(label=_("Region"), required=False, permission=Perm.PERSONS_VIEW)


EXPIRING_DAYS = (30, 60, 90, 180, 365)


class ExpiringForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Expiring within"),
        choices=lambda: [(d, gettext("%(days)s days") % {"days": d}) for d in EXPIRING_DAYS],
        coerce=int,
        required=False,
        # The stubs allow only str | None; Django returns any empty_value as given (here the int 365).
        empty_value=365,  # type: ignore[arg-type]
    )
