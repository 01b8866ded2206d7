"""Pages of supervision (namespace "supervision")."""

from django.urls import path

from canlian.domains.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.NoticeListView.as_view(), name="notice-list"),
    path("plans/", views.PlanListView.as_view(), name="plan-list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan-create"),
    path("plans/<int:inspection_plan_id>/", views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:inspection_plan_id>/done/", views.PlanDoneView.as_view(), name="plan-done"),
    path("inspections/", views.InspectionListView.as_view(), name="inspection-list"),
    path("inspections/new/", views.InspectionCreateView.as_view(), name="inspection-create"),
    path("inspections/<int:inspection_id>/", views.InspectionDetailView.as_view(), name="inspection-detail"),
    path("inspections/<int:inspection_id>/notice/", views.NoticeIssueView.as_view(), name="notice-issue"),
    path("photos/<int:inspection_item_id>/", views.InspectionPhotoView.as_view(), name="inspection-photo"),
    path("notices/<int:notice_id>/", views.NoticeDetailView.as_view(), name="notice-detail"),
    path("notices/<int:notice_id>/print/", views.NoticePrintView.as_view(), name="notice-print"),
    path("notices/<int:notice_id>/respond/", views.NoticeRespondView.as_view(), name="notice-respond"),
    path("notices/<int:notice_id>/reinspect/", views.NoticeReinspectView.as_view(), name="notice-reinspect"),
    path("notices/<int:notice_id>/close/", views.NoticeCloseView.as_view(), name="notice-close"),
    path("notices/<int:notice_id>/escalate/", views.NoticeEscalateView.as_view(), name="notice-escalate"),
    path("ratings/", views.RatingListView.as_view(), name="rating-list"),
]
