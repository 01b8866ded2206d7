"""Pages of petitions (namespace "petitions")."""

from django.urls import path

from canlian.domains.petitions import views

app_name = "petitions"
urlpatterns: list = [
    path("", views.PetitionListView.as_view(), name="list"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue"),
    path("receive/", views.PetitionReceiveView.as_view(), name="receive"),
    path("<int:petition_id>/", views.PetitionDetailView.as_view(), name="detail"),
    path("<int:petition_id>/act/", views.PetitionActView.as_view(), name="act"),
    path("<int:petition_id>/close/", views.PetitionCloseView.as_view(), name="close"),
    path("invitations/", views.InvitationListView.as_view(), name="invitation-list"),
    path("invitations/new/", views.InvitationCreateView.as_view(), name="invitation-create"),
    path("invitations/<int:invitation_id>/", views.InvitationDetailView.as_view(), name="invitation-detail"),
    path(
        "invitations/<int:invitation_id>/invitees/",
        views.InviteesAddView.as_view(),
        name="invitation-invitees",
    ),
    path(
        "invitations/<int:invitation_id>/attendance/",
        views.AttendanceView.as_view(),
        name="invitation-attendance",
    ),
    path("festival-visits/", views.FestivalListView.as_view(), name="festival-list"),
    path("festival-visits/new/", views.FestivalRecordView.as_view(), name="festival-record"),
    path("festival-visits/import/", views.FestivalImportView.as_view(), name="festival-import"),
]
