"""The targets pages: a region's yearly targets with the live value, progress, 序时进度 and status,
each split among the sub-regions (the cascade, with a warning when the parts do not add up), a form
to set one target, removal, and the plan sheet's import with its template."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.regions.models import Region
from canlian.platform.access import may, region_in_scope
from canlian.platform.errors import DomainError, NotFound, ValidationFailed
from canlian.platform.exports import Sheet, xlsx_bytes
from canlian.platform.indicators import Indicator, get_indicator
from canlian.platform.tabular import read_table
from canlian.platform.views import CanlianView, form_errors_from
from canlian.reporting.cadence import whole_of
from canlian.reporting.models import Target
from canlian.reporting.steering import targets as actions
from canlian.reporting.steering.formatting import value_text
from canlian.reporting.steering.forms import TargetForm, TargetImportForm, TargetsFilterForm
from canlian.reporting.steering.progress import percent
from canlian.reporting.steering.selectors import (
    Cascade,
    CascadeRow,
    Figure,
    check_region,
    child_regions,
    current_month,
    default_region,
    figures,
    indicators_visible,
    targets_visible,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def child_noun(region_code: str) -> str:
    return {
        0: _("Provinces"),
        2: _("Cities"),
        4: _("Counties"),
        6: _("Townships"),
        9: _("Villages"),
    }.get(len(region_code), _("Sub-regions"))


def cascade_warning(cascade: Cascade, region: Region | None) -> str:
    """What is wrong with a target's split among the sub-regions ("" when it adds up): "各区县目标合计
    34,500 人，比全市目标少 1,500 人；未分解：垦利区" (figures as the dashboard shows them)."""
    if cascade.whole is None or cascade.adds_up:
        return ""
    indicator = cascade.indicator
    chinese = (translation.get_language() or "").startswith("zh")
    label = (whole_of(region) if chinese else region.name) if region is not None else _("the whole country")
    parts: list[str] = []
    if indicator.is_rate:
        below = [r.region.name for r in cascade.rows if r.target is not None and r.target < cascade.whole]
        if below:
            parts.append(
                _("Below the target of %(region)s (%(whole)s): %(names)s")
                % {
                    "region": label,
                    "whole": value_text(indicator, cascade.whole),
                    "names": _(", ").join(below),
                }
            )
    elif cascade.gap:
        values = {
            "children": child_noun(cascade.region_code),
            "total": value_text(indicator, cascade.parts_total),
            "diff": value_text(indicator, abs(cascade.gap)),
            "region": label,
        }
        if cascade.gap > 0:
            message = _(
                "%(children)s: targets add up to %(total)s, %(diff)s less than the target of %(region)s"
            )
        else:
            message = _(
                "%(children)s: targets add up to %(total)s, %(diff)s more than the target of %(region)s"
            )
        parts.append(message % values)
    if cascade.missing:
        parts.append(_("Not split: %(names)s") % {"names": _(", ").join(r.name for r in cascade.missing)})
    return _("; ").join(parts)


@dataclass
class Cell:
    """One region's figure of one indicator with its target row (for the remove button)."""

    region_code: str
    region_name: str
    figure: Figure
    target: Target | None
    can_set: bool

    @property
    def value(self) -> str:
        return value_text(self.figure.indicator, self.figure.value)

    @property
    def target_text(self) -> str:
        return value_text(self.figure.indicator, self.figure.target)

    @property
    def progress(self) -> Decimal | None:
        return percent(self.figure.progress)

    @property
    def bar(self) -> int:
        """The progress bar's width in percent (0–100)."""
        progress = self.figure.progress
        return 0 if progress is None else max(0, min(100, int(progress * 100)))

    @property
    def status(self) -> str:
        return str(self.figure.status)


@dataclass
class TargetLine:
    indicator: Indicator
    own: Cell
    children: list[Cell]
    cascade: Cascade
    warning: str

    @property
    def parts_total(self) -> str:
        return value_text(self.indicator, self.cascade.parts_total)

    @property
    def has_targets(self) -> bool:
        return self.own.figure.target is not None or any(c.figure.target is not None for c in self.children)


@dataclass
class Overview:
    region: Region | None
    region_code: str
    year: int
    month: int
    elapsed: Decimal | None
    lines: list[TargetLine] = field(default_factory=list)

    @property
    def region_name(self) -> str:
        return self.region.name if self.region is not None else _("National")

    @property
    def elapsed_percent(self) -> Decimal | None:
        return percent(self.elapsed)

    def areas(self) -> list[tuple[str, list[TargetLine]]]:
        grouped: dict[str, list[TargetLine]] = {}
        for line in self.lines:
            if line.has_targets:
                grouped.setdefault(str(line.indicator.area), []).append(line)
        return list(grouped.items())

    @property
    def without_targets(self) -> list[TargetLine]:
        return [line for line in self.lines if not line.has_targets]

    @property
    def warnings(self) -> int:
        return sum(1 for line in self.lines if line.warning)


def targets_overview(*, user: Any, region_code: str, year: int, today: dt.date | None = None) -> Overview:
    """Every visible indicator's target of the region and of its sub-regions, with the live figures:
    a fixed number of queries whatever the number of indicators."""
    today = today or timezone.localdate()
    check_region(user=user, region_code=region_code)
    month = current_month(year, today)
    indicators = indicators_visible(user=user)
    children = child_regions(region_code, today)
    codes = [region_code, *[c.code for c in children]]
    found = figures(user=user, regions=codes, year=year, month=month, indicators=indicators, today=today)
    rows = targets_visible(user=user, year=year).filter(
        region_code__in=codes, indicator__in=[i.code for i in indicators]
    )
    target_rows = {(t.indicator, t.region_code): t for t in rows}
    region = Region.objects.filter(code=region_code).first() if region_code else None
    may_set = user.has_canlian_perm(Perm.STEERING_TARGETS)
    own_set = may_set and may(user, Perm.STEERING_TARGETS, region_code)
    overview = Overview(region=region, region_code=region_code, year=year, month=month, elapsed=None)
    for indicator in indicators:
        own_figure = found[(indicator.code, region_code)]
        overview.elapsed = own_figure.elapsed
        own = Cell(
            region_code=region_code,
            region_name=overview.region_name,
            figure=own_figure,
            target=target_rows.get((indicator.code, region_code)),
            can_set=own_set,
        )
        cells = [
            Cell(
                region_code=c.code,
                region_name=c.name,
                figure=found[(indicator.code, c.code)],
                target=target_rows.get((indicator.code, c.code)),
                can_set=may_set,
            )
            for c in children
        ]
        cascade = Cascade(
            indicator=indicator,
            region_code=region_code,
            year=year,
            whole=own_figure.target,
            rows=[
                CascadeRow(region=c, target=cell.figure.target)
                for c, cell in zip(children, cells, strict=True)
            ],
        )
        overview.lines.append(
            TargetLine(
                indicator=indicator,
                own=own,
                children=cells,
                cascade=cascade,
                warning=cascade_warning(cascade, region),
            )
        )
    return overview


def targets_url(region_code: str, year: int) -> str:
    params: dict[str, Any] = {"year": year}
    if region_code:
        params["region"] = region_code
    return f"{reverse('steering:targets')}?{urlencode(params)}"


class TargetsView(CanlianView):
    """The year's targets of a region (default: the top of the user's scope)."""

    required_permission = Perm.STEERING_VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TargetsFilterForm(request.GET or None, request=request)
        region_code, year = form.values(default_region(user=request.user))
        overview = targets_overview(user=request.user, region_code=region_code, year=year)
        return render(
            request,
            "reporting/steering/targets.html",
            {
                "form": form,
                "overview": overview,
                "can_set": request.user.has_canlian_perm(Perm.STEERING_TARGETS),
                "years": [year - 1, year + 1],
            },
        )


def _return_to(user: Any, region_code: str, year: int) -> str:
    """After a change: the targets page of the region above (where the split shows), if in scope."""
    parent = Region.objects.filter(code=region_code).values_list("parent__code", flat=True).first()
    if parent and region_in_scope(user, Perm.STEERING_VIEW, parent):
        return targets_url(parent, year)
    return targets_url(region_code, year)


class TargetSetView(CanlianView):
    """Set one target (?indicator=&region=&year= prefill the form)."""

    required_permission = Perm.STEERING_TARGETS

    def _form(self, request: HttpRequest, data: Any = None) -> TargetForm:
        indicators = indicators_visible(user=request.user)
        initial: dict[str, Any] = {"year": timezone.localdate().year}
        if data is None:
            params = request.GET
            initial.update({k: params[k] for k in ("indicator", "region") if params.get(k)})
            if params.get("year", "").isdigit():
                initial["year"] = int(params["year"])
            existing = (
                targets_visible(user=request.user, year=initial["year"])
                .filter(indicator=initial.get("indicator", ""), region_code=initial.get("region", ""))
                .first()
            )
            if existing is not None:
                try:
                    indicator = get_indicator(existing.indicator)
                except LookupError:
                    pass
                else:
                    initial["value"] = actions.display_value(indicator, existing.value)
                    initial["note"] = existing.note
        return TargetForm(data, initial=initial, indicators=indicators, request=request)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        return render(request, "reporting/steering/targets_set.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target = actions.target_set(
                    actor=request.user,
                    indicator=data["indicator"],
                    region_code=data["region"].code,
                    year=data["year"],
                    value=data["value"],
                    note=data["note"],
                )
            except NotFound:
                raise
            except DomainError as exc:
                form_errors_from(form, exc, {"region_code": "region"})
            else:
                messages.success(request, _("Target saved."))
                return redirect(_return_to(request.user, target.region_code, target.year))
        return render(request, "reporting/steering/targets_set.html", {"form": form}, status=400)


class TargetRemoveView(CanlianView):
    """Remove one target (POST target=<id>)."""

    required_permission = Perm.STEERING_TARGETS
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        raw = str(request.POST.get("target", ""))
        target = (
            Target.objects.for_user(request.user, Perm.STEERING_VIEW).filter(pk=int(raw)).first()
            if raw.isdigit()
            else None
        )
        if target is None:
            raise NotFound()
        actions.target_remove(actor=request.user, target_id=target.pk)
        messages.success(request, _("Target removed."))
        return redirect(_return_to(request.user, target.region_code, target.year))


class TargetImportView(CanlianView):
    """Import a plan's targets from a sheet: all rows or none, each bad row named."""

    required_permission = Perm.STEERING_TARGETS

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TargetImportForm(initial={"year": timezone.localdate().year})
        return render(request, "reporting/steering/targets_import.html", {"form": form, "errors": []})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TargetImportForm(request.POST, request.FILES)
        errors: list[Any] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    table = read_table(handle.name, name=upload.name)
                    result = actions.targets_import(
                        actor=request.user, table=table, year=form.cleaned_data["year"]
                    )
                except ValidationFailed as exc:
                    errors = exc.errors
                    form.add_error(None, exc.message)
                except NotFound:
                    raise
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _(
                            "%(rows)s targets imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged."
                        )
                        % result.as_dict(),
                    )
                    return redirect(targets_url(default_region(user=request.user), result.year))
        return render(
            request, "reporting/steering/targets_import.html", {"form": form, "errors": errors}, status=400
        )


class TargetTemplateView(CanlianView):
    """The plan sheet's template: the region and its sub-regions × the visible indicators, with the
    targets already set for the year filled in (?region=&year=)."""

    required_permission = Perm.STEERING_TARGETS

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TargetsFilterForm(request.GET or None, request=request)
        region_code, year = form.values(default_region(user=request.user))
        check_region(user=request.user, region_code=region_code)
        indicators = indicators_visible(user=request.user)
        regions: list[tuple[str, str]] = []
        if region_code:
            own = Region.objects.filter(code=region_code).values_list("code", "name").first()
            if own is not None:
                regions.append(own)
        regions += [(c.code, c.name) for c in child_regions(region_code)]
        existing = {
            (t.region_code, t.indicator): t
            for t in targets_visible(user=request.user, year=year).filter(
                region_code__in=[c for c, _n in regions]
            )
        }
        rows = []
        with translation.override("zh-hans"):
            for code, name in regions:
                for indicator in indicators:
                    target = existing.get((code, indicator.code))
                    rows.append(
                        [
                            code,
                            name,
                            indicator.code,
                            str(indicator.name),
                            actions.display_value(indicator, target.value) if target else "",
                            target.note if target else "",
                        ]
                    )
        data, _count = xlsx_bytes([Sheet(title=f"{year}年目标", header=actions.TEMPLATE_HEADER, rows=rows)])
        return FileResponse(
            io.BytesIO(data),
            as_attachment=True,
            filename=f"targets-{region_code or 'national'}-{year}.xlsx",
            content_type=XLSX,
        )
