"""Pages of employment and social security (namespace "employment")."""

from django.urls import path  # noqa: F401

app_name = "employment"
urlpatterns: list = []
