"""Pages of volunteers, donations and cases (namespace "outreach")."""

from django.urls import path  # noqa: F401

app_name = "outreach"
urlpatterns: list = []
