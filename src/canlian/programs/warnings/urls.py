"""Pages of the program engine: warnings and gaps (included into the "programs" namespace)."""

from django.urls import path

from canlian.programs.warnings import views

urlpatterns = [
    path("warnings/", views.WarningIndexView.as_view(), name="warnings"),
    path("warnings/<slug:program_code>/", views.WarningListView.as_view(), name="warning-list"),
    path("warnings/stop/<int:enrollment_id>/", views.WarningStopView.as_view(), name="warning-stop"),
    path("gaps/<slug:program_code>/", views.GapListView.as_view(), name="gap-list"),
]
