"""Forms of employment pages (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.employment.choices import EmployerKind, OfferOutcome, WorkerKind, WorkStatus
from canlian.platform.forms import date_field
from canlian.platform.widgets import DateInput


def _this_year() -> int:
    return timezone.localdate().year - 1


class EmployerForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=24)
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=EmployerKind.choices)
    region_code = forms.ChoiceField(label=_("Region"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    staff_known = forms.CharField(label=_("In-post staff (tax data)"), max_length=12, required=False)
    wage_known = forms.CharField(label=_("Average yearly wage (tax data)"), max_length=16, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class DeclarationForm(forms.Form):
    year = forms.IntegerField(label=_("Employment year"), min_value=2000, max_value=2100, initial=_this_year)
    staff = forms.CharField(label=_("Average in-post staff"), max_length=12)
    average_wage = forms.CharField(label=_("Average yearly wage"), max_length=16)


class ImportForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region of new employers"))
    file = forms.FileField(label=_("Declaration sheet (.xlsx, .xls or .csv)"))

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class YearRegionForm(forms.Form):
    year = forms.IntegerField(label=_("Employment year"), min_value=2000, max_value=2100, initial=_this_year)
    region_code = forms.ChoiceField(label=_("Region"))

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class QuotaRuleForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region"))
    valid_from = date_field(_("Valid from"))
    valid_to = date_field(_("Valid until"), required=False)
    quota_ratio = forms.CharField(label=_("Quota ratio"), max_length=10, help_text=_("e.g. 1.5%"))
    wage_cap_multiple = forms.CharField(label=_("Wage cap (× local average)"), max_length=6, initial="2")
    exempt_staff_max = forms.IntegerField(label=_("Exempt up to staff"), required=False, min_value=0)
    band_ratio = forms.CharField(
        label=_("Reduction band: achieved ratio from"), max_length=10, required=False
    )
    band_share = forms.CharField(label=_("Share paid at or above the band"), max_length=10, required=False)
    below_band_share = forms.CharField(label=_("Share paid below the band"), max_length=10, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


class LocalWageForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region"))
    valid_from = date_field(_("Valid from"))
    minimum_wage_month = forms.CharField(label=_("Minimum monthly wage"), max_length=12)
    average_wage_year = forms.CharField(label=_("Average yearly wage"), max_length=14)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions


# --- employment by real name -----------------------------------------------------------------------


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Employment status"), choices=WorkStatus.choices)
    started_on = forms.DateField(label=_("From"), widget=DateInput)
    employer_name = forms.CharField(label=_("Employer or workplace"), max_length=120, required=False)
    post = forms.CharField(label=_("Post"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("Course"), max_length=100)
    provider = forms.CharField(label=_("Provider"), max_length=100, required=False)
    hours = forms.CharField(label=_("Hours"), max_length=8)
    started_on = forms.DateField(label=_("From"), widget=DateInput)
    ended_on = forms.DateField(label=_("Until"), widget=DateInput, required=False)
    certificate_name = forms.CharField(label=_("Certificate obtained"), max_length=100, required=False)
    funding = forms.CharField(label=_("Funding program or source"), max_length=100, required=False)


class OfferForm(forms.Form):
    employer_name = forms.CharField(label=_("Employer"), max_length=120)
    post = forms.CharField(label=_("Post"), max_length=60)
    offered_on = forms.DateField(label=_("Offered on"), widget=DateInput)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OfferOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RealNameImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The sheet holds"),
        choices=[("statuses", _("Employment statuses")), ("trainings", _("Trainings"))],
    )
    file = forms.FileField(label=_("Sheet (.xlsx, .xls or .csv)"))


# --- sites and subsidies ---------------------------------------------------------------------------


class SiteForm(forms.Form):
    institution_id = forms.ChoiceField(label=_("Institution (爱心屋 kiosk or employment base)"))
    sponsor_name = forms.CharField(label=_("Sponsor"), max_length=120)
    sponsor_uscc = forms.CharField(
        label=_("Sponsor's unified social credit code"), max_length=24, required=False
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args: Any, institutions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution_id"].choices = institutions


class SiteWorkerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Worker"), choices=WorkerKind.choices)
    person_id_number = forms.CharField(label=_("ID number of the disabled person"), max_length=20)
    relative_name = forms.CharField(label=_("Relative's name"), max_length=50, required=False)
    relative_id_number = forms.CharField(label=_("Relative's ID number"), max_length=20, required=False)
    relationship = forms.CharField(label=_("Relationship"), max_length=20, required=False)
    post = forms.CharField(label=_("Post"), max_length=60)
    started_on = forms.DateField(label=_("From"), widget=DateInput)
    monthly_pay = forms.CharField(label=_("Monthly pay"), max_length=12)


class SiteFundForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=2000, max_value=2100, initial=lambda: timezone.localdate().year
    )
    amount = forms.CharField(label=_("Amount"), max_length=14)
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


class SubsidyStandardForm(forms.Form):
    region_code = forms.ChoiceField(label=_("Region"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    amount = forms.CharField(label=_("Per person above the quota"), max_length=12)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions
