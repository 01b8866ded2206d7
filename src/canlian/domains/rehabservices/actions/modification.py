"""Writes of home accessibility modification (家庭无障碍改造), one action per step of the field's
workflow. Each step checks the project's state (a step out of order is ``InvalidState``), records a
``ModificationStep`` with the next deadline in working days (``programs.workdays``, the days from the
``ModificationStandard`` applied at application) and the responsible person, and is audited.

need found → **apply** (eligibility as the standard's rule list: certificate of grade 1–2, hardship
household, house modifiable; refused with the failing rules and nothing written) → **assess** (the
checklist of items, photos) → **plan** (plan and budget, accepted by the family: the photo of the
signed form is required) → **notice** (public notice, its working days) → **start works** (after
the notice, the contractor and their account) → progress photos → **accept** (federation, family
and contractor; before and after photos required; the payable amount is the final cost capped at
the standard's subsidy per household) → payment in a contractor batch (``actions.batches``) →
**archive**."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.models import Household, HouseholdMember
from canlian.domains.rehabservices.actions._common import (
    MANAGE,
    RECORD,
    certificate_on,
    day_not_future,
    hardship_on,
    in_force,
    locked_person,
    require,
)
from canlian.domains.rehabservices.choices import EligibilityCheck, ModItem, ModStatus, PhotoStage, Priority
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import (
    ModificationItem,
    ModificationPhoto,
    ModificationProject,
    ModificationStandard,
    ModificationStep,
)
from canlian.platform.access import lock_for, user_or_none
from canlian.platform.errors import InvalidState, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_text, field_error
from canlian.platform.numbering import allocate_yearly
from canlian.platform.photos import clean_photo
from canlian.programs.workdays import add_working_days, deadline_record

PREFIX = "WZA"
#: Which photo stages each step may add (progress photos during the works, before/after at acceptance).
PHOTO_STAGES_BY_STATUS: dict[str, tuple[str, ...]] = {
    ModStatus.APPLIED: (PhotoStage.ASSESSMENT, PhotoStage.BEFORE),
    ModStatus.ASSESSED: (PhotoStage.ASSESSMENT, PhotoStage.BEFORE, PhotoStage.SIGNED_FORM),
    ModStatus.PLANNED: (PhotoStage.SIGNED_FORM, PhotoStage.NOTICE, PhotoStage.BEFORE),
    ModStatus.NOTICE: (PhotoStage.NOTICE, PhotoStage.BEFORE),
    ModStatus.WORKS: (PhotoStage.PROGRESS, PhotoStage.BEFORE, PhotoStage.AFTER),
}


# --- eligibility ------------------------------------------------------------------------------------


def standard_on(region_code: str, on: dt.date) -> ModificationStandard | None:
    return in_force(ModificationStandard.objects.all(), region_code, on)


def eligibility(
    person: Any,
    household: Household | None,
    *,
    on: dt.date,
    house_modifiable: bool,
    standard: ModificationStandard,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The standard's rule list evaluated for a person and household on a day: one entry per check
    (check, label, passed, detail), and the household's priorities."""
    members = [person.pk]
    if household is not None:
        members += [
            m
            for m in HouseholdMember.objects.filter(household=household, person__isnull=False).values_list(
                "person_id", flat=True
            )
        ]
    certificate = certificate_on(person, on)
    hardship = hardship_on(sorted(set(members)), on)
    results: list[dict[str, Any]] = []
    for check in standard.check_list:
        if check == EligibilityCheck.GRADE:
            passed = certificate is not None and certificate.grade <= standard.max_grade
            detail = (
                _("grade %(grade)s (%(category)s)")
                % {"grade": certificate.grade, "category": certificate.get_category_display()}
                if certificate
                else _("no certificate in force")
            )
        elif check == EligibilityCheck.HARDSHIP:
            passed = bool(hardship)
            detail = ", ".join(sorted({str(h.get_kind_display()) for h in hardship})) or _(
                "no hardship status"
            )
        elif check == EligibilityCheck.HOUSE:
            passed = bool(house_modifiable)
            detail = _("declared modifiable") if house_modifiable else _("declared not modifiable")
        elif check == EligibilityCheck.NOT_DONE:
            earlier = (
                ModificationProject.objects.filter(
                    person=person, status__in=(ModStatus.PAID, ModStatus.ARCHIVED)
                )
                .exclude(year=on.year)
                .first()
            )
            passed = earlier is None
            detail = earlier.number if earlier else ""
        else:  # pragma: no cover - a check the code does not know
            passed, detail = False, _("unknown rule")
        results.append(
            {
                "check": check,
                "label": str(EligibilityCheck(check).label),
                "passed": passed,
                "detail": str(detail),
            }
        )
    priorities: list[str] = []
    if household is not None and household.multi_disabled:
        priorities.append(Priority.MULTI)
    if household is not None and household.elderly_carers:
        priorities.append(Priority.ELDERLY)
    if any(h.kind == "monitored" for h in hardship):
        priorities.append(Priority.MONITORED)
    return results, priorities


def _step(
    project: ModificationProject, status: str, on: dt.date, actor: Any, days: int | None, note: str = ""
) -> None:
    """Move to ``status`` on ``on``; the next step is due ``days`` working days later (None: none)."""
    project.status = status
    project.step_started_on = on
    project.step_due_on = add_working_days(on, days) if days is not None else None
    project.save()
    if days is not None:
        deadline_record(project, "step_due_on", start=on, days=days)
    ModificationStep.objects.create(
        project=project,
        status=status,
        on=on,
        note=note[:300],
        due_on=project.step_due_on,
        actor=user_or_none(actor),
    )


def _values(p: ModificationProject) -> dict[str, Any]:
    return {"status": p.status, "step_due_on": p.step_due_on, "budget": p.budget, "payable": p.payable}


def _locked(actor: Any, project_id: Any, permission: str = RECORD) -> ModificationProject:
    require(actor, permission)
    return lock_for(actor, ModificationProject, project_id, view=permission, related=("standard",))


def _expect(project: ModificationProject, *statuses: str, message: str) -> None:
    if project.status not in statuses:
        raise InvalidState(message, code="wrong_step")


def _responsible(actor: Any, responsible_id: Any, region_code: str) -> Any:
    from canlian.core.accounts.models import User

    if responsible_id in (None, ""):
        return user_or_none(actor)
    user = User.objects.filter(
        pk=responsible_id if str(responsible_id).isdigit() else 0, is_active=True
    ).first()
    if user is None or not user.has_canlian_perm(RECORD) or not user.scope_for(RECORD).contains(region_code):
        raise field_error(
            "responsible",
            _("Choose a worker who records modifications in the household's region."),
            responsible_id,
        )
    return user


# --- the steps ---------------------------------------------------------------------------------------


@transaction.atomic
def modification_apply(
    *,
    actor: Any,
    person_id: Any,
    applied_on: Any,
    need_found: Any,
    house_modifiable: bool,
    household_id: Any = None,
    address: Any = "",
    responsible_id: Any = None,
) -> ModificationProject:
    """Open a project from a need found: the standard in force for the person's region that day
    decides eligibility (every rule must pass, else ``InvalidState`` ``not_eligible`` naming the
    failing rules, and nothing is written); one running project per person."""
    person = locked_person(actor, person_id, RECORD)
    day = day_not_future(applied_on, "applied_on")
    need = as_text(need_found, "need_found", max_length=300, required=True)
    household = None
    if household_id not in (None, ""):
        household = Household.objects.filter(
            pk=household_id if str(household_id).isdigit() else 0, members__person=person
        ).first()
        if household is None:
            raise field_error("household", _("Choose a household the applicant belongs to."), household_id)
    else:
        membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
        household = membership.household if membership else None
    standard = standard_on(person.region_code, day)
    if standard is None:
        raise InvalidState(
            _("No home modification standard is in force on %(day)s.") % {"day": day}, code="no_standard"
        )
    results, priorities = eligibility(
        person, household, on=day, house_modifiable=bool(house_modifiable), standard=standard
    )
    failed = [r for r in results if not r["passed"]]
    if failed:
        raise InvalidState(
            _("Not eligible: %(rules)s.")
            % {"rules": "; ".join(f"{r['label']} ({r['detail']})" for r in failed)},
            code="not_eligible",
        )
    if (
        ModificationProject.objects.filter(person=person)
        .exclude(status__in=(ModStatus.PAID, ModStatus.ARCHIVED))
        .exists()
    ):
        raise InvalidState(
            _("%(name)s already has a modification project under way.") % {"name": person.name},
            code="project_running",
        )
    responsible = _responsible(actor, responsible_id, person.region_code)

    def next_sequence() -> int:
        return (ModificationProject.objects.filter(year=day.year).aggregate(m=Max("sequence"))["m"] or 0) + 1

    def create(sequence: int) -> ModificationProject:
        return ModificationProject.objects.create(
            number=f"{PREFIX}-{day.year}-{sequence:04d}",
            year=day.year,
            sequence=sequence,
            person=person,
            household=household,
            region_code=person.region_code,
            address=as_text(address, "address", max_length=200)
            or (household.address if household else person.residence_address),
            standard=standard,
            applied_on=day,
            need_found=need,
            house_modifiable=bool(house_modifiable),
            eligibility=results,
            priorities=",".join(priorities),
            responsible=responsible,
            created_by=user_or_none(actor),
        )

    project = allocate_yearly(next_sequence=next_sequence, create=create)
    _step(project, ModStatus.APPLIED, day, actor, standard.days_assess, need)
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_APPLIED,
        obj=project,
        new={"person": person.pk, "priorities": priorities, **_values(project)},
    )
    return project


def _photo(
    project: ModificationProject,
    stage: str,
    upload: Any,
    actor: Any,
    caption: str = "",
    keep_metadata: bool = False,
) -> ModificationPhoto:
    clean = clean_photo(upload, field=f"photo_{stage}", keep_metadata=keep_metadata)
    row = ModificationPhoto(
        project=project,
        stage=stage,
        content_type=clean.content_type,
        size=len(clean.data),
        caption=caption[:100],
        uploaded_by=user_or_none(actor),
    )
    row.file.save(f"{project.number}-{stage}{clean.extension}", ContentFile(clean.data), save=False)
    row.save()
    return row


@transaction.atomic
def modification_photo_add(
    *, actor: Any, project_id: Any, stage: Any, photo: Any, caption: Any = "", keep_metadata: bool = False
) -> ModificationPhoto:
    """Add a photo taken on a phone at the project's current step (progress photos during the works)."""
    project = _locked(actor, project_id)
    stage = str(stage or "")
    allowed = PHOTO_STAGES_BY_STATUS.get(project.status, ())
    if stage not in allowed:
        raise InvalidState(
            _("No photo of this stage can be added at the project's current step."), code="wrong_step"
        )
    row = _photo(project, stage, photo, actor, as_text(caption, "caption", max_length=100), keep_metadata)
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_PHOTO,
        obj=project,
        new={"stage": stage, "photo": row.pk, "size": row.size, "kept_metadata": bool(keep_metadata)},
    )
    return row


@transaction.atomic
def modification_assess(
    *,
    actor: Any,
    project_id: Any,
    assessed_on: Any,
    assessor: Any,
    items: dict[str, dict[str, Any]],
    photos: list[Any] | None = None,
    note: Any = "",
) -> ModificationProject:
    """Record the home assessment: ``items`` maps each checklist item (``ModItem``) to
    {"needed": bool, "note": text}; at least one item is needed. Photos are optional."""
    project = _locked(actor, project_id)
    _expect(project, ModStatus.APPLIED, message=_("Only an applied project can be assessed."))
    day = day_not_future(assessed_on, "assessed_on")
    if day < project.applied_on:
        raise field_error("assessed_on", _("The assessment cannot be before the application."), day)
    assessor_ = as_text(assessor, "assessor", max_length=80, required=True)
    errors: list[RowError] = []
    chosen: list[tuple[str, str]] = []
    for code, entry in (items or {}).items():
        if code not in ModItem.values:
            errors.append(
                RowError(
                    row=None,
                    field="items",
                    message=_("Unknown checklist item: %(value)s.") % {"value": code},
                    value=str(code)[:20],
                )
            )
            continue
        if entry.get("needed"):
            chosen.append((code, str(entry.get("note") or "").strip()[:200]))
    if errors:
        raise ValidationFailed(errors=errors, field="items")
    if not chosen:
        raise field_error("items", _("Tick at least one item that the home needs."))
    ModificationItem.objects.filter(project=project).delete()
    ModificationItem.objects.bulk_create(
        [ModificationItem(project=project, item=c, needed=True, note=n) for c, n in chosen]
    )
    for upload in photos or []:
        _photo(project, PhotoStage.ASSESSMENT, upload, actor)
    project.assessed_on = day
    project.assessor = assessor_
    before = _values(project)
    _step(
        project,
        ModStatus.ASSESSED,
        day,
        actor,
        project.standard.days_plan,
        as_text(note, "note", max_length=300),
    )
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_STEP,
        obj=project,
        old=before,
        new={**_values(project), "items": [c for c, _n in chosen]},
    )
    return project


@transaction.atomic
def modification_plan(
    *, actor: Any, project_id: Any, agreed_on: Any, plan: Any, costs: dict[str, Any], signed_form: Any
) -> ModificationProject:
    """The plan and budget per household, accepted by the family: ``costs`` maps the needed items
    to their cost (the budget is their sum); the photo of the form the family signed is required."""
    project = _locked(actor, project_id)
    _expect(project, ModStatus.ASSESSED, message=_("The plan follows the home assessment."))
    day = day_not_future(agreed_on, "agreed_on")
    if day < project.assessed_on:
        raise field_error("agreed_on", _("The plan cannot be agreed before the assessment."), day)
    text = as_text(plan, "plan", max_length=2000, required=True)
    items = {i.item: i for i in project.items.all()}
    total = Decimal("0.00")
    for code, item in items.items():
        cost = as_amount((costs or {}).get(code), f"cost_{code}", minimum=0)
        item.cost = cost
        total += cost
    extra = set(costs or {}) - set(items)
    if extra:
        raise field_error(
            "costs", _("A cost is given for an item the assessment did not find."), sorted(extra)[0]
        )
    if total <= 0:
        raise field_error("costs", _("The budget must be above zero."), total)
    if signed_form is None:
        raise field_error("signed_form", _("Take a photo of the plan form the family signed."))
    ModificationItem.objects.bulk_update(list(items.values()), ["cost"])
    _photo(project, PhotoStage.SIGNED_FORM, signed_form, actor, _("Signed plan form"))
    before = _values(project)
    project.plan = text
    project.budget = total
    project.family_agreed_on = day
    _step(project, ModStatus.PLANNED, day, actor, project.standard.days_notice)
    audit_record(actor=actor, event=ServicesEvent.MOD_STEP, obj=project, old=before, new=_values(project))
    return project


@transaction.atomic
def modification_notice(*, actor: Any, project_id: Any, notice_from: Any) -> ModificationProject:
    """Post the public notice: it runs the standard's working days from ``notice_from``; the works
    may start once it has ended."""
    project = _locked(actor, project_id, MANAGE)
    _expect(
        project,
        ModStatus.PLANNED,
        message=_("The public notice follows the family's acceptance of the plan."),
    )
    day = day_not_future(notice_from, "notice_from")
    if day < project.family_agreed_on:
        raise field_error("notice_from", _("The notice cannot start before the plan was accepted."), day)
    before = _values(project)
    project.notice_from = day
    project.notice_until = add_working_days(day, project.standard.days_notice)
    _step(project, ModStatus.NOTICE, day, actor, project.standard.days_notice)
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_STEP,
        obj=project,
        old=before,
        new={**_values(project), "notice_until": project.notice_until},
    )
    return project


@transaction.atomic
def modification_start_works(
    *, actor: Any, project_id: Any, started_on: Any, contractor: Any, contractor_account: Any
) -> ModificationProject:
    """The contractor starts the works, after the public notice has ended."""
    project = _locked(actor, project_id)
    _expect(project, ModStatus.NOTICE, message=_("The works start after the public notice."))
    day = day_not_future(started_on, "started_on")
    if day <= project.notice_until:
        raise field_error(
            "started_on",
            _("The works may start only after the notice ends on %(day)s.") % {"day": project.notice_until},
            day,
        )
    name = as_text(contractor, "contractor", max_length=100, required=True)
    account = "".join(str(contractor_account or "").split())
    if not account.isdigit() or not 8 <= len(account) <= 32:
        raise field_error(
            "contractor_account",
            _("Enter the contractor's bank account (8 to 32 digits)."),
            contractor_account,
        )
    before = _values(project)
    project.contractor = name
    project.contractor_account = account
    project.works_started_on = day
    _step(project, ModStatus.WORKS, day, actor, project.standard.days_works)
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_STEP,
        obj=project,
        old=before,
        new={**_values(project), "contractor": name},
    )
    return project


def payable_amount(final_cost: Decimal, cap: Decimal) -> Decimal:
    """What the contractor is paid: the final cost, at most the standard's cap per household."""
    return min(final_cost, cap).quantize(Decimal("0.01"))


@transaction.atomic
def modification_accept(
    *,
    actor: Any,
    project_id: Any,
    accepted_on: Any,
    final_cost: Any,
    federation: Any,
    family: Any,
    contractor: Any,
) -> ModificationProject:
    """Joint acceptance by the federation, the family and the contractor, with before and after
    photos already taken. The payable amount is the final cost capped at the standard's subsidy per
    household; the payment is then due within the standard's working days."""
    project = _locked(actor, project_id, MANAGE)
    _expect(
        project, ModStatus.WORKS, message=_("A project can be accepted only once its works are under way.")
    )
    day = day_not_future(accepted_on, "accepted_on")
    if day < project.works_started_on:
        raise field_error("accepted_on", _("The acceptance cannot be before the works started."), day)
    names = [
        as_text(v, f, max_length=60, required=True)
        for f, v in (("federation", federation), ("family", family), ("contractor", contractor))
    ]
    cost = as_amount(final_cost, "final_cost")
    if cost <= 0:
        raise field_error("final_cost", _("The final cost must be above zero."), cost)
    stages = set(project.photos.values_list("stage", flat=True))
    missing = [str(PhotoStage(s).label) for s in (PhotoStage.BEFORE, PhotoStage.AFTER) if s not in stages]
    if missing:
        raise InvalidState(
            _("Acceptance needs the photos: %(missing)s.") % {"missing": ", ".join(missing)},
            code="photos_missing",
        )
    before = _values(project)
    project.accepted_on = day
    project.acceptance_by = " / ".join(names)[:200]
    project.final_cost = cost
    project.payable = payable_amount(cost, project.standard.cap)
    _step(project, ModStatus.ACCEPTED, day, actor, project.standard.days_pay)
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.MOD_STEP,
        obj=project,
        old=before,
        new={**_values(project), "final_cost": cost},
    )
    return project


@transaction.atomic
def modification_archive(*, actor: Any, project_id: Any, archived_on: Any) -> ModificationProject:
    """File a paid project: the end of the workflow."""
    project = _locked(actor, project_id, MANAGE)
    _expect(project, ModStatus.PAID, message=_("Only a paid project can be archived."))
    day = day_not_future(archived_on, "archived_on")
    if day < project.paid_on:
        raise field_error("archived_on", _("A project cannot be archived before it was paid."), day)
    before = _values(project)
    project.archived_on = day
    _step(project, ModStatus.ARCHIVED, day, actor, None)
    audit_record(actor=actor, event=ServicesEvent.MOD_STEP, obj=project, old=before, new=_values(project))
    return project
