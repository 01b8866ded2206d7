"""Pages of children's rehabilitation (namespace "rehab"). Settlement pages live in settlement/urls.py."""

from django.urls import include, path

from canlian.domains.rehab import views
from canlian.domains.rehab import views_attendance as attendance

app_name = "rehab"
urlpatterns: list = [
    path("applications/", views.ApplicationListView.as_view(), name="application-list"),
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:plan_id>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:plan_id>/edit/", views.PlanEditView.as_view(), name="plan-edit"),
    path("plans/<int:plan_id>/end/", views.PlanEndView.as_view(), name="plan-end"),
    path("plans/<int:plan_id>/transfer/", views.PlanTransferView.as_view(), name="plan-transfer"),
    path("devices/", views.DeviceListView.as_view(), name="device-list"),
    path("persons/<int:person_id>/devices/new/", views.DeviceCreateView.as_view(), name="device-create"),
    path("surgeries/", views.SurgeryListView.as_view(), name="surgery-list"),
    path("persons/<int:person_id>/surgeries/new/", views.SurgeryCreateView.as_view(), name="surgery-create"),
    path("surgeries/<int:surgery_id>/", views.SurgeryDetailView.as_view(), name="surgery-detail"),
    path("surgeries/<int:surgery_id>/update/", views.SurgeryUpdateView.as_view(), name="surgery-update"),
    path("attendance/", attendance.AttendanceIndexView.as_view(), name="attendance-index"),
    path(
        "attendance/<int:institution_id>/",
        attendance.AttendanceTabletView.as_view(),
        name="attendance-tablet",
    ),
    path(
        "attendance/<int:institution_id>/all/", attendance.AttendanceAllView.as_view(), name="attendance-all"
    ),
    path(
        "attendance/<int:institution_id>/upload/",
        attendance.AttendanceUploadView.as_view(),
        name="attendance-upload",
    ),
    path("training-days/", views.TrainingDaysView.as_view(), name="training-days"),
    path("training-days/export/", views.TrainingDaysExportView.as_view(), name="training-days-export"),
    path("", include("canlian.domains.rehab.settlement.urls")),
]
