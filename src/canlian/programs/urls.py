"""The program engine's pages, under /programs/ (namespace "programs")."""

from django.urls import include, path

app_name = "programs"
urlpatterns = [
    path("", include("canlian.programs.urls_rules")),
    path("", include("canlian.programs.urls_enrollments")),
    path("", include("canlian.programs.urls_cycles")),
    path("", include("canlian.programs.urls_warnings")),
    path("", include("canlian.programs.urls_recoveries")),
]
