"""Pages of reporting (namespace "reporting")."""

from django.urls import path

from canlian.reporting import views

app_name = "reporting"
urlpatterns = [
    path("rehab/", views.RehabFiguresView.as_view(), name="rehab"),
    path("rehab/export/", views.RehabFiguresExportView.as_view(), name="rehab-export"),
]
