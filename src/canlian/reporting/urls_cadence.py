"""The cadence pages (joined to the "care" namespace by config/urls.py, so their names and paths
stay ``care:weekly`` … under /care/)."""

from django.urls import path

from canlian.reporting import views_cadence as views

urlpatterns = [
    path("weekly/", views.WeeklyView.as_view(), name="weekly"),
    path("monthly/", views.MonthlyView.as_view(), name="monthly"),
    path("bulletin/", views.BulletinView.as_view(), name="bulletin"),
    path("yearly/", views.YearlyView.as_view(), name="yearly"),
    path("ledger/export/", views.LedgerExportView.as_view(), name="ledger-export"),
]
