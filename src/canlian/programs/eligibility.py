"""Which rules and which amount apply, and one person's explained verdict.

Effective-dated lookups, shared by the explanation (Python, one person) and mirrored by the cycle
generator's SQL (``canlian.programs.cycles.actions``): for a region and date, the row of the *longest
matching region prefix* wins, then (standards only) the one with *most keys*, then the *latest start*.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.registry.models import Person
from canlian.platform.dates import month_end
from canlian.platform.errors import NotFound
from canlian.programs.models import Program, RuleSetting, Standard
from canlian.programs.rules.engine import Facts, RuleResult, Verdict, build_rules, evaluate


def _prefixes(region_code: str) -> list[str]:
    """ "" and every prefix of the code at a region level (2, 4, 6, 9, 12 characters)."""
    return [""] + [region_code[:n] for n in (2, 4, 6, 9, 12) if len(region_code) >= n]


def _in_force(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def rule_setting_for(program: Program, region_code: str, on: dt.date) -> RuleSetting | None:
    settings = RuleSetting.objects.filter(
        _in_force(on), program=program, region_code__in=_prefixes(region_code)
    )
    return max(settings, key=lambda s: (len(s.region_code), s.valid_from), default=None)


def standard_for(
    program: Program,
    *,
    region_code: str,
    month: dt.date,
    grade: int | None,
    category: int | None,
    age: int | None,
    hardship: str = "",
    care_tier: str = "",
) -> Standard | None:
    """The standard in force in ``month`` (its first day) for these keys, or None."""
    candidates = Standard.objects.filter(
        _in_force(month), program=program, region_code__in=_prefixes(region_code)
    )

    def matches(s: Standard) -> bool:
        return (
            (not s.grades or (grade is not None and str(grade) in s.grades))
            and (not s.categories or (category is not None and str(category) in s.categories))
            and (s.age_min is None or (age is not None and age >= s.age_min))
            and (s.age_max is None or (age is not None and age <= s.age_max))
            and (not s.hardship or s.hardship == hardship)
            and (not s.care_tier or s.care_tier == care_tier)
        )

    matching = [s for s in candidates if matches(s)]
    return max(matching, key=lambda s: (len(s.region_code), s.specificity, s.valid_from), default=None)


def age_at(birth_date: dt.date, on: dt.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def hardship_basis(rules_hardship: set[str], held: set[str]) -> str:
    """The hardship kind an amount is looked up by: the first held kind a rule asks for, in the
    order of the national list (低保 before 低收入)."""
    from canlian.core.registry.choices import HardshipKind

    for kind in HardshipKind.values:
        if kind in rules_hardship and kind in held:
            return kind
    return ""


def explain(
    program: Program, person: Person, on: dt.date | None = None, *, enrollment: Any = None
) -> Verdict:
    """Eligible or not, rule by rule, with the setting and (when eligible) the standard used."""
    on = on or timezone.localdate()
    setting = rule_setting_for(program, person.region_code, on)
    if setting is None:
        result = RuleResult(
            "setting",
            _("Rules in force"),
            False,
            _("No rules of this program are in force here on this date."),
        )
        return Verdict(eligible=False, results=[result], on=on)
    rules = build_rules(setting.rules)
    facts = Facts.load(person, on, enrollment=enrollment)
    eligible, results = evaluate(rules, facts)
    verdict = Verdict(
        eligible=eligible,
        results=results,
        on=on,
        setting_id=setting.pk,
        setting_label=_("%(region)s from %(date)s")
        % {"region": setting.region_code or _("national"), "date": setting.valid_from},
    )
    if eligible:
        kinds: set[str] = set()
        for rule in rules:
            kinds |= rule.hardship_kinds()
        cert = facts.certificate
        verdict.standard = standard_for(
            program,
            region_code=person.region_code,
            month=on.replace(day=1),
            grade=cert.grade if cert else None,
            category=cert.category if cert else None,
            age=age_at(person.birth_date, on.replace(day=1)),
            # The kind held on the date (the first of the rules' kinds, 低保 before 低收入), so a move
            # from 低保 to 低收入 is priced as 低收入 from then on; the enrollment's own basis only
            # when the rules name no kind.
            hardship=hardship_basis(kinds, facts.hardship)
            if kinds
            else (enrollment.hardship_basis if enrollment else ""),
            care_tier=enrollment.care_tier if enrollment else "",
        )
        verdict.amount = verdict.standard.amount if verdict.standard else None
        if verdict.standard is None:
            verdict.results.append(
                RuleResult(
                    "standard", _("Standard"), None, _("No standard amount is in force for this person.")
                )
            )
        else:
            verdict.results.append(
                RuleResult(
                    "standard",
                    _("Standard"),
                    None,
                    _("%(amount)s yuan a month (standard of %(region)s from %(date)s).")
                    % {
                        "amount": verdict.standard.amount,
                        "region": verdict.standard.region_code or _("national"),
                        "date": verdict.standard.valid_from,
                    },
                    {"standard_id": verdict.standard.pk, "amount": str(verdict.standard.amount)},
                )
            )
    return verdict


def month_days(program: Program, person: Person, month: dt.date) -> list[dt.date]:
    """The days of ``month`` on which the rules are checked: its first day and each day inside it where
    a fact they read changes (a certificate issued, a hardship status starting or ending, a birthday,
    a rule setting starting or ending). The cycle's SQL checks the same days (``month_sql``)."""
    first, last = month, month_end(month)
    days = {first}

    def inside(day: dt.date | None) -> None:
        if day is not None and first < day <= last:
            days.add(day)

    for issued in person.certificates.values_list("issue_date", flat=True):
        inside(issued)
    for valid_from, valid_to in person.hardships.values_list("valid_from", "valid_to"):
        inside(valid_from)
        if valid_to is not None:
            inside(valid_to + dt.timedelta(days=1))
    birth = person.birth_date
    if birth.month == first.month and birth.day > 1:
        try:
            inside(first.replace(day=birth.day))
        except ValueError:  # 29–31 in a shorter month: the age grows on the 1st of the next
            pass
    for valid_from, valid_to in RuleSetting.objects.filter(program=program).values_list(
        "valid_from", "valid_to"
    ):
        inside(valid_from)
        if valid_to is not None:
            inside(valid_to + dt.timedelta(days=1))
    return sorted(days)


def explain_month(program: Program, person: Person, month: dt.date, *, enrollment: Any = None) -> Verdict:
    """The verdict of a month as the cycle gives it: eligible when the person qualified on at least one
    of its days (the first such day's verdict, with its standard); otherwise the verdict of the month's
    first day (the rule that failed)."""
    month = month.replace(day=1)
    refused: Verdict | None = None
    for day in month_days(program, person, month):
        verdict = explain(program, person, day, enrollment=enrollment)
        if verdict.eligible:
            return verdict
        refused = refused or verdict
    assert refused is not None
    return refused


def refusal_text(verdict: Verdict) -> str:
    """The failed rules of a verdict in the words ``canlian eligibility`` prints: "label: reason"."""
    return "；".join(f"{r.label}：{r.reason}" for r in verdict.results if r.passed is False)


def verdict_as_data(verdict: Any) -> dict[str, Any]:
    """A verdict as JSON-able data (pages, API and the command share it)."""
    standard = verdict.standard
    return {
        "eligible": verdict.eligible,
        "on": verdict.on.isoformat(),
        "setting": {"id": verdict.setting_id, "label": verdict.setting_label} if verdict.setting_id else None,
        "standard": (
            {
                "id": standard.pk,
                "region_code": standard.region_code,
                "valid_from": standard.valid_from.isoformat(),
                "valid_to": standard.valid_to.isoformat() if standard.valid_to else None,
                "amount": str(standard.amount),
            }
            if standard is not None
            else None
        ),
        "amount": str(verdict.amount) if verdict.amount is not None else None,
        "rules": [
            {
                "code": r.code,
                "label": str(r.label),
                "passed": r.passed,
                "reason": str(r.reason),
                "data": r.data,
            }
            for r in verdict.results
        ],
    }


def program_by_code(code: str) -> Program:
    try:
        return Program.objects.get(code=code)
    except Program.DoesNotExist as exc:
        raise NotFound(_("No program has the code %(code)s.") % {"code": code}) from exc
