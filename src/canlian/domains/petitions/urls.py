"""Pages of petitions (namespace "petitions")."""

from django.urls import path  # noqa: F401

app_name = "petitions"
urlpatterns: list = []
