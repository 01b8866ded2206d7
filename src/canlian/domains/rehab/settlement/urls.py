"""Settlement pages (included by rehab/urls.py, namespace "rehab")."""

from django.urls import path

from canlian.domains.rehab.settlement import views

urlpatterns = [
    path("settlement/rules/", views.RuleListView.as_view(), name="settlement-rule-list"),
    path("settlement/rules/new/", views.RuleCreateView.as_view(), name="settlement-rule-create"),
    path("settlement/batches/", views.BatchListView.as_view(), name="settlement-batch-list"),
    path("settlement/batches/generate/", views.BatchGenerateView.as_view(), name="settlement-batch-generate"),
    path(
        "settlement/batches/generate-region/",
        views.BatchGenerateRegionView.as_view(),
        name="settlement-batch-generate-region",
    ),
    path(
        "settlement/batches/<int:batch_id>/", views.BatchDetailView.as_view(), name="settlement-batch-detail"
    ),
    path(
        "settlement/batches/<int:batch_id>/approve/",
        views.BatchApproveView.as_view(),
        name="settlement-batch-approve",
    ),
    path(
        "settlement/batches/<int:batch_id>/paid/", views.BatchPaidView.as_view(), name="settlement-batch-paid"
    ),
    path(
        "settlement/batches/<int:batch_id>/export/",
        views.BatchExportView.as_view(),
        name="settlement-batch-export",
    ),
]
