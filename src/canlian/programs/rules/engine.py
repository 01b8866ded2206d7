"""Eligibility rules as data.

A rule setting's ``rules`` is a list of JSON objects, each naming a rule primitive and its
parameters, e.g.::

    [{"rule": "alive"},
     {"rule": "certificate_valid"},
     {"rule": "any_of", "rules": [{"rule": "certificate", "grades": [1, 2]},
                                   {"rule": "certificate", "grades": [3, 4], "categories": [5, 6]}]},
     {"rule": "hardship_none", "kinds": ["tekun"]},
     {"rule": "declared", "field": "needs_long_term_care", "value": true}]

Every primitive can do two things that must agree: ``explain`` one person's facts in Python (the
verdict and a sentence saying why, with the data it read), and ``q`` a Django ``Q`` over people
annotated by ``annotate_facts`` so that a preview over a region counts eligible people and each
rule's failures in one SQL statement. A new *kind* of rule is code here; a new combination or
threshold is data. Domain apps compile their option forms into these lists.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from canlian.core.registry.choices import Category, HardshipKind, LifeStatus
from canlian.core.registry.identity import mask_certificate
from canlian.core.registry.models import Certificate, HardshipStatus, Person, certificate_in_force_q
from canlian.platform.bulk import is_postgres
from canlian.platform.dates import add_years
from canlian.platform.errors import ValidationFailed

#: The hardship kinds a rule may name (each becomes one EXISTS annotation in a preview).
HARDSHIP_KINDS = tuple(HardshipKind.values)


@dataclass
class Facts:
    """What the rules read about one person on one date."""

    person: Person
    on: dt.date
    certificate: Certificate | None
    hardship: set[str]
    declared: dict[str, Any] | None = None  # from an application, when there is one

    @classmethod
    def load(cls, person: Person, on: dt.date, *, enrollment: Any = None) -> Facts:
        # The certificate in force on the date (a replaced one until its successor's issue date, a
        # cancelled one up to its cancellation day): the history decides past months, not today's card.
        certificate = (
            Certificate.objects.filter(certificate_in_force_q(on), person=person)
            .order_by("-issue_date", "-id")
            .first()
        )
        hardship = set(
            HardshipStatus.objects.filter(person=person, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .values_list("kind", flat=True)
        )
        declared = None
        if enrollment is not None:
            declared = {name: getattr(enrollment, name) for name in DECLARED_FIELDS}
        return cls(person=person, on=on, certificate=certificate, hardship=hardship, declared=declared)


@dataclass
class RuleResult:
    code: str
    label: str
    passed: bool | None  # None: not checked (e.g. a declaration without an application)
    reason: str
    data: dict[str, Any] = field(default_factory=dict)


def _category_names(values: Iterable[int]) -> str:
    return "、".join(str(Category(v).label) for v in values)


def _kind_names(values: Iterable[str]) -> str:
    return "、".join(str(HardshipKind(v).label) for v in values)


@dataclass(frozen=True)
class SqlContext:
    """The aliases a rule's SQL predicate reads in the monthly cycle (``canlian.programs.cycles.month_sql``):
    ``day`` (an SQL date expression), the person row ``person``, the certificate in force on the day
    ``cert`` (LEFT JOINed: its columns are NULL when none is), the enrollment row ``enrollment``."""

    day: str = "d.day"
    person: str = "p"
    cert: str = "c"
    enrollment: str = "e"

    def holds(self, kinds: Iterable[str]) -> tuple[str, list[Any]]:
        """EXISTS a hardship status of one of ``kinds`` in force on the day."""
        kinds = list(kinds)
        marks = ", ".join(["%s"] * len(kinds))
        table = HardshipStatus._meta.db_table
        return (
            f"EXISTS (SELECT 1 FROM {table} hs WHERE hs.person_id = {self.person}.id AND hs.kind IN ({marks})"
            f" AND hs.valid_from <= {self.day} AND (hs.valid_to IS NULL OR hs.valid_to >= {self.day}))",
            kinds,
        )


def age_sql(day: str, birth: str) -> str:
    """Age in whole years on ``day`` of someone born on ``birth`` (SQL; the birthday is the day the
    age grows, 29 February in a common year on 1 March — as ``identity.age_on``)."""
    if is_postgres():
        return (
            f"(CAST(EXTRACT(YEAR FROM {day}) AS integer) - CAST(EXTRACT(YEAR FROM {birth}) AS integer)"
            f" - CASE WHEN EXTRACT(MONTH FROM {birth}) * 100 + EXTRACT(DAY FROM {birth})"
            f" > EXTRACT(MONTH FROM {day}) * 100 + EXTRACT(DAY FROM {day}) THEN 1 ELSE 0 END)"
        )
    return (
        f"(CAST(strftime('%%Y', {day}) AS integer) - CAST(strftime('%%Y', {birth}) AS integer)"
        f" - CASE WHEN strftime('%%m%%d', {birth}) > strftime('%%m%%d', {day}) THEN 1 ELSE 0 END)"
    )


class Rule(ABC):
    """A rule primitive: a label, a Python explanation of one person, the same test as a Q over
    people (previews, gaps) and as an SQL predicate for one day of a month (the monthly cycle)."""

    code = ""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec

    @abstractmethod
    def label(self) -> str: ...

    @abstractmethod
    def explain(self, facts: Facts) -> RuleResult: ...

    @abstractmethod
    def q(self, on: dt.date) -> Q: ...

    @abstractmethod
    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]: ...

    def needs_age(self) -> bool:
        return False

    def hardship_kinds(self) -> set[str]:
        return set()

    def result(self, passed: bool | None, reason: str, **data: Any) -> RuleResult:
        return RuleResult(self.code, self.label(), passed, reason, data)


class Alive(Rule):
    """The person is living and has not moved out."""

    code = "alive"

    def label(self) -> str:
        return _("Living and resident")

    def explain(self, facts: Facts) -> RuleResult:
        person = facts.person
        if person.life_status == LifeStatus.LIVING:
            return self.result(True, _("Recorded as living."), life_status=person.life_status)
        if person.life_status_date is not None and person.life_status_date >= facts.on:
            # Died or moved on or after the date: still living here on it (paid for that month).
            return self.result(
                True,
                _("Recorded as %(status)s on %(date)s, after this date.")
                % {"status": person.get_life_status_display(), "date": person.life_status_date},
                life_status=person.life_status,
                date=str(person.life_status_date),
            )
        return self.result(
            False,
            _("Recorded as %(status)s on %(date)s.")
            % {"status": person.get_life_status_display(), "date": person.life_status_date or "?"},
            life_status=person.life_status,
            date=str(person.life_status_date or ""),
        )

    def q(self, on: dt.date) -> Q:
        return Q(life_status=LifeStatus.LIVING) | Q(life_status_date__gte=on)

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        p = ctx.person
        return f"({p}.life_status = %s OR {p}.life_status_date >= {ctx.day})", [LifeStatus.LIVING]


class CertificateValid(Rule):
    """A certificate in force on the date (not expired, not cancelled). Its number is shown masked
    (it holds the ID number)."""

    code = "certificate_valid"

    def label(self) -> str:
        return _("Valid disability certificate")

    def explain(self, facts: Facts) -> RuleResult:
        cert = facts.certificate
        if cert is None:
            return self.result(False, _("No disability certificate in force."))
        if cert.valid_until < facts.on:
            return self.result(
                False,
                _("Certificate %(number)s expired on %(date)s.")
                % {"number": mask_certificate(cert.number), "date": cert.valid_until},
                number=mask_certificate(cert.number),
                valid_until=str(cert.valid_until),
            )
        return self.result(
            True,
            _("Certificate %(number)s valid until %(date)s.")
            % {"number": mask_certificate(cert.number), "date": cert.valid_until},
            number=mask_certificate(cert.number),
            valid_until=str(cert.valid_until),
        )

    def q(self, on: dt.date) -> Q:
        return Q(_cert_id__isnull=False, _cert_valid_until__gte=on)

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        return f"({ctx.cert}.id IS NOT NULL AND {ctx.cert}.valid_until >= {ctx.day})", []


class CertificateMatches(Rule):
    """The certificate's grade (and category) is one of the listed; optional excluded categories."""

    code = "certificate"

    @property
    def grades(self) -> list[int]:
        return [int(g) for g in self.spec.get("grades") or []]

    @property
    def categories(self) -> list[int]:
        return [int(c) for c in self.spec.get("categories") or []]

    @property
    def exclude_categories(self) -> list[int]:
        return [int(c) for c in self.spec.get("exclude_categories") or []]

    def label(self) -> str:
        parts = []
        if self.grades:
            parts.append(_("grade %(grades)s") % {"grades": "、".join(str(g) for g in self.grades)})
        if self.categories:
            parts.append(_category_names(self.categories))
        text = _("Certificate of %(what)s") % {"what": "，".join(parts) or _("any grade")}
        if self.exclude_categories:
            text += _(" (not %(categories)s)") % {"categories": _category_names(self.exclude_categories)}
        return text

    def explain(self, facts: Facts) -> RuleResult:
        cert = facts.certificate
        if cert is None:
            return self.result(False, _("No disability certificate in force."))
        data = {"category": cert.category, "grade": cert.grade}
        what = _("%(category)s, grade %(grade)s") % {
            "category": cert.get_category_display(),
            "grade": cert.grade,
        }
        if self.grades and cert.grade not in self.grades:
            return self.result(
                False, _("The certificate says %(what)s: grade not covered.") % {"what": what}, **data
            )
        if self.categories and cert.category not in self.categories:
            return self.result(
                False, _("The certificate says %(what)s: category not covered.") % {"what": what}, **data
            )
        if cert.category in self.exclude_categories:
            return self.result(
                False, _("The certificate says %(what)s: category excluded.") % {"what": what}, **data
            )
        return self.result(True, _("The certificate says %(what)s.") % {"what": what}, **data)

    def q(self, on: dt.date) -> Q:
        # The annotated columns of the one certificate join (filtering on ``_cert__…`` would add a
        # second join, and a negated lookup on it a correlated subquery).
        q = Q(_cert_id__isnull=False)
        if self.grades:
            q &= Q(_cert_grade__in=self.grades)
        if self.categories:
            q &= Q(_cert_category__in=self.categories)
        if self.exclude_categories:
            q &= ~Q(_cert_category__in=self.exclude_categories)
        return q

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        c = ctx.cert
        parts, params = [f"{c}.id IS NOT NULL"], []
        for column, values, negate in (
            ("grade", self.grades, False),
            ("category", self.categories, False),
            ("category", self.exclude_categories, True),
        ):
            if values:
                marks = ", ".join(["%s"] * len(values))
                parts.append(f"{c}.{column} {'NOT IN' if negate else 'IN'} ({marks})")
                params += values
        return "(" + " AND ".join(parts) + ")", params


class HardshipAny(Rule):
    """The person holds one of the listed hardship statuses on the date."""

    code = "hardship_any"

    @property
    def kinds(self) -> list[str]:
        return list(self.spec.get("kinds") or [])

    def label(self) -> str:
        return _("Holds %(kinds)s") % {
            "kinds": _(" or ").join(str(HardshipKind(k).label) for k in self.kinds)
        }

    def explain(self, facts: Facts) -> RuleResult:
        held = [k for k in self.kinds if k in facts.hardship]
        if held:
            return self.result(True, _("Holds %(kinds)s.") % {"kinds": _kind_names(held)}, held=held)
        return self.result(
            False,
            _("Holds none of %(kinds)s on %(date)s.") % {"kinds": _kind_names(self.kinds), "date": facts.on},
        )

    def q(self, on: dt.date) -> Q:
        q = Q(pk__in=[])
        for kind in self.kinds:
            q |= Q(**{f"_hs_{kind}": True})
        return q

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        return ctx.holds(self.kinds)

    def hardship_kinds(self) -> set[str]:
        return set(self.kinds)


class HardshipNone(Rule):
    """The person holds none of the listed statuses (e.g. no 特困 support)."""

    code = "hardship_none"

    @property
    def kinds(self) -> list[str]:
        return list(self.spec.get("kinds") or [])

    def label(self) -> str:
        return _("Does not hold %(kinds)s") % {"kinds": _kind_names(self.kinds)}

    def explain(self, facts: Facts) -> RuleResult:
        held = [k for k in self.kinds if k in facts.hardship]
        if held:
            return self.result(
                False, _("Holds %(kinds)s, which excludes.") % {"kinds": _kind_names(held)}, held=held
            )
        return self.result(True, _("Holds none of %(kinds)s.") % {"kinds": _kind_names(self.kinds)})

    def q(self, on: dt.date) -> Q:
        q = Q()
        for kind in self.kinds:
            q &= Q(**{f"_hs_{kind}": False})
        return q

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        sql, params = ctx.holds(self.kinds)
        return f"NOT {sql}", params

    def hardship_kinds(self) -> set[str]:
        return set(self.kinds)


class Age(Rule):
    """Age on the date between ``min`` and ``max`` (inclusive; either may be missing)."""

    code = "age"

    def label(self) -> str:
        low, high = self.spec.get("min"), self.spec.get("max")
        if low is not None and high is not None:
            return _("Aged %(low)s to %(high)s") % {"low": low, "high": high}
        if low is not None:
            return _("Aged %(low)s or over") % {"low": low}
        return _("Aged %(high)s or under") % {"high": high}

    def explain(self, facts: Facts) -> RuleResult:
        age = facts.person.age_on(facts.on)
        low, high = self.spec.get("min"), self.spec.get("max")
        ok = (low is None or age >= low) and (high is None or age <= high)
        return self.result(ok, _("Aged %(age)s on %(date)s.") % {"age": age, "date": facts.on}, age=age)

    def q(self, on: dt.date) -> Q:
        q = Q()
        low, high = self.spec.get("min"), self.spec.get("max")
        if low is not None:
            q &= Q(birth_date__lte=_years_before(on, int(low)))
        if high is not None:
            q &= Q(birth_date__gt=_years_before(on, int(high) + 1))
        return q

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        age = age_sql(ctx.day, f"{ctx.person}.birth_date")
        parts, params = [], []
        low, high = self.spec.get("min"), self.spec.get("max")
        if low is not None:
            parts.append(f"{age} >= %s")
            params.append(int(low))
        if high is not None:
            parts.append(f"{age} <= %s")
            params.append(int(high))
        return "(" + " AND ".join(parts or ["1 = 1"]) + ")", params

    def needs_age(self) -> bool:
        return True


def _years_before(day: dt.date, years: int) -> dt.date:
    return add_years(day, -years)


class Declared(Rule):
    """A fact the application declares (long-term care need, work-injury nursing pay). Without an
    application it is not checked: previews count people for whom only the declaration is missing."""

    code = "declared"

    @property
    def field_name(self) -> str:
        return str(self.spec.get("field"))

    @property
    def value(self) -> bool:
        return bool(self.spec.get("value", True))

    def label(self) -> str:
        if self.field_name == "needs_long_term_care":
            return _("Needs long-term care (over 6 months)")
        if self.field_name == "diagnosis_confirmed":
            return _("Diagnosed by a designated hospital")
        if self.field_name == "work_injury_nursing":
            return (
                _("Receives no work-injury nursing pay")
                if not self.value
                else _("Receives work-injury nursing pay")
            )
        return self.field_name

    def explain(self, facts: Facts) -> RuleResult:
        if facts.declared is None:
            return self.result(None, _("Declared in the application; not checked without one."))
        seen = bool(facts.declared.get(self.field_name))
        if seen == self.value:
            return self.result(True, _("As declared in the application."), declared=seen)
        return self.result(False, _("The application declares otherwise."), declared=seen)

    def q(self, on: dt.date) -> Q:
        return Q()

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        # The monthly cycle always has the enrollment, which carries the declaration.
        return f"({ctx.enrollment}.{self.field_name} = %s)", [self.value]


class AnyOf(Rule):
    """At least one of the nested rules passes."""

    code = "any_of"

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__(spec)
        self.children = [build_rule(s) for s in spec.get("rules") or []]

    def label(self) -> str:
        return str(self.spec.get("label") or _(" or ").join(c.label() for c in self.children))

    def explain(self, facts: Facts) -> RuleResult:
        results = [c.explain(facts) for c in self.children]
        passed = next((r for r in results if r.passed), None)
        if passed:
            return self.result(True, passed.reason, matched=passed.label)
        reasons = "；".join(f"{r.label}：{r.reason}" for r in results)
        if any(r.passed is None for r in results):
            # A declaration not checked without an application: like the preview, do not fail on it.
            return self.result(None, reasons)
        return self.result(False, reasons)

    def q(self, on: dt.date) -> Q:
        q = Q(pk__in=[])
        for child in self.children:
            q |= child.q(on)
        return q

    def sql(self, ctx: SqlContext) -> tuple[str, list[Any]]:
        parts, params = [], []
        for child in self.children:
            sql, child_params = child.sql(ctx)
            parts.append(sql)
            params += child_params
        return "(" + (" OR ".join(parts) or "1 = 0") + ")", params

    def needs_age(self) -> bool:
        return any(c.needs_age() for c in self.children)

    def hardship_kinds(self) -> set[str]:
        return set().union(*(c.hardship_kinds() for c in self.children)) if self.children else set()


RULES: dict[str, type[Rule]] = {
    cls.code: cls
    for cls in (Alive, CertificateValid, CertificateMatches, HardshipAny, HardshipNone, Age, Declared, AnyOf)
}


def register_rule(rule: type[Rule]) -> None:
    """Make a domain's rule primitive known to the engine (from its app's ``ready()``; idempotent). A
    domain rule reads its own tables (e.g. education's placement of the school year) in ``evaluate``
    and in ``sql`` alike; a code already taken by another class is refused."""
    taken = RULES.get(rule.code)
    if taken is not None and taken is not rule and taken.__qualname__ != rule.__qualname__:
        raise ValueError(f"rule code {rule.code!r} is already registered by {taken.__qualname__}")
    RULES[rule.code] = rule


def build_rule(spec: dict[str, Any]) -> Rule:
    try:
        return RULES[spec["rule"]](spec)
    except (KeyError, TypeError) as exc:
        raise ValidationFailed(_("Unknown rule %(rule)s.") % {"rule": spec}) from exc


def build_rules(specs: list[dict[str, Any]]) -> list[Rule]:
    return [build_rule(s) for s in specs]


#: Facts an application declares (``Enrollment`` fields a ``declared`` rule may name).
DECLARED_FIELDS = ("needs_long_term_care", "work_injury_nursing", "diagnosis_confirmed")


def _int_list(rule: Rule, key: str, low: int, high: int) -> None:
    values = rule.spec.get(key) or []
    try:
        ok = isinstance(values, list) and all(low <= int(v) <= high for v in values)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValidationFailed(
            _("%(key)s of rule %(rule)s must be numbers from %(low)s to %(high)s.")
            % {"key": key, "rule": rule.code, "low": low, "high": high}
        )


def validate_rules(specs: Any) -> None:
    """Raise ValidationFailed unless ``specs`` is a list of known rules with sane parameters."""
    if not isinstance(specs, list):
        raise ValidationFailed(_("Rules must be a list."))
    for spec in specs:
        rule = build_rule(spec)
        if isinstance(rule, (HardshipAny, HardshipNone)):
            unknown = [k for k in rule.kinds if k not in HARDSHIP_KINDS]
            if unknown or not rule.kinds:
                raise ValidationFailed(_("Unknown hardship kinds %(kinds)s.") % {"kinds": unknown})
        if isinstance(rule, CertificateMatches):
            _int_list(rule, "grades", 1, 4)
            _int_list(rule, "categories", 1, 7)
            _int_list(rule, "exclude_categories", 1, 7)
        if isinstance(rule, Age):
            bounds = [rule.spec.get("min"), rule.spec.get("max")]
            if all(b is None for b in bounds) or not all(
                b is None or (isinstance(b, int) and 0 <= b <= 150) for b in bounds
            ):
                raise ValidationFailed(_("An age rule needs a minimum or a maximum age."))
        if isinstance(rule, Declared) and rule.field_name not in DECLARED_FIELDS:
            raise ValidationFailed(_("Unknown declared fact %(field)s.") % {"field": rule.field_name})
        if isinstance(rule, AnyOf):
            if not rule.children:
                raise ValidationFailed(_("An any-of rule needs at least one rule."))
            validate_rules(spec.get("rules") or [])


@dataclass
class Verdict:
    eligible: bool
    results: list[RuleResult]
    on: dt.date
    setting_id: int | None = None
    setting_label: str = ""
    standard: Any = None  # the Standard that would apply, when eligible
    amount: Any = None


def evaluate(rules: list[Rule], facts: Facts) -> tuple[bool, list[RuleResult]]:
    results = [rule.explain(facts) for rule in rules]
    return all(r.passed is not False for r in results), results


def _holds(kind: str, on: dt.date, prefix: str = "") -> Q:
    """A status of ``kind`` in force on ``on`` (fields under ``prefix``, e.g. "hardships__")."""
    return Q(**{f"{prefix}kind": kind, f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def annotate_facts(
    queryset: QuerySet, rules: list[Rule], on: dt.date, *, join_hardship: bool = False
) -> QuerySet:
    """People annotated with what ``Rule.q`` reads: the certificate in force (one LEFT JOIN as
    ``_cert``, its columns as ``_cert_id``, ``_cert_grade``, ``_cert_category``, ``_cert_valid_until``)
    and one boolean per hardship kind the rules name (``_hs_<kind>``).

    By default a hardship flag is a correlated EXISTS: exact, and cheap for a page of people (an
    index probe per row). ``join_hardship=True`` makes it a LEFT JOIN per kind instead, which
    PostgreSQL hashes: the fast way to aggregate over a whole region (the preview). It relies on the
    registry's rule that a person holds at most one status of a kind on a date (``hardship_add``
    refuses overlapping periods); a violation would count that person twice."""
    queryset = queryset.annotate(
        _cert=FilteredRelation("certificates", condition=certificate_in_force_q(on, "certificates__"))
    )
    kinds: set[str] = set()
    for rule in rules:
        kinds |= rule.hardship_kinds()
    for kind in sorted(kinds):
        if join_hardship:
            queryset = queryset.annotate(
                **{f"_hsj_{kind}": FilteredRelation("hardships", condition=_holds(kind, on, "hardships__"))}
            ).annotate(**{f"_hsj_{kind}_id": F(f"_hsj_{kind}__id")})
            flag: Any = ExpressionWrapper(
                Q(**{f"_hsj_{kind}_id__isnull": False}), output_field=BooleanField()
            )
        else:
            flag = Exists(HardshipStatus.objects.filter(_holds(kind, on), person=OuterRef("pk")))
        queryset = queryset.annotate(**{f"_hs_{kind}": flag})
    return queryset.annotate(
        _cert_id=F("_cert__id"),
        _cert_grade=F("_cert__grade"),
        _cert_category=F("_cert__category"),
        _cert_valid_until=F("_cert__valid_until"),
    )


def rules_sql(rules: list[Rule], ctx: SqlContext) -> tuple[str, list[Any]]:
    """All rules as one SQL predicate (AND), for one day of a month."""
    parts, params = [], []
    for rule in rules:
        sql, rule_params = rule.sql(ctx)
        parts.append(sql)
        params += rule_params
    return "(" + (" AND ".join(parts) or "1 = 1") + ")", params


def eligible_q(rules: list[Rule], on: dt.date) -> Q:
    q = Q()
    for rule in rules:
        q &= rule.q(on)
    return q
