"""Pages of the program engine: applications and the review chain (included into the "programs"
namespace, under /programs/)."""

from django.urls import path

from canlian.programs.enrollments import views

urlpatterns: list = [
    path("enrollments/", views.EnrollmentListView.as_view(), name="enrollment-list"),
    path("enrollments/overdue/", views.EnrollmentOverdueView.as_view(), name="enrollment-overdue"),
    path("enrollments/apply/", views.EnrollmentApplyView.as_view(), name="enrollment-apply"),
    path("enrollments/<int:enrollment_id>/", views.EnrollmentDetailView.as_view(), name="enrollment-detail"),
    path(
        "enrollments/<int:enrollment_id>/attachments/",
        views.EnrollmentAttachmentView.as_view(),
        name="enrollment-attachments",
    ),
    path(
        "enrollments/<int:enrollment_id>/first-check/",
        views.EnrollmentFirstCheckView.as_view(),
        name="enrollment-first-check",
    ),
    path(
        "enrollments/<int:enrollment_id>/review/",
        views.EnrollmentReviewView.as_view(),
        name="enrollment-review",
    ),
    path(
        "enrollments/<int:enrollment_id>/decide/",
        views.EnrollmentDecideView.as_view(),
        name="enrollment-decide",
    ),
    path(
        "enrollments/<int:enrollment_id>/notice-end/",
        views.EnrollmentNoticeEndView.as_view(),
        name="enrollment-notice-end",
    ),
    path(
        "enrollments/<int:enrollment_id>/reject/",
        views.EnrollmentRejectView.as_view(),
        name="enrollment-reject",
    ),
    path(
        "enrollments/<int:enrollment_id>/object/",
        views.EnrollmentObjectView.as_view(),
        name="enrollment-object",
    ),
    path("enrollments/<int:enrollment_id>/stop/", views.EnrollmentStopView.as_view(), name="enrollment-stop"),
    path(
        "enrollments/<int:enrollment_id>/resume/",
        views.EnrollmentResumeView.as_view(),
        name="enrollment-resume",
    ),
]
