"""Pages of volunteers, donations and typical cases (namespace "outreach")."""

from django.urls import path

from canlian.domains.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.DonationListView.as_view(), name="donation-list"),
    path("donations/new/", views.DonationCreateView.as_view(), name="donation-create"),
    path("donations/statement/", views.StatementView.as_view(), name="statement"),
    path("donations/<int:donation_id>/", views.DonationDetailView.as_view(), name="donation-detail"),
    path("donations/<int:donation_id>/use/", views.DonationUseView.as_view(), name="donation-use"),
    path("volunteers/", views.VolunteerListView.as_view(), name="volunteer-list"),
    path("volunteers/new/", views.VolunteerCreateView.as_view(), name="volunteer-create"),
    path("activities/", views.ActivityListView.as_view(), name="activity-list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity-create"),
    path("activities/<int:activity_id>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case-create"),
    path("cases/<int:typical_case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:typical_case_id>/submit/", views.CaseSubmitView.as_view(), name="case-submit"),
    path("cases/<int:typical_case_id>/review/", views.CaseReviewView.as_view(), name="case-review"),
    path("cases/<int:typical_case_id>/docx/", views.CaseDocxView.as_view(), name="case-docx"),
]
