"""Every write of data comparison: list sources, uploads (the snapshot load), comparison rules, runs,
the resolution of findings by the existing actions of the registry and the engine, and the end of
retention. Atomic, audited (``events.py``), keyword-only with the actor first."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.registry.actions import person_set_life_status, person_update
from canlian.core.registry.choices import LifeStatus, MonitoredType, RiskCause
from canlian.core.registry.models import Person
from canlian.domains.matching import loading
from canlian.domains.matching.choices import (
    Action,
    Department,
    FindingStatus,
    ListKind,
    Outcome,
    RuleShape,
    UploadStatus,
)
from canlian.domains.matching.comparison import apply_rule
from canlian.domains.matching.events import MatchingEvent
from canlian.domains.matching.models import (
    ComparisonRule,
    ComparisonRun,
    Finding,
    ListRow,
    ListSource,
    ListUpload,
)
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table
from canlian.platform.errors import Conflict, InvalidState, NotFound, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_choice, as_date, as_int, as_text, field_error
from canlian.platform.progress import NullProgress, Progress
from canlian.platform.tabular import open_table_stream
from canlian.programs.choices import ApplicantKind, EnrollmentStatus, RecoveryStatus, StopReason
from canlian.programs.enrollments import enrollment_apply, enrollment_stop
from canlian.programs.models import Enrollment, RecoveryItem
from canlian.programs.workdays import add_working_days

SOURCE = "matching"

#: The outcomes each kind of rule may end in (every rule may end as not applicable, with a reason).
OUTCOMES: dict[str, tuple[str, ...]] = {
    Action.ENROL: (Outcome.ENROLLED, Outcome.NOT_APPLICABLE),
    Action.STOP: (Outcome.STOPPED, Outcome.NOT_APPLICABLE),
    Action.FLAG: (Outcome.FLAGGED, Outcome.NOT_APPLICABLE),
    Action.FOLLOW_UP: (Outcome.FOLLOWED_UP, Outcome.NOT_APPLICABLE),
    Action.CORRECT: (Outcome.CORRECTED, Outcome.NOT_APPLICABLE),
}


def _today(on: Any = None) -> dt.date:
    return as_date(on, "on", required=False) or timezone.localdate()


# --- sources and uploads -------------------------------------------------------------------------


@transaction.atomic
def source_save(
    *,
    actor: Any,
    region_code: str,
    department: str,
    list_kind: str,
    name: str = "",
    retention_days: Any = None,
    mapping: dict[str, str] | None = None,
) -> ListSource:
    """Create or update the source (department, list kind) of a region."""
    region_code = as_text(region_code, "region_code", max_length=12, required=True)
    authorize(actor, Perm.MATCHING_LISTS, region_code)
    department = as_choice(department, "department", Department.choices)
    list_kind = as_choice(list_kind, "list_kind", ListKind.choices)
    name = as_text(name, "name", max_length=120)
    days = as_int(retention_days, "retention_days", low=1, high=3650, required=False)
    source = (
        ListSource.objects.select_for_update()
        .filter(region_code=region_code, department=department, list_kind=list_kind)
        .first()
    )
    created = source is None
    if created:
        source = ListSource(region_code=region_code, department=department, list_kind=list_kind)
    old = {"name": source.name, "retention_days": source.retention_days, "mapping": source.mapping}
    if name:
        source.name = name
    if days is not None:
        source.retention_days = days
    if mapping is not None:
        source.mapping = {k: v for k, v in mapping.items() if k in loading.FIELDS and v}
    new = {"name": source.name, "retention_days": source.retention_days, "mapping": source.mapping}
    if created or old != new:
        source.save()
        audit_record(
            actor=actor,
            event=MatchingEvent.SOURCE_SAVED,
            obj=source,
            region_code=region_code,
            old=None if created else old,
            new=new,
        )
    return source


def _remembered_mapping(region_code: str, department: str, list_kind: str) -> dict[str, str]:
    row = (
        ListSource.objects.filter(region_code=region_code, department=department, list_kind=list_kind)
        .values_list("mapping", flat=True)
        .first()
    )
    return dict(row or {})


def list_header_check(
    *,
    actor: Any,
    region_code: str,
    department: str,
    list_kind: str,
    path: str | Path,
    filename: str | None = None,
    mapping: dict[str, str] | None = None,
) -> dict[str, str]:
    """Before a list is submitted as a job: the file opens and its columns resolve (the ID number
    column is required). Returns field → column header; writes nothing."""
    region_code = as_text(region_code, "region_code", max_length=12, required=True)
    authorize(actor, Perm.MATCHING_LISTS, region_code)
    department = as_choice(department, "department", Department.choices)
    list_kind = as_choice(list_kind, "list_kind", ListKind.choices)
    path = Path(path)
    stream = open_table_stream(path, name=filename or path.name)
    remembered = _remembered_mapping(region_code, department, list_kind)
    index = loading.resolve_mapping(stream.header, mapping, remembered)
    return {key: stream.header[i] for key, i in index.items()}


def list_upload(
    *,
    actor: Any,
    region_code: str,
    department: str,
    list_kind: str,
    as_of: Any,
    path: str | Path,
    filename: str | None = None,
    mapping: dict[str, str] | None = None,
    retention_days: Any = None,
    run: bool = True,
    on: Any = None,
    progress: Progress | None = None,
    job: Any = None,
) -> ListUpload:
    """Load a department's list as a dated snapshot (set-based), remember its column mapping for
    the source, and (``run``) compare it at once. Bad rows are kept on the upload with row, field
    and reason; a file without an ID-number column, or with no valid row, is refused (every
    rejected row named) and nothing is written. The rows are checked and staged outside the write
    transaction (the progress moves); the upload, its rows and the source are written in one.
    ``job``: the job loading it (``list_upload_job``)."""
    progress = progress or NullProgress()
    today = _today(on)
    as_of = as_date(as_of, "as_of")
    if as_of > today:
        raise field_error("as_of", _("The list's date cannot be in the future."), as_of)
    region_code = as_text(region_code, "region_code", max_length=12, required=True)
    authorize(actor, Perm.MATCHING_LISTS, region_code)
    department = as_choice(department, "department", Department.choices)
    list_kind = as_choice(list_kind, "list_kind", ListKind.choices)
    as_int(retention_days, "retention_days", low=1, high=3650, required=False)
    path = Path(path)
    filename = filename or path.name
    try:
        stream = open_table_stream(path, name=filename)
        remembered = _remembered_mapping(region_code, department, list_kind)
        index = loading.resolve_mapping(stream.header, mapping, remembered)
        used = {key: stream.header[i] for key, i in index.items()}
        result = loading.stage(stream, index, today, progress)
        if not result.staged:
            raise ValidationFailed(
                _("No row of the file could be kept (%(count)s rejected).") % {"count": result.rejected},
                errors=result.errors or [RowError(None, "file", str(_("The file has no rows.")), filename)],
                field="file",
            )
        progress.start(result.staged, str(_("Keeping the snapshot")))
        with transaction.atomic():
            source = source_save(
                actor=actor,
                region_code=region_code,
                department=department,
                list_kind=list_kind,
                retention_days=retention_days,
            )
            upload = ListUpload.objects.create(
                source=source,
                region_code=source.region_code,
                list_kind=source.list_kind,
                as_of=as_of,
                filename=filename[:200],
                mapping=used,
                expires_on=as_of + dt.timedelta(days=source.retention_days),
                uploaded_by=user_or_none(actor),
                job=job,
            )
            kept = loading.keep_snapshot(
                upload_id=upload.pk,
                region_code=upload.region_code,
                result=result,
                row_table=ListRow._meta.db_table,
            )
            upload.row_count, upload.rejected_count = kept, result.rejected
            upload.errors = [e.as_dict() for e in result.errors]
            upload.save(update_fields=["row_count", "rejected_count", "errors"])
            if source.mapping != used:
                source.mapping = used
                source.save(update_fields=["mapping"])
            audit_record(
                actor=actor,
                event=MatchingEvent.LIST_UPLOADED,
                obj=upload,
                region_code=upload.region_code,
                new={
                    "file": upload.filename,
                    "as_of": as_of,
                    "rows": kept,
                    "rejected": result.rejected,
                    "mapping": used,
                },
            )
    finally:
        drop_temp_table(loading.STAGE)
    progress.advance(result.staged)
    progress.count(rows=kept, rejected=result.rejected)
    if run:
        progress.start(None, str(_("Comparing")))
        comparison_run(actor=actor, upload_id=upload.pk, on=today)
    return upload


# --- as jobs -----------------------------------------------------------------------------------------

UPLOAD_JOB = "matching.list_upload"
RUN_JOB = "matching.comparison_run"


def list_upload_submit(
    *,
    actor: Any,
    region_code: str,
    department: str,
    list_kind: str,
    as_of: Any,
    upload: Any,
    mapping: dict[str, str] | None = None,
    retention_days: Any = None,
    run: bool = True,
) -> Any:
    """Keep the uploaded file and submit its load (and comparison) as a job; the job's page shows
    the progress, then the list. What can be checked at once (the region, the choices, the date,
    the columns) is refused here, before anything is stored. Returns the job."""
    from django.core.files import File

    from canlian.core.jobs.actions import job_submit

    as_of = as_date(as_of, "as_of")
    if as_of > timezone.localdate():
        raise field_error("as_of", _("The list's date cannot be in the future."), as_of)
    days = as_int(retention_days, "retention_days", low=1, high=3650, required=False)
    name = Path(getattr(upload, "name", "") or "list.csv").name
    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        list_header_check(
            actor=actor,
            region_code=region_code,
            department=department,
            list_kind=list_kind,
            path=handle.name,
            filename=name,
            mapping=mapping,
        )
        handle.seek(0)
        return job_submit(
            actor=actor,
            kind=UPLOAD_JOB,
            region_code=region_code,
            params={
                "department": department,
                "list_kind": list_kind,
                "as_of": as_of.isoformat(),
                "mapping": mapping or {},
                "retention_days": days,
                "run": bool(run) and actor.has_canlian_perm(Perm.MATCHING_MANAGE),
            },
            upload=File(handle, name=name),
        )


def list_upload_job(*, job: Any, progress: Any) -> dict[str, Any]:
    """The handler of job kind ``matching.list_upload``. Idempotent: a retry after the load finds the
    list loaded (``ListUpload.job``) and only compares. The stored file is deleted once loaded."""
    params = job.params or {}
    upload = ListUpload.objects.filter(job=job).first()
    if upload is None:
        upload = list_upload(
            actor=job.actor,
            region_code=job.region_code,
            department=params["department"],
            list_kind=params["list_kind"],
            as_of=params["as_of"],
            path=params["path"],
            filename=params.get("filename"),
            mapping=params.get("mapping") or None,
            retention_days=params.get("retention_days"),
            run=False,
            progress=progress,
            job=job,
        )
    elif params.get("run"):
        progress.log(_("The list was loaded by an earlier attempt."))
    # The file named people: once its rows are the snapshot (deleted at the end of the retention),
    # the copy in the job's folder goes.
    Path(params["path"]).unlink(missing_ok=True)
    totals: dict[str, int] = {}
    if params.get("run") and not upload.runs.exists():
        progress.start(None, str(_("Comparing")))
        run = comparison_run(actor=job.actor, upload_id=upload.pk)
        totals = {key: sum(int(c.get(key, 0)) for c in run.counts.values()) for key in ("new", "lapsed")}
    progress.count(rows=upload.row_count, rejected=upload.rejected_count, **totals)
    progress.log(
        _("%(rows)s rows kept, %(rejected)s rejected.")
        % {"rows": upload.row_count, "rejected": upload.rejected_count}
    )
    return {
        "upload_id": upload.pk,
        "rows": upload.row_count,
        "rejected": upload.rejected_count,
        "compared": bool(totals),
        **totals,
    }


def comparison_run_submit(*, actor: Any, upload_id: Any) -> Any:
    """Submit a comparison of a loaded list as a job (it may take long at province scale)."""
    from canlian.core.jobs.actions import job_submit

    upload = lock_for(actor, ListUpload, upload_id, view=Perm.MATCHING_LISTS, act=Perm.MATCHING_MANAGE)
    if upload.status != UploadStatus.LOADED:
        raise InvalidState(
            _("The rows of this list were deleted at the end of its retention."), code="list_purged"
        )
    return job_submit(
        actor=actor, kind=RUN_JOB, region_code=upload.region_code, params={"upload_id": upload.pk}
    )


def comparison_run_job(*, job: Any, progress: Any) -> dict[str, Any]:
    """The handler of job kind ``matching.comparison_run`` (a re-run changes only the evidence)."""
    upload_id = (job.params or {})["upload_id"]
    progress.start(None, str(_("Comparing")))
    run = comparison_run(actor=job.actor, upload_id=upload_id)
    totals = {
        key: sum(int(c.get(key, 0)) for c in run.counts.values()) for key in ("hits", "new", "kept", "lapsed")
    }
    progress.count(**totals)
    progress.log(_("Comparison run."))
    return {"upload_id": upload_id, "run_id": run.pk, **totals}


@transaction.atomic
def lists_purge_expired(*, actor: Any, on: Any = None) -> list[ListUpload]:
    """Delete the rows of every list whose retention ended before ``on`` (findings keep their
    evidence). One statement per list."""
    on = _today(on)
    uploads = list(
        ListUpload.objects.select_for_update()
        .filter(status=UploadStatus.LOADED, expires_on__lt=on)
        .order_by("pk")
    )
    for upload in uploads:
        if not is_system(actor):
            authorize(actor, Perm.MATCHING_LISTS, upload.region_code)
        deleted = ListRow.objects.filter(upload=upload).delete()[0]
        upload.status = UploadStatus.PURGED
        upload.save(update_fields=["status"])
        audit_record(
            actor=actor,
            event=MatchingEvent.LIST_PURGED,
            obj=upload,
            region_code=upload.region_code,
            new={"rows": deleted, "expires_on": upload.expires_on},
        )
    return uploads


# --- rules -----------------------------------------------------------------------------------------


def _digits(value: Any, field: str, allowed: str) -> str:
    text = "".join(sorted(set(str(value or "").replace(",", "").replace(" ", ""))))
    if any(ch not in allowed for ch in text):
        raise field_error(field, _("Give digits from %(allowed)s.") % {"allowed": allowed}, value)
    return text


@transaction.atomic
def rule_create(
    *,
    actor: Any,
    code: str,
    name: str,
    shape: str,
    action: str,
    list_kind: str = "",
    program_code: str = "",
    grades: str = "",
    categories: str = "",
    age_min: Any = None,
    age_max: Any = None,
    stop_reason: str = "",
    deadline_days: Any = 10,
    region_code: str = "",
    valid_from: Any = None,
    description: str = "",
) -> ComparisonRule:
    """Add a comparison rule of one of the shapes (no code needed). A region's rule of the same code
    takes precedence over the national one from its start."""
    if region_code:
        authorize(actor, Perm.MATCHING_MANAGE, region_code)
    else:
        _national(actor)
    code = as_text(code, "code", max_length=60, required=True)
    name = as_text(name, "name", max_length=120, required=True)
    shape = as_choice(shape, "shape", RuleShape.choices)
    action = as_choice(action, "action", Action.choices)
    list_kind = as_choice(list_kind, "list_kind", ListKind.choices, required=False)
    if shape != RuleShape.IDENTITY_MISMATCH and not list_kind:
        raise field_error("list_kind", _("Choose the list kind the rule reads."))
    program_code = as_text(program_code, "program_code", max_length=40)
    if shape == RuleShape.ENTITLED_NOT_ENROLLED and not program_code:
        raise field_error("program_code", _("Choose the program the list entitles to."))
    if program_code:
        from canlian.programs.models import Program

        if not Program.objects.filter(code=program_code).exists():
            raise field_error("program_code", _("No program has this code."), program_code)
    stop_reason = as_choice(stop_reason, "stop_reason", StopReason.choices, required=False)
    if action == Action.STOP and not stop_reason:
        raise field_error("stop_reason", _("Choose the stop reason."))
    rule = ComparisonRule(
        code=code,
        name=name,
        shape=shape,
        action=action,
        list_kind=list_kind,
        program_code=program_code,
        grades=_digits(grades, "grades", "1234"),
        categories=_digits(categories, "categories", "1234567"),
        age_min=as_int(age_min, "age_min", low=0, high=120, required=False),
        age_max=as_int(age_max, "age_max", low=0, high=120, required=False),
        stop_reason=stop_reason,
        deadline_days=as_int(deadline_days, "deadline_days", low=1, high=120),
        region_code=region_code,
        valid_from=as_date(valid_from, "valid_from", required=False) or timezone.localdate(),
        description=as_text(description, "description", max_length=300),
    )
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict(_("A rule with this code already starts on this date here."), field="code") from exc
    audit_record(
        actor=actor,
        event=MatchingEvent.RULE_SAVED,
        obj=rule,
        region_code=region_code,
        new={
            "code": code,
            "shape": shape,
            "list_kind": list_kind,
            "program": program_code,
            "valid_from": rule.valid_from,
        },
    )
    return rule


def _national(actor: Any) -> None:
    if is_system(actor):
        return
    if (
        not actor.has_canlian_perm(Perm.MATCHING_MANAGE)
        or not actor.scope_for(Perm.MATCHING_MANAGE).everything
    ):
        from canlian.platform.errors import PermissionDenied

        raise PermissionDenied(_("Only a national administrator may change national rules."))


def rules_for(region_code: str, list_kind: str, on: dt.date) -> list[ComparisonRule]:
    """The rules in force for a list of ``list_kind`` in ``region_code`` on ``on``: per code, the one
    of the longest region prefix, then the latest start."""
    rows = ComparisonRule.objects.in_force(region_code, on).filter(list_kind__in=[list_kind, ""])
    best: dict[str, ComparisonRule] = {}
    for rule in rows.order_by("code", "pk"):
        known = best.get(rule.code)
        if known is None or (len(rule.region_code), rule.valid_from) > (
            len(known.region_code),
            known.valid_from,
        ):
            best[rule.code] = rule
    return sorted(best.values(), key=lambda r: r.code)


# --- runs ------------------------------------------------------------------------------------------


@transaction.atomic
def comparison_run(*, actor: Any, upload_id: Any, on: Any = None) -> ComparisonRun:
    """Compare an upload with the registry and the engine under every rule in force for its kind:
    new findings for new hits, evidence refreshed on open findings still hit, open findings no longer
    hit closed as lapsed. Re-running changes nothing but the evidence."""
    upload = lock_for(actor, ListUpload, upload_id, view=Perm.MATCHING_LISTS, act=Perm.MATCHING_MANAGE)
    if upload.status != UploadStatus.LOADED:
        raise InvalidState(
            _("The rows of this list were deleted at the end of its retention."), code="list_purged"
        )
    today = _today(on)
    run = ComparisonRun.objects.create(
        upload=upload, region_code=upload.region_code, ran_on=today, ran_by=user_or_none(actor)
    )
    counts: dict[str, dict[str, int]] = {}
    started = time.perf_counter()
    for rule in rules_for(upload.region_code, upload.list_kind, upload.as_of):
        due_on = add_working_days(today, rule.deadline_days)
        counts[rule.code] = apply_rule(
            rule,
            upload_id=upload.pk,
            source_id=upload.source_id,
            run_id=run.pk,
            region_code=upload.region_code,
            as_of=upload.as_of,
            today=today,
            due_on=due_on,
        )
    run.counts = counts
    run.seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    run.save(update_fields=["counts", "seconds"])
    audit_record(
        actor=actor,
        event=MatchingEvent.RUN_DONE,
        obj=run,
        region_code=upload.region_code,
        new={"upload": upload.pk, "counts": counts},
    )
    sources_changed(SOURCE, year=today.year, month=today.month)
    return run


# --- findings --------------------------------------------------------------------------------------


@transaction.atomic
def finding_resolve(
    *,
    actor: Any,
    finding_id: Any,
    outcome: str,
    note: str = "",
    on: Any = None,
    record_in_registry: bool = True,
    monitored_type: str = "",
    risk_cause: str = "",
    applicant_kind: str = ApplicantKind.SELF,
    applicant_name: str = "",
    bank_name: str = "",
    bank_account: str = "",
    account_holder: str = "",
) -> Finding:
    """Resolve an open finding with its outcome, by the action that fixes it:

    * enrolled — ``enrollment_apply`` (the application, with the applicant and the bank account);
    * stopped — ``enrollment_stop`` from the month after the list's date (the engine withdraws what
      open cycles owe and turns what approved cycles paid into a recovery item), and, when the
      registry still shows the person living, ``person_set_life_status``;
    * flagged — ``hardship_add`` (monitored, 三类户) and a monitoring case (``monitoring.open_case``);
    * corrected — ``person_update`` with the name on the list;
    * followed up / not applicable — a note saying what was done or why.
    """
    finding = lock_for(actor, Finding, finding_id, act=Perm.MATCHING_RESOLVE, related=("rule",))
    if finding.status != FindingStatus.OPEN:
        raise InvalidState(
            _("This finding is already %(status)s.") % {"status": finding.get_status_display()},
            code="finding_closed",
        )
    rule = finding.rule
    outcome = as_choice(outcome, "outcome", [(o, o) for o in OUTCOMES[rule.action]])
    note = as_text(note, "note", max_length=300)
    on = _today(on)
    if on < finding.found_on:
        raise field_error("on", _("The date cannot be before the finding was made."), on)
    if on > timezone.localdate():
        raise field_error("on", _("The date cannot be in the future."), on)
    if outcome in (Outcome.NOT_APPLICABLE, Outcome.FOLLOWED_UP) and not note:
        raise field_error("note", _("Say what was done or why the finding does not apply."))
    person = Person.objects.get(pk=finding.person_id)
    if outcome == Outcome.ENROLLED:
        enrollment = enrollment_apply(
            actor=actor,
            person_id=person.pk,
            applied_on=on,
            program_code=rule.program_code,
            applicant_kind=applicant_kind,
            applicant_name=applicant_name,
            bank_name=bank_name,
            bank_account=bank_account,
            account_holder=account_holder,
            comment=(_("From the comparison with %(list)s") % {"list": str(finding.upload.source)})[:500],
        )
        finding.result_enrollment = enrollment
    elif outcome == Outcome.STOPPED:
        _stop(
            actor=actor,
            finding=finding,
            person=person,
            note=note,
            on=on,
            record_in_registry=record_in_registry,
        )
    elif outcome == Outcome.FLAGGED:
        from canlian.domains.matching.monitoring import open_case

        open_case(
            actor=actor,
            person=person,
            monitored_type=as_choice(monitored_type, "monitored_type", MonitoredType.choices),
            risk_causes=[as_choice(risk_cause, "risk_cause", RiskCause.choices)],
            started_on=min(finding.list_event_date or on, on),
            cadence_days=30,
            note=note or str(finding.upload.source),
            finding=finding,
        )
    elif outcome == Outcome.CORRECTED:
        if finding.list_name and finding.list_name != person.name:
            person_update(actor=actor, person_id=person.pk, name=finding.list_name)
        elif not note:
            raise field_error("note", _("Say what was corrected (the birth date follows the ID number)."))
    old = {"status": finding.status}
    finding.status, finding.outcome, finding.outcome_note = FindingStatus.RESOLVED, outcome, note
    finding.resolved_on, finding.resolved_by = on, user_or_none(actor)
    finding.save()
    audit_record(
        actor=actor,
        event=MatchingEvent.FINDING_RESOLVED,
        obj=finding,
        region_code=finding.region_code,
        old=old,
        new={
            "status": finding.status,
            "outcome": outcome,
            "note": note,
            "on": on,
            "enrollment": finding.result_enrollment_id,
            "recovery": finding.recovery_id,
        },
    )
    sources_changed(SOURCE, year=on.year, month=on.month)
    return finding


def _stop(
    *, actor: Any, finding: Finding, person: Person, note: str, on: dt.date, record_in_registry: bool
) -> None:
    enrollment = Enrollment.objects.filter(pk=finding.enrollment_id).select_related("program").first()
    if enrollment is None or finding.stop_from is None:
        raise NotFound()
    reason = finding.rule.stop_reason or StopReason.DEATH
    before = set(RecoveryItem.objects.filter(enrollment=enrollment).values_list("pk", flat=True))
    was_active = enrollment.status == EnrollmentStatus.ACTIVE
    if was_active:
        enrollment_stop(
            actor=actor,
            enrollment_id=enrollment.pk,
            reason=reason,
            stopped_from=max(finding.stop_from, enrollment.application_month),
            note=note or str(finding.upload.source),
            on=on,
        )
    life = LifeStatus.DECEASED if reason == StopReason.DEATH else LifeStatus.MOVED_OUT
    if record_in_registry and person.life_status == LifeStatus.LIVING and finding.list_event_date:
        person_set_life_status(
            actor=actor,
            person_id=person.pk,
            status=life,
            on=finding.list_event_date,
            note=str(finding.upload.source),
        )
    found = (
        RecoveryItem.objects.filter(enrollment=enrollment, status=RecoveryStatus.TO_RECOVER)
        .exclude(pk__in=before)
        .order_by("-pk")
        .first()
    )
    if not was_active and found is None and finding.amount > 0:
        raise InvalidState(
            _(
                "The enrollment was already stopped and no recovery could be derived; record the recovery in the engine."
            ),
            code="finding_stop_manual",
        )
    if found is None:  # raised already by the registry's change (a second enrollment of the person)
        found = (
            RecoveryItem.objects.filter(
                enrollment=enrollment, status=RecoveryStatus.TO_RECOVER, detected_on__gte=finding.found_on
            )
            .order_by("-pk")
            .first()
        )
    finding.recovery = found
