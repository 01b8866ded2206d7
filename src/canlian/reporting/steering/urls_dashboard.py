"""Steering pages (see urls.py)."""

urlpatterns: list = []
