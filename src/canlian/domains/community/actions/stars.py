"""Star ratings and the funding they set: a yearly assessment (a score per criterion in force,
weighted, stars from the score bands), and a region's funding batch for a year from the stars of the
previous year's confirmed assessments and the funding standard by stars and region (maker-checker)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.regions.models import Region
from canlian.domains.community.actions._common import MANAGE, PAY, batch_approve, batch_mark_paid
from canlian.domains.community.choices import AssessmentStatus, BatchStatus
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import (
    FundingBatch,
    FundingLine,
    FundingStandard,
    Home,
    StarAssessment,
    StarBand,
    StarCriterion,
    StarEvidence,
    StarScore,
)
from canlian.domains.community.models._base import effective_q, region_prefixes
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import Conflict, InvalidState, RowError, ValidationFailed
from canlian.platform.inputs import as_amount, as_date, as_int, as_text, field_error
from canlian.platform.photos import clean_photo

TENTH = Decimal("0.1")


def _longest(rows: list[Any]) -> list[Any]:
    """The rows of the longest region prefix among ``rows`` (a region's set replaces the one above)."""
    if not rows:
        return []
    best = max(len(r.region_code) for r in rows)
    return [r for r in rows if len(r.region_code) == best]


def criteria_for(region_code: str, on: dt.date) -> list[StarCriterion]:
    rows = list(StarCriterion.objects.filter(effective_q(on), region_code__in=region_prefixes(region_code)))
    return sorted(_longest(rows), key=lambda c: (c.order, c.code))


def bands_for(region_code: str, on: dt.date) -> list[StarBand]:
    rows = list(StarBand.objects.filter(effective_q(on), region_code__in=region_prefixes(region_code)))
    return sorted(_longest(rows), key=lambda b: b.min_score, reverse=True)


def weighted_score(criteria: list[StarCriterion], scores: dict[str, Decimal]) -> Decimal:
    """Σ(score ÷ full score × 100 × weight) ÷ Σ weight, to one decimal (half up)."""
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    if not total_weight:
        return Decimal("0.0")
    value = sum((scores.get(c.code, Decimal(0)) / c.max_score * 100 * c.weight for c in criteria), Decimal(0))
    return (value / total_weight).quantize(TENTH, rounding=ROUND_HALF_UP)


def stars_for(bands: list[StarBand], score: Decimal) -> int:
    for band in bands:  # highest threshold first
        if score >= band.min_score:
            return band.stars
    return 0


@transaction.atomic
def assessment_save(
    *,
    actor: Any,
    home_id: Any,
    year: Any,
    assessed_on: Any,
    scores: dict[str, Any],
    assessors: Any = "",
    note: Any = "",
) -> StarAssessment:
    """Record (or correct, while a draft) a home's assessment of ``year``: ``scores`` by criterion
    code; the weighted score and the stars follow from the criteria and bands in force on the day."""
    home = lock_for(actor, Home, home_id, act=MANAGE, related=("institution",))
    year = as_int(year, "year", low=2000, high=2100)
    day = as_date(assessed_on, "assessed_on")
    criteria = criteria_for(home.region_code, day)
    if not criteria:
        raise InvalidState(_("No star criteria are in force on this day."), code="no_criteria")
    clean: dict[str, Decimal] = {}
    errors = []
    known = {c.code: c for c in criteria}
    for code in scores:
        if code not in known:
            errors.append(RowError(None, code, _("Not a criterion in force."), str(scores[code])))
    for c in criteria:
        raw = scores.get(c.code)
        if raw in (None, ""):
            continue
        try:
            value = Decimal(str(raw).strip())
        except ArithmeticError:
            errors.append(RowError(None, c.code, _("Enter a score."), str(raw)))
            continue
        if not value.is_finite() or value < 0 or value > c.max_score or value != value.quantize(TENTH):
            errors.append(
                RowError(
                    None,
                    c.code,
                    _("Enter a score from 0 to %(max)s (one decimal).") % {"max": c.max_score},
                    str(raw),
                )
            )
            continue
        clean[c.code] = value
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    assessment = StarAssessment.objects.filter(home=home, year=year).first()
    if assessment is not None and assessment.status == AssessmentStatus.CONFIRMED:
        raise InvalidState(
            _("The %(year)s assessment is confirmed and cannot change.") % {"year": year}, code="confirmed"
        )
    total = weighted_score(criteria, clean)
    stars = stars_for(bands_for(home.region_code, day), total)
    fields = {
        "assessed_on": day,
        "total_score": total,
        "stars": stars,
        "assessors": as_text(assessors, "assessors", max_length=200),
        "note": as_text(note, "note", max_length=300),
    }
    if assessment is None:
        assessment = StarAssessment.objects.create(
            home=home,
            institution=home.institution,
            region_code=home.region_code,
            year=year,
            created_by=user_or_none(actor),
            **fields,
        )
    else:
        for k, v in fields.items():
            setattr(assessment, k, v)
        assessment.save()
        assessment.scores.all().delete()
    StarScore.objects.bulk_create(
        [
            StarScore(assessment=assessment, criterion=known[code], score=value)
            for code, value in clean.items()
        ]
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.ASSESSMENT_SAVED,
        obj=assessment,
        region_code=home.region_code,
        new={
            "year": year,
            "scores": {k: str(v) for k, v in clean.items()},
            "total": str(total),
            "stars": stars,
        },
    )
    return assessment


@transaction.atomic
def assessment_confirm(*, actor: Any, assessment_id: Any) -> StarAssessment:
    """Confirm a complete assessment (every criterion scored): its stars then set the next year's funding."""
    assessment = lock_for(actor, StarAssessment, assessment_id, act=MANAGE)
    if assessment.status == AssessmentStatus.CONFIRMED:
        raise InvalidState(_("The assessment is already confirmed."), code="confirmed")
    criteria = criteria_for(assessment.region_code, assessment.assessed_on)
    scored = set(assessment.scores.values_list("criterion__code", flat=True))
    missing = [c.name for c in criteria if c.code not in scored]
    if missing:
        raise InvalidState(
            _("Score every criterion before confirming; missing: %(names)s.")
            % {"names": "、".join(_(m) for m in missing)},
            code="incomplete",
        )
    assessment.status = AssessmentStatus.CONFIRMED
    assessment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        event=CommunityEvent.ASSESSMENT_CONFIRMED,
        obj=assessment,
        region_code=assessment.region_code,
        new={"stars": assessment.stars, "total": str(assessment.total_score)},
    )
    return assessment


@transaction.atomic
def funding_standard_save(
    *, actor: Any, region_code: Any, valid_from: Any, stars: Any, amount: Any, valid_to: Any = None
) -> FundingStandard:
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end lies before the start."), end)
    stars = as_int(stars, "stars", low=1, high=5)
    value = as_amount(amount, "amount")
    standard, _created = FundingStandard.objects.update_or_create(
        region_code=code,
        valid_from=start,
        stars=stars,
        defaults={"amount": value, "valid_to": end, "created_by": user_or_none(actor)},
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STANDARD_SAVED,
        obj=standard,
        region_code=code,
        new={"kind": "funding", "stars": stars, "amount": str(value), "valid_from": str(start)},
    )
    return standard


def funding_standard_for(region_code: str, stars: int, on: dt.date) -> FundingStandard | None:
    rows = list(
        FundingStandard.objects.filter(
            effective_q(on), stars=stars, region_code__in=region_prefixes(region_code)
        )
    )
    rows.sort(key=lambda s: (len(s.region_code), s.valid_from), reverse=True)
    return rows[0] if rows else None


_TEMP = "tmp_community_funding"


@transaction.atomic
def funding_generate(*, actor: Any, region_code: Any, year: Any) -> FundingBatch:
    """The funding of ``year`` for the homes of a region, from their confirmed assessments of the
    year before: stars → the standard in force on 1 January of ``year`` for the home's region. A home
    whose stars have no standard stops the batch (named, nothing written); a home without a confirmed
    assessment is not funded (listed in the batch's note). Regenerating replaces a batch not yet
    approved."""
    code = str(region_code or "").strip()
    authorize(actor, PAY, code)
    if not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("Unknown region."), code)
    year = as_int(year, "year", low=2001, high=2100)
    on = dt.date(year, 1, 1)
    homes = Home.objects.filter(region_code__startswith=code, opened_on__lt=on).select_related("institution")
    homes = homes.exclude(closed_on__lt=on)
    assessments = {
        a.home_id: a
        for a in StarAssessment.objects.filter(
            home__in=homes, year=year - 1, status=AssessmentStatus.CONFIRMED
        )
    }
    rows, errors, unassessed = [], [], []
    for home in homes:
        a = assessments.get(home.pk)
        if a is None:
            unassessed.append(home.institution.name)
            continue
        if a.stars < 1:
            unassessed.append(home.institution.name)
            continue
        standard = funding_standard_for(home.region_code, a.stars, on)
        if standard is None:
            errors.append(
                RowError(
                    None,
                    "stars",
                    _("No funding standard for %(stars)s stars in force for %(home)s.")
                    % {"stars": a.stars, "home": home.institution.name},
                    str(a.stars),
                )
            )
            continue
        rows.append(
            (home.pk, home.institution_id, home.region_code, a.pk, a.stars, standard.pk, standard.amount)
        )
    if errors:
        raise ValidationFailed(errors=errors, field="stars")
    if not rows:
        raise InvalidState(
            _("No home of this region has a confirmed %(year)s assessment.") % {"year": year - 1},
            code="nothing_to_fund",
        )
    batch = FundingBatch.objects.select_for_update().filter(region_code=code, year=year).first()
    if batch is not None and batch.status != BatchStatus.GENERATED:
        raise InvalidState(
            _("The %(year)s funding batch is already approved.") % {"year": year}, code="batch_approved"
        )
    if batch is None:
        try:
            with transaction.atomic():
                batch = FundingBatch.objects.create(region_code=code, year=year)
        except IntegrityError as exc:
            raise Conflict(_("A funding batch for this region and year exists."), field="year") from exc
    else:
        batch.lines.all().delete()
    batch.mark_generated(actor)
    load_temp_table(
        _TEMP,
        [
            ("home_id", "bigint"),
            ("institution_id", "bigint"),
            ("region_code", "varchar(12)"),
            ("assessment_id", "bigint"),
            ("stars", "integer"),
            ("standard_id", "bigint"),
            ("amount", "numeric(12,2)"),
        ],
        rows,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {FundingLine._meta.db_table}
                      (batch_id, home_id, institution_id, region_code, assessment_id, stars, standard_id, amount)
                    SELECT %s, home_id, institution_id, region_code, assessment_id, stars, standard_id, amount
                    FROM {_TEMP}""",
                [batch.pk],
            )
    finally:
        drop_temp_table(_TEMP)
    total = sum((r[6] for r in rows), Decimal("0.00"))
    batch.total_amount, batch.line_count = total, len(rows)
    batch.note = (
        (_("Not funded (no confirmed assessment): %(names)s") % {"names": "、".join(unassessed)})[:300]
        if unassessed
        else ""
    )
    batch.save()
    audit_record(
        actor=actor,
        event=CommunityEvent.FUNDING_GENERATED,
        obj=batch,
        region_code=code,
        new={"year": year, "homes": len(rows), "total": str(total), "unassessed": len(unassessed)},
    )
    return batch


@transaction.atomic
def funding_approve(*, actor: Any, batch_id: Any) -> FundingBatch:
    return batch_approve(
        actor=actor, model=FundingBatch, batch_id=batch_id, event=CommunityEvent.FUNDING_APPROVED, stale=True
    )


@transaction.atomic
def funding_mark_paid(*, actor: Any, batch_id: Any, paid_on: Any = None) -> FundingBatch:
    return batch_mark_paid(
        actor=actor,
        model=FundingBatch,
        batch_id=batch_id,
        paid_on=paid_on,
        event=CommunityEvent.FUNDING_PAID,
        stale_year=None,
    )


# --- the star criteria and bands as edited data ------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _number(value: Any, field: str, *, row: int, places: int, high: Decimal | None = None) -> Decimal:
    """A positive-or-zero number with at most ``places`` decimals (and at most ``high``)."""
    if _blank(value):
        raise field_error(field, _("This field is required."), row=row)
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise field_error(field, _("Enter a number."), value, row=row) from exc
    step = Decimal(1).scaleb(-places)
    if (
        not number.is_finite()
        or number < 0
        or number != number.quantize(step)
        or (high is not None and number > high)
    ):
        raise field_error(
            field,
            _("Enter a number from 0 to %(high)s with at most %(places)s decimals.")
            % {"high": high if high is not None else "…", "places": places},
            value,
            row=row,
        )
    return number.quantize(step)


def _ensure_no_assessment_from(code: str, start: dt.date) -> None:
    """A new set applies from ``start``: refused when an assessment of the region is dated on or after
    it (past assessments keep their criteria and bands)."""
    if StarAssessment.objects.filter(region_code__startswith=code, assessed_on__gte=start).exists():
        raise InvalidState(
            _(
                "Assessments of this region dated from %(day)s already exist and keep their criteria; "
                "set the new ones from a later year."
            )
            % {"day": start},
            code="assessed",
        )


def _replace_from(model: Any, code: str, start: dt.date) -> None:
    """The region's own rows from ``start`` on are replaced; those in force then end the day before."""
    model.objects.filter(region_code=code, valid_from__gte=start).delete()
    model.objects.filter(region_code=code, valid_from__lt=start).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    ).update(valid_to=start - dt.timedelta(days=1))


@transaction.atomic
def star_criteria_save(
    *, actor: Any, region_code: Any, year: Any, criteria: list[dict[str, Any]]
) -> list[StarCriterion]:
    """A region's star criteria from 1 January of ``year``: rows of code, name, weight and full score
    (a row marked ``retire`` or left blank is not carried on). The weights must add up to 100."""
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    year = as_int(year, "year", low=2001, high=2100)
    start = dt.date(year, 1, 1)
    errors: list[RowError] = []
    rows: list[StarCriterion] = []
    seen: set[str] = set()
    for i, raw in enumerate(criteria, start=1):
        if raw.get("retire") or all(_blank(raw.get(k)) for k in ("code", "name", "weight")):
            continue
        try:
            slug = as_text(raw.get("code"), "code", max_length=30, required=True, row=i).lower()
            if not re.fullmatch(r"[a-z0-9_-]+", slug):
                raise field_error("code", _("Use lower-case letters, digits, - and _."), slug, row=i)
            name = as_text(raw.get("name"), "name", max_length=100, required=True, row=i)
            weight = _number(raw.get("weight"), "weight", row=i, places=2, high=Decimal(100))
            if weight == 0:
                raise field_error("weight", _("A weight must be above 0."), weight, row=i)
            full = _number(raw.get("max_score") or 100, "max_score", row=i, places=1, high=Decimal(1000))
            if full == 0:
                raise field_error("max_score", _("A full score must be above 0."), full, row=i)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if slug in seen:
            errors.append(RowError(i, "code", _("This code appears twice."), slug))
            continue
        seen.add(slug)
        rows.append(
            StarCriterion(
                region_code=code,
                valid_from=start,
                code=slug,
                name=name,
                weight=weight,
                max_score=full,
                order=i * 10,
            )
        )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    if not rows:
        raise field_error("code", _("Keep at least one criterion."))
    total = sum((r.weight for r in rows), Decimal(0))
    if total != 100:
        raise field_error(
            "weight",
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": total.normalize()},
            total,
        )
    _ensure_no_assessment_from(code, start)
    before = [(c.code, str(c.weight)) for c in criteria_for(code, start)] if code else []
    _replace_from(StarCriterion, code, start)
    StarCriterion.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        event=CommunityEvent.STAR_CRITERIA_SAVED,
        obj=rows[0],
        region_code=code,
        old={"criteria": before},
        new={
            "from": str(start),
            "criteria": [(r.code, r.name, str(r.weight), str(r.max_score)) for r in rows],
        },
    )
    return rows


def _band_label(stars: int, low: Decimal, high: Decimal) -> str:
    return f"{'★' * stars} ({low}–{high})"


@transaction.atomic
def star_bands_save(
    *, actor: Any, region_code: Any, year: Any, bands: list[dict[str, Any]]
) -> list[StarBand]:
    """A region's score bands from 1 January of ``year``: rows of stars, from score and to score
    (blank rows are skipped). Together they must cover 0–100 without a gap or an overlap (scores have
    one decimal), more stars for higher scores."""
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    year = as_int(year, "year", low=2001, high=2100)
    start = dt.date(year, 1, 1)
    errors: list[RowError] = []
    parsed: list[tuple[int, int, Decimal, Decimal]] = []
    seen: set[int] = set()
    for i, raw in enumerate(bands, start=1):
        if all(_blank(raw.get(k)) for k in ("min_score", "max_score")):
            continue
        try:
            stars = as_int(raw.get("stars"), "stars", low=1, high=5, row=i)
            low = _number(raw.get("min_score"), "min_score", row=i, places=1, high=Decimal(100))
            high = _number(raw.get("max_score"), "max_score", row=i, places=1, high=Decimal(100))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if high < low:
            errors.append(
                RowError(
                    i,
                    "max_score",
                    _("Band %(band)s ends below its start.") % {"band": _band_label(stars, low, high)},
                    str(high),
                )
            )
            continue
        if stars in seen:
            errors.append(
                RowError(i, "stars", _("Band %(stars)s appears twice.") % {"stars": "★" * stars}, str(stars))
            )
            continue
        seen.add(stars)
        parsed.append((i, stars, low, high))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    if not parsed:
        raise field_error("min_score", _("Enter at least one band."))
    parsed.sort(key=lambda b: b[2])
    step = TENTH
    first, last = parsed[0], parsed[-1]
    if first[2] != 0:
        errors.append(
            RowError(
                first[0],
                "min_score",
                _("The lowest band %(band)s must start at 0.") % {"band": _band_label(*first[1:])},
                str(first[2]),
            )
        )
    if last[3] != 100:
        errors.append(
            RowError(
                last[0],
                "max_score",
                _("The highest band %(band)s must end at 100.") % {"band": _band_label(*last[1:])},
                str(last[3]),
            )
        )
    for prev, band in pairwise(parsed):
        label, before = _band_label(*band[1:]), _band_label(*prev[1:])
        if band[2] <= prev[3]:
            errors.append(
                RowError(
                    band[0],
                    "min_score",
                    _("Band %(band)s overlaps band %(other)s.") % {"band": label, "other": before},
                    str(band[2]),
                )
            )
        elif band[2] > prev[3] + step:
            errors.append(
                RowError(
                    band[0],
                    "min_score",
                    _("Between band %(other)s and band %(band)s the scores %(low)s–%(high)s have no band.")
                    % {"band": label, "other": before, "low": prev[3] + step, "high": band[2] - step},
                    str(band[2]),
                )
            )
        if band[1] <= prev[1]:
            errors.append(
                RowError(
                    band[0],
                    "stars",
                    _("Band %(band)s must give more stars than band %(other)s.")
                    % {"band": label, "other": before},
                    str(band[1]),
                )
            )
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    _ensure_no_assessment_from(code, start)
    before_rows = [(b.stars, str(b.min_score)) for b in bands_for(code, start)] if code else []
    _replace_from(StarBand, code, start)
    rows = StarBand.objects.bulk_create(
        [StarBand(region_code=code, valid_from=start, stars=s, min_score=low) for _i, s, low, _h in parsed]
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STAR_BANDS_SAVED,
        obj=rows[0],
        region_code=code,
        old={"bands": before_rows},
        new={"from": str(start), "bands": [(s, str(low), str(high)) for _i, s, low, high in parsed]},
    )
    return rows


def evidence_add(*, actor: Any, assessment_id: Any, photo: Any, caption: Any = "") -> StarEvidence:
    """Add an evidence photo to an assessment (``community.manage`` over its home): a JPEG or PNG by
    its content (not its name), at most 8 MB, location data removed (``platform.photos``)."""
    assessment = lock_for(actor, StarAssessment, assessment_id, act=MANAGE)
    if photo is None or not getattr(photo, "size", 0):
        raise field_error("photo", _("Choose a photo."))
    clean = clean_photo(photo, field="photo")
    evidence = StarEvidence.objects.create(
        assessment=assessment,
        photo=ContentFile(clean.data, name=f"evidence{clean.extension}"),
        caption=as_text(caption, "caption", max_length=100),
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.EVIDENCE_ADDED,
        obj=evidence,
        region_code=assessment.region_code,
        new={"assessment": assessment.pk, "file": evidence.photo.name.rsplit("/", 1)[-1]},
    )
    return evidence
