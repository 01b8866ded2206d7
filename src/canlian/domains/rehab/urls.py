"""Pages of children's rehabilitation (namespace "rehab"). Settlement pages live in urls_settlement."""

from django.urls import include, path

app_name = "rehab"
urlpatterns: list = [
    path("", include("canlian.domains.rehab.urls_settlement")),
]
