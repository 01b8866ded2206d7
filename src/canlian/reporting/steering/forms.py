"""Forms of the targets and bulletin pages (no logic: the actions validate)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.accounts.forms import RegionBoundForm
from canlian.core.permissions import Perm
from canlian.core.regions.forms import RegionField
from canlian.reporting.models import BulletinKind

YEAR_LOW, YEAR_HIGH = 2000, 2100


def _year_field(required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Year"),
        required=required,
        min_value=YEAR_LOW,
        max_value=YEAR_HIGH,
        widget=forms.NumberInput(attrs={"style": "width: 6em"}),
    )


def _valid_part(form: forms.Form) -> dict[str, Any]:
    """The fields that passed validation (an unbound form: none)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if k not in form.errors}


class TargetsFilterForm(RegionBoundForm):
    region = RegionField(label=_("Region"), required=False, permission=Perm.STEERING_VIEW)
    year = _year_field()

    def values(self, default_region: str) -> tuple[str, int]:
        """(region code, year): a field in error falls back to its default."""
        data = _valid_part(self)
        region = data.get("region")
        return (region.code if region else default_region, data.get("year") or timezone.localdate().year)


class TargetForm(RegionBoundForm):
    indicator = forms.ChoiceField(label=_("Indicator"), choices=())
    region = RegionField(label=_("Region"), permission=Perm.STEERING_TARGETS)
    year = _year_field(required=True)
    value = forms.CharField(
        label=_("Target"),
        max_length=30,
        help_text=_("A rate as a percentage (98 or 98%); an amount in yuan; a count as a whole number."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [(i.code, f"{i.area} · {i.name}") for i in indicators]


class TargetImportForm(forms.Form):
    year = _year_field(required=True)
    file = forms.FileField(label=_("Plan sheet (.xlsx, .xls or .csv)"))


class BulletinForm(RegionBoundForm):
    region = RegionField(label=_("Region"), required=False, permission=Perm.STEERING_VIEW)
    kind = forms.ChoiceField(label=_("Bulletin"), choices=BulletinKind.choices, required=False)
    year = _year_field()
    period = forms.IntegerField(
        label=_("Month or quarter"),
        required=False,
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"style": "width: 5em"}),
    )
    scheme = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == BulletinKind.QUARTERLY and (data.get("period") or 1) > 4:
            self.add_error("period", _("Enter a quarter from 1 to 4."))
        return data

    def values(self) -> dict[str, Any]:
        """The chosen values, each field in error falling back to its default (None)."""
        out = _valid_part(self)
        return {
            "region": out.get("region"),
            "kind": out.get("kind") or BulletinKind.QUARTERLY,
            "year": out.get("year") or timezone.localdate().year,
            "period": out.get("period"),
            "scheme": out.get("scheme"),
        }


class SchemeForm(RegionBoundForm):
    """A weight per visible indicator (blank or 0: not in the scheme)."""

    region = RegionField(label=_("Region"), permission=Perm.STEERING_TARGETS)
    name = forms.CharField(label=_("Scheme name"), max_length=80, required=False)

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"w_{indicator.code}"] = forms.DecimalField(
                label=indicator.name,
                required=False,
                min_value=0,
                max_value=100,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "style": "width: 6em"}),
            )

    def weight_fields(self) -> list[tuple[Any, Any]]:
        return [(i, self[f"w_{i.code}"]) for i in self.indicators]

    def items(self) -> list[dict[str, Any]]:
        return [
            {"indicator": i.code, "weight": str(self.cleaned_data[f"w_{i.code}"])}
            for i in self.indicators
            if self.cleaned_data.get(f"w_{i.code}")
        ]
