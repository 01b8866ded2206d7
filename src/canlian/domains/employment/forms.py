"""Forms of employment pages (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.employment.choices import EmployerKind
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
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
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
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    minimum_wage_month = forms.CharField(label=_("Minimum monthly wage"), max_length=12)
    average_wage_year = forms.CharField(label=_("Average yearly wage"), max_length=14)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = regions
