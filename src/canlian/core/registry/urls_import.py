"""The ledger import pages, included into the registry's URLs (namespace "registry")."""

from django.urls import path

from canlian.core.registry import views_import

urlpatterns = [
    path("persons/import/", views_import.PersonImportView.as_view(), name="import"),
    path(
        "persons/import/template.xlsx",
        views_import.PersonImportTemplateView.as_view(),
        name="import_template",
    ),
    path("persons/import/mapping/", views_import.PersonImportMappingView.as_view(), name="import_mapping"),
    path(
        "persons/import/jobs/<int:import_job_id>/",
        views_import.PersonImportJobView.as_view(),
        name="import_job",
    ),
    path(
        "persons/import/jobs/<int:import_job_id>/rejected.xlsx",
        views_import.PersonImportRejectedView.as_view(),
        name="import_rejected",
    ),
    path(
        "persons/import/jobs/<int:import_job_id>/rejected.csv",
        views_import.PersonImportRejectedCsvView.as_view(),
        name="import_rejected_csv",
    ),
]
