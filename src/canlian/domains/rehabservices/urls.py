"""Pages of rehabilitation services (namespace "rehabservices", mounted at /services/)."""

from django.urls import path

from canlian.domains.rehabservices import views

app_name = "rehabservices"
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    # needs survey (精准康复)
    path("surveys/", views.SurveyListView.as_view(), name="survey-list"),
    path("surveys/new/", views.SurveyCreateView.as_view(), name="survey-new"),
    path("surveys/import/", views.SurveyImportView.as_view(), name="survey-import"),
    path("surveys/export/", views.SurveyExportView.as_view(), name="survey-export"),
    path("surveys/<int:needs_survey_id>/", views.SurveyDetailView.as_view(), name="survey-detail"),
    path("surveys/<int:needs_survey_id>/service/", views.ServiceCreateView.as_view(), name="service-new"),
    path("unmet/", views.UnmetNeedsView.as_view(), name="unmet"),
    # assistive devices
    path("devices/", views.FittingListView.as_view(), name="fitting-list"),
    path("devices/new/", views.FittingCreateView.as_view(), name="fitting-new"),
    path("devices/export/", views.FittingExportView.as_view(), name="fitting-export"),
    path("devices/catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path("devices/catalogue/standard/", views.StandardSaveView.as_view(), name="standard-save"),
    path("devices/<int:device_fitting_id>/", views.FittingDetailView.as_view(), name="fitting-detail"),
    path(
        "devices/<int:device_fitting_id>/deliver/", views.FittingDeliverView.as_view(), name="fitting-deliver"
    ),
    # home accessibility modification
    path("modifications/", views.ProjectListView.as_view(), name="modification-list"),
    path("modifications/new/", views.ProjectCreateView.as_view(), name="modification-new"),
    path("modifications/export/", views.ProjectExportView.as_view(), name="modification-export"),
    path("modifications/report/", views.ReportView.as_view(), name="report"),
    path("modifications/report/xlsx/", views.ReportXlsxView.as_view(), name="report-xlsx"),
    path("modifications/report/docx/", views.ReportDocxView.as_view(), name="report-docx"),
    path(
        "modifications/<int:modification_id>/", views.ProjectDetailView.as_view(), name="modification-detail"
    ),
    path(
        "modifications/<int:modification_id>/step/", views.ProjectStepView.as_view(), name="modification-step"
    ),
    path(
        "modifications/<int:modification_id>/photos/<int:modification_photo_id>/",
        views.ProjectPhotoView.as_view(),
        name="modification-photo",
    ),
    path("batches/", views.BatchListView.as_view(), name="batch-list"),
    path("batches/new/", views.BatchGenerateView.as_view(), name="batch-generate"),
    path("batches/<int:contractor_batch_id>/", views.BatchDetailView.as_view(), name="batch-detail"),
    path(
        "batches/<int:contractor_batch_id>/approve/", views.BatchApproveView.as_view(), name="batch-approve"
    ),
    path("batches/<int:contractor_batch_id>/paid/", views.BatchPaidView.as_view(), name="batch-paid"),
    # health services
    path("health/", views.HealthCoverageView.as_view(), name="health"),
    path("health/import/", views.HealthImportView.as_view(), name="health-import"),
    path("health/applications/", views.HealthListView.as_view(), name="health-list"),
    path("health/applications/new/", views.HealthCreateView.as_view(), name="health-new"),
    path(
        "health/applications/<int:health_application_id>/",
        views.HealthDetailView.as_view(),
        name="health-detail",
    ),
    path(
        "health/applications/<int:health_application_id>/step/",
        views.HealthStepView.as_view(),
        name="health-step",
    ),
]
