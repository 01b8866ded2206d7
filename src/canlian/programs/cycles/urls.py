"""Pages of the program engine: cycles (included into the "programs" namespace)."""

from django.urls import path

from canlian.programs.cycles import views

urlpatterns: list = [
    path("cycles/", views.CycleListView.as_view(), name="cycle-list"),
    path("cycles/generate/", views.CycleGenerateView.as_view(), name="cycle-generate"),
    path("cycles/<int:cycle_id>/", views.CycleDetailView.as_view(), name="cycle-detail"),
    path("cycles/<int:cycle_id>/approve/", views.CycleApproveView.as_view(), name="cycle-approve"),
    path("cycles/<int:cycle_id>/export/", views.CycleExportView.as_view(), name="cycle-export"),
    path("cycles/<int:cycle_id>/results/", views.CycleResultsView.as_view(), name="cycle-results"),
    path("lines/<int:line_id>/", views.LineDetailView.as_view(), name="line-detail"),
]
