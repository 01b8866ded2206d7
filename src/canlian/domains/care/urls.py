"""Pages of care (namespace "care")."""

from django.urls import path

from canlian.domains.care import views

app_name = "care"
urlpatterns = [
    path("", views.TodayView.as_view(), name="today"),
    path("pairings/", views.PairingListView.as_view(), name="pairing-list"),
    path("pairings/new/", views.PairingCreateView.as_view(), name="pairing-create"),
    path("pairings/upload/", views.PairingUploadView.as_view(), name="pairing-upload"),
    path("pairings/<int:pairing_id>/", views.PairingDetailView.as_view(), name="pairing-detail"),
    path("pairings/<int:pairing_id>/end/", views.PairingEndView.as_view(), name="pairing-end"),
    path("pairings/<int:pairing_id>/reassign/", views.PairingReassignView.as_view(), name="pairing-reassign"),
    path("unpaired/", views.UnpairedView.as_view(), name="unpaired"),
    path("people/<int:person_id>/contact/", views.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/", views.ContactListView.as_view(), name="contact-list"),
    path("contacts/<int:contact_id>/", views.ContactDetailView.as_view(), name="contact-detail"),
    path("contacts/<int:contact_id>/photo/", views.ContactPhotoView.as_view(), name="contact-photo"),
    path("needs/", views.NeedListView.as_view(), name="need-list"),
    path("needs/<int:need_id>/", views.NeedDetailView.as_view(), name="need-detail"),
    path("needs/<int:need_id>/update/", views.NeedUpdateView.as_view(), name="need-update"),
]
