"""Pages of rehabilitation services (namespace "rehabservices")."""

from django.urls import path  # noqa: F401

app_name = "rehabservices"
urlpatterns: list = []
