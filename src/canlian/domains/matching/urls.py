"""Pages of data comparison (namespace "matching")."""

from django.urls import path

from canlian.domains.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.FindingListView.as_view(), name="finding-list"),
    path("findings/<int:finding_id>/", views.FindingDetailView.as_view(), name="finding-detail"),
    path("findings/<int:finding_id>/resolve/", views.FindingResolveView.as_view(), name="finding-resolve"),
    path("lists/", views.UploadListView.as_view(), name="upload-list"),
    path("lists/new/", views.UploadCreateView.as_view(), name="upload-create"),
    path("lists/<int:list_upload_id>/", views.UploadDetailView.as_view(), name="upload-detail"),
    path("lists/<int:list_upload_id>/run/", views.UploadRunView.as_view(), name="upload-run"),
    path("lists/jobs/<int:list_job_id>/", views.UploadJobView.as_view(), name="upload-job"),
    path("rules/", views.RuleListView.as_view(), name="rule-list"),
    path("rules/new/", views.RuleCreateView.as_view(), name="rule-create"),
    path("monitoring/", views.CaseListView.as_view(), name="case-list"),
    path("monitoring/new/", views.CaseCreateView.as_view(), name="case-create"),
    path("monitoring/<int:monitoring_case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("monitoring/<int:monitoring_case_id>/visit/", views.CaseVisitView.as_view(), name="case-visit"),
    path(
        "monitoring/<int:monitoring_case_id>/measure/", views.CaseMeasureView.as_view(), name="case-measure"
    ),
    path("monitoring/<int:monitoring_case_id>/exit/", views.CaseExitView.as_view(), name="case-exit"),
]
