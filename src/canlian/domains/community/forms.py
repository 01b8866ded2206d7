"""Page forms of community services (no logic: the actions validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.domains.community.choices import (
    AllowanceKind,
    CareMode,
    ConstructionModel,
    EndReason,
    Level,
    SubsidyKind,
    WageBasis,
)
from canlian.platform.forms import date_field
from canlian.platform.widgets import MonthInput


class HomeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=30)
    region_code = forms.CharField(label=_("Township code"), max_length=12)
    construction_model = forms.ChoiceField(label=_("Construction model"), choices=ConstructionModel.choices)
    opened_on = date_field(_("Opened on"))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0, initial=30)
    staff_count = forms.IntegerField(label=_("Staff"), min_value=0, initial=3)
    functions = forms.MultipleChoiceField(
        label=_("Functions"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    demonstration = forms.BooleanField(label=_("Demonstration site"), required=False)

    def __init__(self, *args, functions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["functions"].choices = list(functions)


class PersonByIdForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18)


class MemberForm(PersonByIdForm):
    starts_on = date_field(_("Member from"))


class EndForm(forms.Form):
    ends_on = date_field(_("Last day"))
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)


class ServiceForm(forms.Form):
    function = forms.ChoiceField(label=_("Function"), choices=())
    on = date_field(_("Date"))
    title = forms.CharField(label=_("What"), max_length=100)
    quantity = forms.DecimalField(
        label=_("Quantity (sessions, hours)"), min_value=0, decimal_places=1, initial=1
    )
    participants = forms.IntegerField(label=_("Participants"), min_value=0, initial=0)

    def __init__(self, *args, functions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = list(functions)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))


class AttendanceUploadForm(UploadForm):
    month = forms.CharField(label=_("Month of a grid sheet"), required=False, widget=MonthInput())


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("Year assessed"), min_value=2000, max_value=2100)
    assessed_on = date_field(_("Assessed on"))
    assessors = forms.CharField(label=_("Assessors"), max_length=200, required=False)

    def __init__(self, *args, criteria=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"score_{c.code}"] = forms.DecimalField(
                label=f"{_(c.name)} ({c.weight}%, /{c.max_score})",
                min_value=0,
                max_value=c.max_score,
                decimal_places=1,
            )


class EvidenceForm(forms.Form):
    photo = forms.FileField(label=_("Evidence photo"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class FundingForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12)
    year = forms.IntegerField(label=_("Funded year"), min_value=2001, max_value=2100)


class FundingStandardForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12)
    valid_from = date_field(_("From"))
    stars = forms.IntegerField(label=_("Stars"), min_value=1, max_value=5)
    amount = forms.DecimalField(label=_("Yearly funding"), min_value=0, decimal_places=2)


class ResidentForm(PersonByIdForm):
    institution = forms.ChoiceField(label=_("Institution"), choices=())
    mode = forms.ChoiceField(label=_("Mode"), choices=CareMode.choices)
    admitted_on = date_field(_("Admitted on"))
    monthly_fee = forms.DecimalField(
        label=_("Institution's monthly fee"), min_value=0, decimal_places=2, initial=0
    )
    review_on = date_field(_("Next review on"), required=False)

    def __init__(self, *args, institutions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class AllowanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Allowance"), choices=AllowanceKind.choices)
    monthly_amount = forms.DecimalField(label=_("Monthly amount"), min_value=0, decimal_places=2)
    valid_from = date_field(_("From"))
    valid_to = date_field(_("Until"), required=False)


class DischargeForm(forms.Form):
    discharged_on = date_field(_("Discharged on"))
    reason = forms.ChoiceField(label=_("Reason"), choices=EndReason.choices)


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), widget=MonthInput())


class InstitutionYearForm(forms.Form):
    institution = forms.ChoiceField(label=_("Institution"), choices=())
    year = forms.IntegerField(label=_("Year"), min_value=2001, max_value=2100)

    def __init__(self, *args, institutions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class InstitutionMonthForm(MonthForm):
    institution = forms.ChoiceField(label=_("Institution"), choices=())

    def __init__(self, *args, institutions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class ProjectForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12)
    code = forms.CharField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=100)
    product = forms.CharField(label=_("Product"), max_length=100)
    partner_name = forms.CharField(label=_("Partner company"), max_length=100, required=False)
    partner_uscc = forms.CharField(
        label=_("Partner's unified social credit code"), max_length=20, required=False
    )
    difficulty = forms.ChoiceField(label=_("Difficulty"), choices=Level.choices)
    safety = forms.ChoiceField(label=_("Safety"), choices=Level.choices, initial=Level.HIGH)
    added_value = forms.ChoiceField(label=_("Added value"), choices=Level.choices, initial=Level.MEDIUM)
    market = forms.ChoiceField(label=_("Market prospect"), choices=Level.choices, initial=Level.MEDIUM)
    unit = forms.CharField(label=_("Unit of output"), max_length=20, initial="件")
    piece_rate = forms.DecimalField(label=_("Piece rate"), min_value=0, decimal_places=3)


class WorkerForm(PersonByIdForm):
    institution = forms.ChoiceField(label=_("Institution"), choices=())
    agreement_number = forms.CharField(label=_("Agreement number"), max_length=40)
    agreement_from = date_field(_("Agreement from"))
    agreement_to = date_field(_("Agreement until"), required=False)
    weekly_hours = forms.DecimalField(label=_("Hours a week"), min_value=0, decimal_places=1, initial=20)
    wage_basis = forms.ChoiceField(label=_("Wage basis"), choices=WageBasis.choices)
    hourly_rate = forms.DecimalField(label=_("Hourly rate"), min_value=0, decimal_places=2, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40)
    account_holder = forms.CharField(label=_("Account holder"), max_length=50)

    def __init__(self, *args, institutions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class OutputForm(MonthForm):
    project = forms.ChoiceField(label=_("Project"), choices=(), required=False)
    pieces = forms.DecimalField(label=_("Pieces"), min_value=0, decimal_places=1, required=False)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, decimal_places=1, required=False)

    def __init__(self, *args, projects=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "—"), *[(p.pk, p.name) for p in projects]]


class MinimumWageForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12)
    valid_from = date_field(_("From"))
    monthly_amount = forms.DecimalField(label=_("Minimum monthly wage"), min_value=0, decimal_places=2)


class RulesForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=())
    region_code = forms.CharField(label=_("Region code"), max_length=12, required=False)
    valid_from = date_field(_("From"))
    rules = forms.CharField(
        label=_("Rules (JSON, the engine's rule vocabulary)"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from canlian.domains.community.choices import Purpose

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = Purpose.choices


class FeeRuleForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12, required=False)
    valid_from = date_field(_("From"))
    hardship_kinds = forms.MultipleChoiceField(
        label=_("Households that bring their allowances"),
        choices=(),
        initial=["dibao", "tekun"],
        widget=forms.CheckboxSelectMultiple,
    )
    allowance_kinds = forms.MultipleChoiceField(
        label=_("Allowances counted"),
        choices=(),
        initial=["dibao", "wubao"],
        widget=forms.CheckboxSelectMultiple,
    )
    subsidy_programs = forms.MultipleChoiceField(
        label=_("Subsidy programs counted"),
        choices=(),
        initial=["living-subsidy", "nursing-subsidy"],
        widget=forms.CheckboxSelectMultiple,
    )
    cap_basis = forms.ChoiceField(label=_("Cap of the others' fee"), choices=())
    cap_amount = forms.DecimalField(label=_("Fixed cap"), min_value=0, decimal_places=2, required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from canlian.core.registry.choices import HardshipKind
        from canlian.domains.community.choices import AllowanceKind, CapBasis
        from canlian.programs.models import Program

        super().__init__(*args, **kwargs)
        self.fields["cap_basis"].choices = CapBasis.choices
        self.fields["hardship_kinds"].choices = HardshipKind.choices
        self.fields["allowance_kinds"].choices = AllowanceKind.choices
        self.fields["subsidy_programs"].choices = [
            (p.code, p.label) for p in Program.objects.order_by("code")
        ]


class CareStandardForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=CareMode.choices)
    valid_from = date_field(_("From"))
    yearly_amount = forms.DecimalField(label=_("Yearly amount"), min_value=0, decimal_places=2)
    min_days = forms.IntegerField(
        label=_("Days that make a month count"), min_value=1, max_value=31, initial=15
    )


class SubsidyBatchForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12)
    year = forms.IntegerField(label=_("Year"), min_value=2001, max_value=2100)


class SubsidyStandardForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12, required=False)
    kind = forms.ChoiceField(label=_("Subsidy"), choices=SubsidyKind.choices)
    valid_from = date_field(_("From"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, decimal_places=2)


class SubsidyApplicationForm(forms.Form):
    institution = forms.ChoiceField(label=_("Institution"), choices=())
    year = forms.IntegerField(label=_("Year"), min_value=2001, max_value=2100)
    kind = forms.ChoiceField(
        label=_("Subsidy"), choices=[c for c in SubsidyKind.choices if c[0] != SubsidyKind.CONSTRUCTION]
    )
    quantity = forms.IntegerField(
        label=_("Months rented or people insured"), min_value=1, initial=1, required=False
    )
    cost = forms.DecimalField(label=_("Equipment cost"), min_value=0, decimal_places=2, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, institutions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class RegionYearForm(forms.Form):
    region_code = forms.CharField(label=_("Region code"), max_length=12, required=False)
    year = forms.IntegerField(label=_("From the year"), min_value=2001, max_value=2100)


class StarCriteriaForm(RegionYearForm):
    """The criteria of a region from a year: one row of fields per criterion (code, name, weight, full
    score, retire), plus empty rows to add new ones."""

    def __init__(self, *args, rows: int = 8, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.rows = rows
        for i in range(rows):
            self.fields[f"code_{i}"] = forms.CharField(label=_("Code"), max_length=30, required=False)
            self.fields[f"name_{i}"] = forms.CharField(label=_("Criterion"), max_length=100, required=False)
            self.fields[f"weight_{i}"] = forms.CharField(label=_("Weight"), max_length=10, required=False)
            self.fields[f"max_score_{i}"] = forms.CharField(
                label=_("Full score"), max_length=10, required=False
            )
            self.fields[f"retire_{i}"] = forms.BooleanField(label=_("Retire"), required=False)

    def criteria(self) -> list[dict[str, object]]:
        d = self.cleaned_data
        keys = ("code", "name", "weight", "max_score", "retire")
        return [{k: d.get(f"{k}_{i}") for k in keys} for i in range(self.rows)]


class StarBandsForm(RegionYearForm):
    """The score bands of a region from a year: one row per number of stars (from score, to score;
    leave a row blank for no band)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for stars in range(5, 0, -1):
            self.fields[f"min_score_{stars}"] = forms.CharField(
                label=_("%(stars)s from score") % {"stars": "★" * stars}, max_length=6, required=False
            )
            self.fields[f"max_score_{stars}"] = forms.CharField(
                label=_("%(stars)s to score") % {"stars": "★" * stars}, max_length=6, required=False
            )

    def bands(self) -> list[dict[str, object]]:
        d = self.cleaned_data
        return [
            {"stars": s, "min_score": d.get(f"min_score_{s}"), "max_score": d.get(f"max_score_{s}")}
            for s in range(5, 0, -1)
        ]
