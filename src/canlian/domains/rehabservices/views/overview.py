"""The overview of rehabilitation services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from canlian.domains.rehabservices import selectors
from canlian.domains.rehabservices.choices import (
    FittingStatus,
    ModStatus,
)
from canlian.domains.rehabservices.views._common import (
    VIEW,
    _year,
)
from canlian.platform.views import CanlianView


class OverviewView(CanlianView):
    required_permission = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.db.models import Count, Q

        year = _year(request)
        user = request.user
        surveys = selectors.surveys_for(user, year=year)
        figures = surveys.order_by().aggregate(total=Count("pk"), none=Count("pk", filter=Q(no_needs=True)))
        with_needs = surveys.filter(no_needs=False).count()
        served = selectors.surveys_for(user, year=year, state="served").count()
        projects = dict(
            selectors.projects_for(user, year=year).order_by().values_list("status").annotate(n=Count("pk"))
        )
        context = {
            "year": year,
            "surveys": figures["total"],
            "with_needs": with_needs,
            "served": served,
            "rate": round(served * 100 / with_needs, 1) if with_needs else None,
            "unmet": selectors.unmet_needs_for(user, year=year).count(),
            "fittings": selectors.fittings_for(user, status=FittingStatus.DELIVERED)
            .filter(year=year)
            .count(),
            "due": selectors.fittings_for(user, due_within=90).count(),
            "projects": [(s, label, projects.get(s, 0)) for s, label in ModStatus.choices],
            "overdue": selectors.overdue_projects(user).count(),
            "applications": selectors.health_applications_for(user, year=year).count(),
        }
        return render(request, "rehabservices/overview.html", context)
