"""The ledger import pages: upload a file → map its columns (filled in from the Chinese column names)
→ options (dry run, strict) → the import runs as a job → its page shows progress, counts, the
rejected rows and a download of them as a workbook.

Between the upload and the submission the file waits under MEDIA_ROOT/imports/<user>/<token>/, named
in the session; submitting moves it into the job's folder."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.audit.actions import audit_sensitive_read
from canlian.core.audit.events import EventType
from canlian.core.jobs.actions import job_submit, job_upload_dir
from canlian.core.jobs.models import Job
from canlian.core.permissions import Perm
from canlian.core.registry.importing import (
    FIELDS_BY_KEY,
    LEDGER_TEMPLATE,
    PERSON_FIELDS,
    REJECTED_CSV,
    REJECTED_WORKBOOK,
    persons_import_header,
    resolve_mapping,
)
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.exports import SafeSheet
from canlian.platform.tabular import CSV_SUFFIXES, EXCEL_SUFFIXES, open_table_stream
from canlian.platform.views import CanlianView, form_error_from

SESSION_KEY = "persons_import"
JOB_KIND = "persons.import"
PREVIEW_ROWS = 5


def _region_choices(user: Any) -> list[tuple[str, str]]:
    from canlian.core.regions.models import Region

    scope = user.scope_for(Perm.PERSONS_IMPORT)
    regions = (
        Region.objects.filter(level__lte=2)
        if scope.everything
        else Region.objects.filter(code__in=scope.prefixes)
    )
    return [(r.code, f"{r.name} ({r.code})") for r in regions.order_by("code")]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger file"),
        help_text=gettext_lazy(".xlsx, .xls or .csv (UTF-8, GBK or GB18030)"),
    )
    region = forms.ChoiceField(
        label=gettext_lazy("Import into"),
        required=False,
        help_text=gettext_lazy("Townships and villages named in the file are looked up inside this region."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region_choices = choices = _region_choices(user)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        if len(choices) == 1:
            field.initial = choices[0][0]

    def clean_region(self) -> str:
        region = self.cleaned_data.get("region") or ""
        choices = self.region_choices
        if not region and len(choices) == 1:
            region = choices[0][0]
        if not region:
            raise forms.ValidationError(_("Choose the region to import into."))
        return region

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
            raise forms.ValidationError(_("Use an .xlsx, .xls or .csv file."))
        return upload


class MappingForm(forms.Form):
    """One select per field (the file's columns), plus the options."""

    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run"),
        required=False,
        help_text=gettext_lazy("Check and count new, updated, unchanged and rejected rows; write nothing."),
    )
    strict = forms.BooleanField(
        label=gettext_lazy("Strict"),
        required=False,
        help_text=gettext_lazy("Import nothing if any row is rejected."),
    )

    def __init__(
        self, *args: Any, columns: list[str], initial_mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("— not imported —")), *[(c, c) for c in columns]]
        for spec in PERSON_FIELDS:
            self.fields[f"map_{spec.key}"] = forms.ChoiceField(
                label=str(spec.label),  # ImportField.label is typed str | Promise (a lazy string)
                choices=choices,
                required=False,
                initial=initial_mapping.get(spec.key, ""),
            )
        self.order_fields([f"map_{f.key}" for f in PERSON_FIELDS] + ["dry_run", "strict"])

    def mapping_fields(self) -> list[Any]:
        return [self[f"map_{f.key}"] for f in PERSON_FIELDS]

    def mapping(self) -> dict[str, str]:
        return {f.key: self.cleaned_data.get(f"map_{f.key}") or "" for f in PERSON_FIELDS}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            resolve_mapping(self.columns, {f.key: data.get(f"map_{f.key}") or "" for f in PERSON_FIELDS})
        except ValidationFailed as exc:
            field = f"map_{exc.field}" if exc.field and f"map_{exc.field}" in self.fields else None
            self.add_error(field, exc.message)
        return data


# --- the file waiting for its mapping --------------------------------------------------------------


def _pending_root(user: Any) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(user.pk)


def _pending(request: AuthenticatedHttpRequest) -> dict[str, str] | None:
    """The uploaded file of this session, if it is still there."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    token, filename = str(data.get("token", "")), Path(str(data.get("filename", ""))).name
    if len(token) != 32 or not token.isalnum() or not filename:
        return None
    path = _pending_root(request.user) / token / filename
    if not path.is_file():
        return None
    return {"path": str(path), "filename": filename, "region": str(data.get("region", "")), "token": token}


def _discard(request: AuthenticatedHttpRequest) -> None:
    pending = _pending(request)
    if pending:
        shutil.rmtree(Path(pending["path"]).parent, ignore_errors=True)
    request.session.pop(SESSION_KEY, None)


def _preview(path: str, filename: str, width: int) -> list[list[str]]:
    stream = open_table_stream(path, name=filename)
    rows = []
    for _number, row in stream.rows():
        rows.append((row + [""] * width)[:width])
        if len(rows) >= PREVIEW_ROWS:
            break
    return rows


# --- pages -----------------------------------------------------------------------------------------


class PersonImportView(CanlianView):
    """Step 1: upload the ledger."""

    required_permission = Perm.PERSONS_IMPORT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, "registry/import/upload.html", {"form": UploadForm(user=request.user)})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            _discard(request)
            upload = form.cleaned_data["file"]
            token = uuid.uuid4().hex
            folder = _pending_root(request.user) / token
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / (Path(upload.name).name or "ledger.csv")
            with target.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                persons_import_header(target, filename=target.name)
            except DomainError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                form.add_error("file", exc.message)
            else:
                request.session[SESSION_KEY] = {
                    "token": token,
                    "filename": target.name,
                    "region": form.cleaned_data["region"],
                }
                return redirect("registry:import_mapping")
        return render(request, "registry/import/upload.html", {"form": form})


class PersonImportMappingView(CanlianView):
    """Step 2: which column holds which field, dry run or strict; submit as a job."""

    required_permission = Perm.PERSONS_IMPORT

    def _context(
        self, request: AuthenticatedHttpRequest, pending: dict[str, str], form: MappingForm | None = None
    ) -> dict:
        info = persons_import_header(pending["path"], filename=pending["filename"])
        if form is None:
            form = MappingForm(columns=info.columns, initial_mapping=info.mapping)
        return {
            "form": form,
            "info": info,
            "pending": pending,
            "preview": _preview(pending["path"], pending["filename"], len(info.columns)),
            "missing": info.missing_labels,
            "required": [str(f.label) for f in PERSON_FIELDS if f.required],
        }

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        pending = _pending(request)
        if pending is None:
            return render(
                request,
                "registry/import/upload.html",
                {"form": UploadForm(user=request.user), "no_file": True},
            )
        return render(request, "registry/import/mapping.html", self._context(request, pending))

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        pending = _pending(request)
        if pending is None:
            messages.error(request, _("Upload the ledger first."))
            return render(request, "registry/import/upload.html", {"form": UploadForm(user=request.user)})
        info = persons_import_header(pending["path"], filename=pending["filename"])
        form = MappingForm(request.POST, columns=info.columns, initial_mapping=info.mapping)
        if form.is_valid():
            try:
                with open(pending["path"], "rb") as fh:
                    job = job_submit(
                        actor=request.user,
                        kind=JOB_KIND,
                        params={
                            "mapping": form.mapping(),
                            "dry_run": form.cleaned_data["dry_run"],
                            "strict": form.cleaned_data["strict"],
                        },
                        region_code=pending["region"],
                        upload=File(fh, name=pending["filename"]),
                    )
            except NotFound:
                raise
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                _discard(request)
                messages.success(
                    request, _("The file was received; the import runs as job #%(id)s.") % {"id": job.pk}
                )
                return redirect("registry:import_job", import_job_id=job.pk)
        return render(request, "registry/import/mapping.html", self._context(request, pending, form))


def _import_job(request: AuthenticatedHttpRequest, job_id: int) -> Job:
    """An import job inside the user's import scope (a 404 otherwise, like a missing one)."""
    return Job.objects.get_for_user(request.user, Perm.PERSONS_IMPORT, pk=job_id, kind=JOB_KIND)


class PersonImportJobView(CanlianView):
    """Step 3: the job's progress, then its counts and rejected rows."""

    required_permission = Perm.PERSONS_IMPORT

    def get(self, request: AuthenticatedHttpRequest, import_job_id: int) -> HttpResponse:
        job = _import_job(request, import_job_id)
        result = job.result or {}
        rejected_file = job_upload_dir(job) / REJECTED_WORKBOOK
        context = {
            "job": job,
            "result": result,
            "counts": [
                (_("New"), result.get("new", job.counts.get("new", 0))),
                (_("Updated"), result.get("updated", job.counts.get("updated", 0))),
                (_("Unchanged"), result.get("unchanged", job.counts.get("unchanged", 0))),
                (_("Rejected"), result.get("rejected", result.get("error_count", 0))),
            ],
            "has_rejected_file": not job.is_active and rejected_file.is_file(),
            "has_rejected_csv": not job.is_active and (job_upload_dir(job) / REJECTED_CSV).is_file(),
            "mapping": [
                (FIELDS_BY_KEY[k].label, v)
                for k, v in (job.params.get("mapping") or {}).items()
                if v and k in FIELDS_BY_KEY
            ],
        }
        template = "registry/import/job.html#progress" if request.htmx else "registry/import/job.html"
        return render(request, template, context)


class PersonImportRejectedView(CanlianView):
    """The rejected rows as a workbook: original cells, so the download is recorded in the audit log."""

    required_permission = Perm.PERSONS_IMPORT
    file_name = REJECTED_WORKBOOK
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def get(self, request: AuthenticatedHttpRequest, import_job_id: int) -> StreamingHttpResponse:
        job = _import_job(request, import_job_id)
        path = job_upload_dir(job) / self.file_name
        if job.is_active or not path.is_file():
            raise NotFound()
        audit_sensitive_read(
            actor=request.user,
            event=EventType.RECORDS_EXPORTED,
            obj=job,
            region_code=job.region_code,
            what="rejected import rows",
            rows=(job.result or {}).get("rejected", (job.result or {}).get("error_count")),
        )
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"rejected-rows-job{job.pk}{path.suffix}",
            content_type=self.content_type,
        )


class PersonImportRejectedCsvView(PersonImportRejectedView):
    """Every rejected row as CSV (the workbook stops at Excel's sheet limit)."""

    file_name = REJECTED_CSV
    content_type = "text/csv; charset=utf-8"


class PersonImportTemplateView(CanlianView):
    """An empty ledger with the usual column names, to start from."""

    required_permission = Perm.PERSONS_IMPORT

    def get(self, request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
        import io

        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = SafeSheet(book.create_sheet(title=_("People")))
        sheet.append(list(LEDGER_TEMPLATE))
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        return FileResponse(
            buffer,
            as_attachment=True,
            filename="persons-template.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
