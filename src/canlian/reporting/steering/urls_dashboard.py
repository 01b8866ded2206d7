"""Steering pages (see urls.py): the dashboard, one indicator with its sub-regions, the records
behind a figure, and the refresh button."""

from django.urls import path

from canlian.reporting.steering import views_dashboard as views

urlpatterns: list = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("indicator/<str:indicator_code>/", views.IndicatorView.as_view(), name="indicator"),
    path("indicator/<str:indicator_code>/records/", views.RecordsView.as_view(), name="records"),
]
