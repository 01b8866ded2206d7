"""The cadence pages (included into the "care" namespace by care/urls.py)."""

from django.urls import path

from canlian.domains.care import views_cadence as views

urlpatterns = [
    path("weekly/", views.WeeklyView.as_view(), name="weekly"),
    path("monthly/", views.MonthlyView.as_view(), name="monthly"),
    path("bulletin/", views.BulletinView.as_view(), name="bulletin"),
    path("yearly/", views.YearlyView.as_view(), name="yearly"),
    path("ledger/export/", views.LedgerExportView.as_view(), name="ledger-export"),
]
