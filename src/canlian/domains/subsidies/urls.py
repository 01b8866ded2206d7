"""The two subsidies' own pages, under /subsidies/ (namespace "subsidies")."""

from django.urls import path

from canlian.domains.subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("statistics/export/", views.StatisticsExportView.as_view(), name="statistics-export"),
]
