"""Pages of institutions (namespace "institutions")."""

from django.urls import path

from canlian.core.institutions import views, views_staff, views_training

app_name = "institutions"
urlpatterns = [
    path("", views.InstitutionListView.as_view(), name="institution-list"),
    path("new/", views.InstitutionCreateView.as_view(), name="institution-create"),
    path("<int:institution_id>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    path("<int:institution_id>/edit/", views.InstitutionEditView.as_view(), name="institution-edit"),
    path("<int:institution_id>/status/", views.InstitutionStatusView.as_view(), name="institution-status"),
    path(
        "<int:institution_id>/qualifications/",
        views.QualificationAddView.as_view(),
        name="qualification-add",
    ),
    path("<int:institution_id>/agreements/", views.AgreementAddView.as_view(), name="agreement-add"),
    path("<int:institution_id>/staff/new/", views.StaffAddView.as_view(), name="staff-add"),
    path("staff/", views_staff.StaffListView.as_view(), name="staff-list"),
    path("staff/<int:staff_id>/", views_staff.StaffDetailView.as_view(), name="staff-detail"),
    path("staff/<int:staff_id>/edit/", views_staff.StaffEditView.as_view(), name="staff-edit"),
    path("staff/<int:staff_id>/leave/", views_staff.StaffLeaveView.as_view(), name="staff-leave"),
    path("staff/<int:staff_id>/sign-in/", views_staff.StaffSignInView.as_view(), name="staff-sign-in"),
    path(
        "staff/<int:staff_id>/certificates/",
        views_staff.CertificateIssueView.as_view(),
        name="certificate-issue",
    ),
    path("certificates/", views_staff.CertificateListView.as_view(), name="certificate-list"),
    path(
        "certificates/<int:staff_certificate_id>/revoke/",
        views_staff.CertificateRevokeView.as_view(),
        name="certificate-revoke",
    ),
    path("certificates/gaps/", views_staff.CertificateGapsView.as_view(), name="certificate-gaps"),
    path(
        "certificates/gaps/export/",
        views_staff.CertificateGapsExportView.as_view(),
        name="certificate-gaps-export",
    ),
    path("courses/", views_training.CourseListView.as_view(), name="course-list"),
    path("courses/new/", views_training.CourseCreateView.as_view(), name="course-create"),
    path("courses/<int:course_id>/", views_training.CourseDetailView.as_view(), name="course-detail"),
    path(
        "courses/<int:course_id>/results/", views_training.ResultsRecordView.as_view(), name="results-record"
    ),
    path(
        "courses/<int:course_id>/certificates/",
        views_training.CourseCertificatesView.as_view(),
        name="course-certificates",
    ),
]
