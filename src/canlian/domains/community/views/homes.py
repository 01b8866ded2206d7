"""Pages of homes: the overview, the homes list and profile, members (enrol, end, import, export),
the tablet sign-in page and the attendance upload, services delivered, township coverage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.core.permissions import Perm
from canlian.domains.community import actions, exports, imports, selectors
from canlian.domains.community.forms import (
    AttendanceUploadForm,
    EndForm,
    HomeForm,
    MemberForm,
    ServiceForm,
)
from canlian.domains.community.models import (
    Home,
    HomeAttendance,
    HomeFunction,
    HomeMember,
    WageLine,
)
from canlian.domains.community.views._base import FormPage, ImportPageView, day_of, download, person_id_for
from canlian.domains.community.views.page import Cell, Table, page
from canlian.platform.access import may, scope_roots
from canlian.platform.errors import DomainError, NotFound, PermissionDenied
from canlian.platform.views import CanlianView

VIEW, RECORD, MANAGE = Perm.COMMUNITY_VIEW, Perm.COMMUNITY_RECORD, Perm.COMMUNITY_MANAGE


def _home(user: Any, home_id: int, action: str = VIEW) -> Home:
    return Home.objects.select_related("institution").get_for_user(user, action, pk=home_id)


def _function_choices() -> list[tuple[str, str]]:
    return [(f.code, _(f.name)) for f in HomeFunction.objects.all()]


def overview_figures(user: Any, region_code: str, today: dt.date) -> tuple[list[tuple[str, Any]], str]:
    """The overview's figures and the sentence a report states ("截至…，建成残疾人之家…")."""
    year_start, month_start = today.replace(month=1, day=1), today.replace(day=1)
    homes = selectors.homes_visible(user, region_code)
    rows = selectors.township_coverage(user, region_code=region_code, on=today)
    covered, total = selectors.coverage_rate(rows)
    built = homes.filter(opened_on__gte=year_start, opened_on__lte=today).count()
    members = (
        selectors.members_visible(user)
        .filter(region_code__startswith=region_code, ends_on__isnull=True)
        .count()
    )
    days = selectors.day_care_days(user, region_code=region_code, start=year_start, end=today)
    month_days = selectors.day_care_days(user, region_code=region_code, start=month_start, end=today)
    residents = dict(
        selectors.residents_visible(user, current=True)
        .filter(region_code__startswith=region_code)
        .values_list("mode")
        .annotate(n=Count("id"))
        .order_by()
    )
    workers = (
        selectors.workers_visible(user).filter(region_code__startswith=region_code, status="active").count()
    )
    wages = (
        selectors._scoped(WageLine, user)
        .filter(region_code__startswith=region_code, status="paid", sheet__month__gte=year_start)
        .aggregate(total=Sum("amount"), n=Count("id"))
    )
    paid, months = wages["total"] or 0, wages["n"] or 0
    average = (paid / months).quantize(paid.__class__("0.01")) if months else 0
    rate = f"{covered * 100 / total:.1f}%" if total else "—"
    figures = [
        (_("Homes"), homes.count()),
        (_("Homes built this year"), built),
        (_("Townships with a home"), f"{covered} / {total} ({rate})"),
        (_("Home members"), members),
        (_("Day-care days this year"), days),
        (_("Day-care days this month"), month_days),
        (_("People in residential care"), residents.get("residential", 0)),
        (_("People in day care centres (托养)"), residents.get("day", 0)),
        (_("People in home care"), residents.get("home", 0)),
        (_("People in assisted employment"), workers),
        (_("Wages paid this year"), paid),
        (_("Average monthly wage"), average),
        (_("Projects in the library"), selectors.projects_visible(user).filter(status="active").count()),
    ]
    sentence = _(
        "As of %(day)s: %(homes)s homes (%(built)s built this year) cover %(covered)s of %(total)s townships (%(rate)s); "
        "%(members)s members, %(days)s day-care days this year; %(care)s people in care; %(workers)s people in assisted "
        "employment paid %(paid)s yuan, on average %(average)s yuan a month."
    ) % {
        "day": today,
        "homes": figures[0][1],
        "built": built,
        "covered": covered,
        "total": total,
        "rate": rate,
        "members": members,
        "days": days,
        "care": sum(residents.values()),
        "workers": workers,
        "paid": paid,
        "average": average,
    }
    return figures, sentence


def _home_url(home_id: int) -> str:
    return reverse("community:home-detail", kwargs={"home_id": home_id})


class IndexView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        roots = scope_roots(request.user, VIEW)
        region = request.GET.get("region", "") or (roots[0] if roots else "")
        if region and not may(request.user, VIEW, region):
            region = roots[0] if roots else ""
        figures, sentence = overview_figures(request.user, region, timezone.localdate())
        return page(
            request,
            _("Community services"),
            figures=figures,
            sentence=sentence,
            intro=_("Homes (3+N), care (托养) and assisted employment in your region."),
        )


class HomeListView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        homes = (
            selectors.homes_visible(request.user)
            .annotate(n_members=Count("members", filter=Q(members__ends_on__isnull=True)))
            .order_by("region_code", "institution__name")[:500]
        )
        table = Table(
            _("Homes"),
            [
                _("Home"),
                _("Township"),
                _("Construction model"),
                _("Opened on"),
                _("Capacity"),
                _("Members"),
                _("Active"),
            ],
            empty=_("No homes yet."),
            testid="home-table",
        )
        for h in homes:
            active = h.opened_on <= today and (h.closed_on is None or h.closed_on >= today)
            table.add(
                Cell(h.institution.name, _home_url(h.pk)),
                h.region_code,
                h.get_construction_model_display(),
                h.opened_on,
                h.capacity,
                h.n_members,
                _("yes") if active else _("no"),
            )
        links = [(_("Export members"), reverse("community:member-export"))]
        if request.user.has_canlian_perm(MANAGE):
            links.insert(0, (_("New home"), reverse("community:home-create")))
        return page(request, _("Homes"), tables=[table], links=links)


class HomeCreateView(FormPage):
    required_permission = MANAGE
    block_title = gettext_lazy("Home")
    success_message = gettext_lazy("Home saved.")

    def title(self) -> str:
        return _("New home")

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return HomeForm(data, functions=_function_choices())

    def act(self, data: dict[str, Any]) -> Home:
        return actions.home_create(
            actor=self.request.user,
            name=data["name"],
            code=data["code"],
            region_code=data["region_code"],
            construction_model=data["construction_model"],
            opened_on=data["opened_on"],
            capacity=data["capacity"],
            staff_count=data["staff_count"],
            functions=data["functions"],
            demonstration=data["demonstration"],
        )

    def get_success_url(self, result: Any) -> str:
        return _home_url(result.pk)


class HomeDetailView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest, home_id: int) -> HttpResponse:
        home = _home(request.user, home_id)
        today = timezone.localdate()
        month_start = today.replace(day=1)
        functions = ", ".join(str(_(f.name)) for f in home.functions.all())
        members = selectors.members_visible(request.user, home=home).order_by("-ends_on", "person__name")[
            :300
        ]
        days = dict(
            HomeAttendance.objects.filter(member__home=home, on__gte=month_start)
            .values_list("member_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        can_record = may(request.user, RECORD, home.region_code, home.institution_id)
        mt = Table(
            _("Members"),
            [_("Name"), _("ID number"), _("Member from"), _("Member until"), _("Days this month"), ""],
            testid="member-table",
        )
        for m in members:
            end = (
                Cell(_("End"), reverse("community:member-end", kwargs={"home_member_id": m.pk}))
                if can_record and m.ends_on is None
                else ""
            )
            mt.add(
                Cell(m.person.name, reverse("registry:person-detail", kwargs={"person_id": m.person_id})),
                Cell(m.person.masked_id, mono=True),
                m.starts_on,
                m.ends_on or "",
                days.get(m.pk, 0),
                end,
            )
        st = Table(
            _("Services delivered"), [_("Date"), _("Function"), _("What"), _("Quantity"), _("Participants")]
        )
        for s in home.services.select_related("function").order_by("-on", "-id")[:50]:
            st.add(s.on, _(s.function.name), s.title, s.quantity, s.participants)
        at = Table(_("Star assessments"), [_("Year"), _("Weighted score"), _("Stars"), _("Status")])
        for a in home.assessments.order_by("-year"):
            at.add(
                Cell(a.year, reverse("community:assessment-detail", kwargs={"star_assessment_id": a.pk})),
                a.total_score,
                "★" * a.stars,
                a.get_status_display(),
            )
        sub = Table(
            _("Institution subsidies"),
            [_("Year"), _("Subsidy"), _("Basis"), _("Amount"), _("Status")],
            testid="home-subsidies",
        )
        for line in selectors.subsidy_lines_visible(request.user, institution=home.institution).order_by(
            "-year", "kind"
        ):
            sub.add(
                line.year,
                line.get_kind_display(),
                line.basis,
                line.amount,
                Cell(
                    line.batch.get_status_display(),
                    reverse("community:subsidy-detail", kwargs={"inst_subsidy_batch_id": line.batch_id}),
                ),
            )
        links = [
            (
                _("Subsidies"),
                reverse(
                    "community:subsidy-institution", kwargs={"subsidy_institution_id": home.institution_id}
                ),
            )
        ]
        if can_record:
            links += [
                (_("Daily sign-in"), reverse("community:attendance-tablet", kwargs={"home_id": home.pk})),
                (_("Upload attendance"), reverse("community:attendance-upload", kwargs={"home_id": home.pk})),
                (_("Enrol a member"), reverse("community:member-create", kwargs={"home_id": home.pk})),
                (_("Import members"), reverse("community:member-import", kwargs={"home_id": home.pk})),
                (_("Record a service"), reverse("community:service-create", kwargs={"home_id": home.pk})),
            ]
        if may(request.user, MANAGE, home.region_code):
            links.append(
                (_("Star assessment"), reverse("community:assessment-create", kwargs={"home_id": home.pk}))
            )
        figures = [
            (_("Township"), home.region_code),
            (_("Construction model"), home.get_construction_model_display()),
            (_("Opened on"), home.opened_on),
            (_("Capacity"), home.capacity),
            (_("Staff"), home.staff_count),
            (_("Functions"), functions or "—"),
            (_("Demonstration site"), _("yes") if home.demonstration else _("no")),
        ]
        return page(request, home.institution.name, figures=figures, tables=[mt, st, at, sub], links=links)


class _HomeForm(FormPage):
    """A form of one home (``home_id``) on its own page; done, the home's page."""

    required_permission = RECORD

    @cached_property
    def home(self) -> Home:
        return _home(self.request.user, self.kwargs["home_id"], RECORD)

    def get_success_url(self, result: Any) -> str:
        return _home_url(self.home.pk)


class MemberCreateView(_HomeForm):
    block_title, submit = gettext_lazy("Member"), gettext_lazy("Enrol")
    intro = gettext_lazy(
        "Members are intellectually, mentally or severely physically disabled people (the rule list in force)."
    )
    success_message = gettext_lazy("Member enrolled.")

    def title(self) -> str:
        return _("Enrol a member: %(home)s") % {"home": self.home.institution.name}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return MemberForm(data, initial={"starts_on": timezone.localdate()})

    def act(self, data: dict[str, Any]) -> Any:
        return actions.member_enrol(
            actor=self.request.user,
            home_id=self.home.pk,
            person_id=person_id_for(self.request.user, data["id_number"]),
            starts_on=data["starts_on"],
        )


class MemberEndView(FormPage):
    required_permission = RECORD
    block_title = gettext_lazy("End")
    success_message = gettext_lazy("Membership ended.")

    @cached_property
    def member(self) -> HomeMember:
        return HomeMember.objects.select_related("person").get_for_user(
            self.request.user, RECORD, pk=self.kwargs["home_member_id"]
        )

    def title(self) -> str:
        return _("End the membership of %(name)s") % {"name": self.member.person.name}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return EndForm(data, initial={"ends_on": timezone.localdate()})

    def act(self, data: dict[str, Any]) -> Any:
        return actions.member_end(
            actor=self.request.user, member_id=self.member.pk, ends_on=data["ends_on"], reason=data["reason"]
        )

    def get_success_url(self, result: Any) -> str:
        return _home_url(self.member.home_id)


class MemberImportView(ImportPageView, _HomeForm):
    intro = gettext_lazy("Columns: 身份证号, 姓名, 入会日期. If any row is wrong nothing is saved.")

    def title(self) -> str:
        return _("Import members: %(home)s") % {"home": self.home.institution.name}

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        return imports.members_import(actor=self.request.user, home_id=self.home.pk, path=path, name=name)

    def get_success_message(self, result: Any) -> str:
        return _("%(n)s members enrolled.") % {"n": result}


class MemberExportView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        return download(exports.members_xlsx(request.user), "members.xlsx")


# --- attendance ------------------------------------------------------------------------------------


class AttendanceTabletView(CanlianView):
    """A home's members on a day, big tap targets: a tap toggles the sign-in (htmx returns the tile)."""

    required_permission = RECORD

    def get(self, request: HttpRequest, home_id: int) -> HttpResponse:
        home = _home(request.user, home_id, RECORD)
        day = day_of(request.GET.get("on"))
        today = timezone.localdate()
        members = list(selectors.members_on(home, day))
        signed = set(
            HomeAttendance.objects.filter(member__home=home, on=day).values_list("member_id", flat=True)
        )
        rows = [{"member": m, "signed": m.pk in signed} for m in members]
        return render(
            request,
            "community/attendance_tablet.html",
            {
                "home": home,
                "day": day,
                "rows": rows,
                "signed": len(signed),
                "today": today,
                "future": day > today,
                "prev_day": day - dt.timedelta(days=1),
                "next_day": day + dt.timedelta(days=1) if day < today else None,
                "toggle_url": reverse("community:attendance-tablet", kwargs={"home_id": home.pk}),
            },
        )

    def post(self, request: HttpRequest, home_id: int) -> HttpResponse:
        home = _home(request.user, home_id, RECORD)
        day = day_of(request.POST.get("on"))
        try:
            member = HomeMember.objects.select_related("person").get(
                pk=int(request.POST.get("member", "")), home=home
            )
        except (HomeMember.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound() from exc
        error = ""
        try:
            signed = actions.attendance_toggle(actor=request.user, member_id=member.pk, day=day)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            error = exc.errors[0].message if getattr(exc, "errors", None) else exc.message
            signed = False
        if request.htmx:
            return render(
                request,
                "community/attendance_tablet.html#row",
                {
                    "row": {"member": member, "signed": signed},
                    "day": day,
                    "home": home,
                    "error": error,
                    "toggle_url": reverse("community:attendance-tablet", kwargs={"home_id": home.pk}),
                },
                status=400 if error else 200,
            )
        if error:
            messages.error(request, error)
        return redirect(
            reverse("community:attendance-tablet", kwargs={"home_id": home.pk}) + f"?on={day.isoformat()}"
        )


class AttendanceAllView(CanlianView):
    required_permission = RECORD
    http_method_names = ["post"]

    def post(self, request: HttpRequest, home_id: int) -> HttpResponse:
        home = _home(request.user, home_id, RECORD)
        day = day_of(request.POST.get("on"))
        try:
            added = actions.attendance_bulk(actor=request.user, home_id=home.pk, day=day)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s members signed in.") % {"n": added})
        return redirect(
            reverse("community:attendance-tablet", kwargs={"home_id": home.pk}) + f"?on={day.isoformat()}"
        )


class AttendanceUploadView(MemberImportView):
    form_class = AttendanceUploadForm
    testid = "attendance-upload-form"
    intro = gettext_lazy(
        "Either one row per member and day with the columns 身份证号, 姓名 and 日期, or a month grid: 身份证号, 姓名, then the columns 1 to 31 with a mark (√) on each day attended. If any row is wrong nothing is saved; days already recorded are skipped."
    )

    def title(self) -> str:
        return _("Upload attendance: %(home)s") % {"home": self.home.institution.name}

    def links(self) -> list[tuple[Any, str]]:
        return [(_("Sign-in page"), reverse("community:attendance-tablet", kwargs={"home_id": self.home.pk}))]

    def run(self, path: str, name: str, data: dict[str, Any]) -> Any:
        return imports.attendance_import(
            actor=self.request.user, home_id=self.home.pk, path=path, name=name, month=data["month"] or None
        )

    def get_success_message(self, result: Any) -> str:
        return _("%(rows)s member-days read: %(added)s recorded, %(skipped)s already recorded.") % result

    def get_success_url(self, result: Any) -> str:
        return reverse("community:attendance-upload", kwargs={"home_id": self.home.pk})


class ServiceCreateView(_HomeForm):
    block_title = gettext_lazy("Service")
    success_message = gettext_lazy("Service recorded.")

    def title(self) -> str:
        return _("Record a service: %(home)s") % {"home": self.home.institution.name}

    def get_form(self, data: Any = None, files: Any = None) -> Any:
        return ServiceForm(
            data,
            functions=[(f.code, _(f.name)) for f in self.home.functions.all()],
            initial={"on": timezone.localdate()},
        )

    def act(self, data: dict[str, Any]) -> Any:
        return actions.service_record(
            actor=self.request.user,
            home_id=self.home.pk,
            function=data["function"],
            on=data["on"],
            title=data["title"],
            quantity=data["quantity"],
            participants=data["participants"],
        )


class CoverageView(CanlianView):
    """Every township of the region with or without an active home."""

    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        roots = scope_roots(request.user, VIEW)
        region = request.GET.get("region", "")
        if not region or not may(request.user, VIEW, region):
            region = roots[0] if roots else "-"
        today = timezone.localdate()
        rows = (
            selectors.township_coverage(request.user, region_code=region, on=today) if region != "-" else []
        )
        covered, total = selectors.coverage_rate(rows)
        table = Table(
            _("Townships"),
            [_("Township"), _("Code"), _("County"), _("Active homes")],
            testid="coverage-table",
        )
        for r in sorted(rows, key=lambda r: (r.homes > 0, r.code)):
            table.add(r.name, Cell(r.code, mono=True), r.county, r.homes or Cell(_("none")))
        figures = [
            (_("Townships"), total),
            (_("With an active home"), covered),
            (_("Without"), total - covered),
            (_("Coverage"), f"{covered * 100 / total:.1f}%" if total else "—"),
        ]
        return page(request, _("Township coverage"), figures=figures, tables=[table])
