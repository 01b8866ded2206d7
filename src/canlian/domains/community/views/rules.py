"""The rules and standards page: the eligibility rule lists, fee rules, care subsidy standards, star
criteria and bands that apply in the user's region (their own and those above), and the forms that
save a region's own rows."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.choices import HardshipKind
from canlian.domains.community import actions
from canlian.domains.community.choices import AllowanceKind
from canlian.domains.community.forms import CareStandardForm, FeeRuleForm, RulesForm
from canlian.domains.community.models import (
    CareSubsidyStandard,
    EligibilityRuleSet,
    FeeRule,
    StarBand,
    StarCriterion,
)
from canlian.domains.community.views.page import FormBlock, Table, page
from canlian.platform.views import ActionFormView, CanlianView
from canlian.programs.models import Program
from canlian.programs.rules.engine import build_rules

VIEW, MANAGE = Perm.COMMUNITY_VIEW, Perm.COMMUNITY_MANAGE


def _rules_text(specs: list[dict[str, Any]]) -> str:
    """A rule list as the engine words it (每条规则的说明), not as stored JSON."""
    try:
        return "；".join(str(rule.label()) for rule in build_rules(specs))
    except (KeyError, TypeError, ValueError):  # a list saved before a rule was renamed
        return json.dumps(specs, ensure_ascii=False)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class RulesView(CanlianView):
    required_permission = VIEW

    def get(
        self, request: HttpRequest, forms: dict[str, Any] | None = None, status: int = 200
    ) -> HttpResponse:
        forms = forms or {}
        user = request.user
        rules = Table(
            _("Eligibility rule lists"), [_("Purpose"), _("Region"), _("From"), _("Until"), _("Rules")]
        )
        for r in EligibilityRuleSet.objects.for_user(user, VIEW).order_by(
            "purpose", "region_code", "-valid_from"
        ):
            rules.add(
                r.get_purpose_display(),
                r.region_code or "*",
                r.valid_from,
                r.valid_to or "",
                _rules_text(r.rules),
            )
        fee = Table(
            _("Fee rules"),
            [
                _("Region"),
                _("From"),
                _("Until"),
                _("Households that bring their allowances"),
                _("Allowances"),
                _("Subsidy programs counted"),
                _("Cap of the others' fee"),
                _("Fixed cap"),
            ],
        )
        programs = {p.code: p.label for p in Program.objects.all()}
        for f in FeeRule.objects.for_user(user, VIEW).order_by("region_code", "-valid_from"):
            fee.add(
                f.region_code or "*",
                f.valid_from,
                f.valid_to or "",
                "、".join(_label(HardshipKind, k) for k in f.hardship_kinds),
                "、".join(_label(AllowanceKind, k) for k in f.allowance_kinds),
                "、".join(programs.get(code, code) for code in f.subsidy_programs),
                f.get_cap_basis_display(),
                f.cap_amount or "",
            )
        care = Table(
            _("Care subsidy standards"),
            [
                _("Region"),
                _("Mode"),
                _("From"),
                _("Until"),
                _("Yearly amount"),
                _("Days that make a month count"),
            ],
        )
        for s in CareSubsidyStandard.objects.for_user(user, VIEW).order_by(
            "region_code", "mode", "-valid_from"
        ):
            care.add(
                s.region_code or "*",
                s.get_mode_display(),
                s.valid_from,
                s.valid_to or "",
                s.yearly_amount,
                s.min_days,
            )
        criteria = Table(
            _("Star criteria"), [_("Region"), _("Criterion"), _("Weight"), _("Full score"), _("From")]
        )
        for c in StarCriterion.objects.for_user(user, VIEW).order_by("region_code", "order"):
            criteria.add(c.region_code or "*", _(c.name), c.weight, c.max_score, c.valid_from)
        bands = Table(_("Star bands"), [_("Region"), _("Stars"), _("From score"), _("From")])
        for b in StarBand.objects.for_user(user, VIEW).order_by("region_code", "-min_score"):
            bands.add(b.region_code or "*", "★" * b.stars, b.min_score, b.valid_from)
        blocks = []
        if user.has_canlian_perm(MANAGE):
            blocks = [
                FormBlock(
                    _("Save an eligibility rule list"),
                    forms.get("rules") or RulesForm(),
                    reverse("community:rules-save"),
                    _("Save"),
                ),
                FormBlock(
                    _("Save a fee rule"),
                    forms.get("fee") or FeeRuleForm(),
                    reverse("community:fee-rule-save"),
                    _("Save"),
                ),
                FormBlock(
                    _("Save a care subsidy standard"),
                    forms.get("care") or CareStandardForm(),
                    reverse("community:care-standard-save"),
                    _("Save"),
                ),
            ]
        links = []
        if user.has_canlian_perm(MANAGE):
            links.append((_("Edit the star criteria and bands"), reverse("community:star-rules")))
        return page(
            request,
            _("Rules and standards"),
            links=links,
            tables=[rules, fee, care, criteria, bands],
            forms=blocks,
            status=status,
            intro=_("Effective-dated, per region: the row of the longest region prefix in force applies."),
        )


class _Save(ActionFormView):
    required_permission = MANAGE
    http_method_names = ["post"]
    success_url = "community:rules"
    key = ""

    def render_form(self, form: Any, status: int) -> HttpResponse:
        return RulesView().get(self.request, forms={self.key: form}, status=status)


class RulesSaveView(_Save):
    form_class, key = RulesForm, "rules"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.rules_save(actor=self.request.user, **data)


class FeeRuleSaveView(_Save):
    form_class, key = FeeRuleForm, "fee"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.fee_rule_save(actor=self.request.user, **data)


class CareStandardSaveView(_Save):
    form_class, key = CareStandardForm, "care"

    def act(self, data: dict[str, Any]) -> Any:
        return actions.care_standard_save(actor=self.request.user, **data)
