"""The program engine's pages, under /programs/ (namespace "programs")."""

from django.urls import include, path

app_name = "programs"
urlpatterns = [
    path("", include("canlian.programs.rules.urls")),
    path("", include("canlian.programs.enrollments.urls")),
    path("", include("canlian.programs.cycles.urls")),
    path("", include("canlian.programs.warnings.urls")),
    path("", include("canlian.programs.recoveries.urls")),
]
