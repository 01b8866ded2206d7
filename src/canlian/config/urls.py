from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from canlian.core.permissions import Perm
from canlian.domains.care import urls as care_urls
from canlian.reporting import urls_cadence as cadence_urls
from canlian.web import views as web_views


class SchemaView(SpectacularAPIView):
    required_permission = Perm.API_DOCS


class DocsView(SpectacularSwaggerSplitView):
    """The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script."""

    required_permission = Perm.API_DOCS


def handler404(request, exception=None):  # type: ignore[no-untyped-def]
    """/api/ URLs that match no route answer with the JSON error; pages with Django's 404 page."""
    from django.views.defaults import page_not_found

    from canlian.platform.api import api_error_page

    if request.path.startswith("/api/"):
        return api_error_page(request, 404, "not_found", "Not found.")
    return page_not_found(request, exception)


def handler400(request, exception=None):  # type: ignore[no-untyped-def]
    """A request Django itself refuses (too many fields, a suspicious operation) before any view."""
    from django.views.defaults import bad_request

    from canlian.platform.api import api_error_page

    if request.path.startswith("/api/"):
        return api_error_page(request, 400, "bad_request", "The request cannot be read.")
    return bad_request(request, exception)


def handler500(request):  # type: ignore[no-untyped-def]
    from django.views.defaults import server_error

    from canlian.platform.api import api_error_page

    if request.path.startswith("/api/"):
        return api_error_page(request, 500, "server_error", "An unexpected error occurred.")
    return server_error(request)


def _perm_api(view_cls):  # type: ignore[no-untyped-def]
    from canlian.platform.api import HasCanlianPermission

    view_cls.permission_classes = [HasCanlianPermission]
    return view_cls


urlpatterns = [
    path("", web_views.HomeView.as_view(), name="home"),
    path(
        "login/",
        web_views.LoginView.as_view(extra_context={"limit": settings.AXES_FAILURE_LIMIT}),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", web_views.PasswordChangeView.as_view(), name="password-change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", web_views.healthz, name="healthz"),
    path("regions/", include("canlian.core.regions.urls")),
    path("registry/", include("canlian.core.registry.urls")),
    path("programs/", include("canlian.programs.urls")),
    path("subsidies/", include("canlian.domains.subsidies.urls")),
    # The cadence pages read care and petitions, so they live in reporting (above the domains); they
    # keep their "care:" names and paths under /care/. Joined here, at the top, so no lower layer
    # names a higher one.
    path("care/", include((care_urls.urlpatterns + cadence_urls.urlpatterns, "care"))),
    path("petitions/", include("canlian.domains.petitions.urls")),
    path("institutions/", include("canlian.core.institutions.urls")),
    path("rehab/", include("canlian.domains.rehab.urls")),
    path("supervision/", include("canlian.domains.supervision.urls")),
    path("community/", include("canlian.domains.community.urls")),
    path("services/", include("canlian.domains.rehabservices.urls")),
    path("education/", include("canlian.domains.education.urls")),
    path("employment/", include("canlian.domains.employment.urls")),
    path("matching/", include("canlian.domains.matching.urls")),
    path("outreach/", include("canlian.domains.outreach.urls")),
    path("reports/", include("canlian.reporting.urls")),
    path("steering/", include("canlian.reporting.steering.urls")),
    path("users/", include("canlian.core.accounts.urls")),
    path("audit/", include("canlian.core.audit.urls")),
    path("jobs/", include("canlian.core.jobs.urls")),
    path("calendar/", include("canlian.core.calendar.urls")),
    path("api/v1/", include(("canlian.config.api", "api"), namespace="api")),
    path("api/schema/", _perm_api(SchemaView).as_view(), name="api-schema"),
    path("api/docs/", _perm_api(DocsView).as_view(url_name="api-schema"), name="api-docs"),
]
