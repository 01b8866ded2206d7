from django.urls import include, path

from canlian.core.registry import views

app_name = "registry"
urlpatterns = [
    path("", include("canlian.core.registry.urls_import")),
    path("persons/", views.PersonListView.as_view(), name="person-list"),
    path("persons/new/", views.PersonCreateView.as_view(), name="person-create"),
    path("persons/export/", views.PersonExportView.as_view(), name="person-export"),
    path("persons/<int:person_id>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("persons/<int:person_id>/reveal/", views.PersonRevealView.as_view(), name="person-reveal"),
    path("persons/<int:person_id>/<slug:op>/", views.PersonActionView.as_view(), name="person-action"),
    path(
        "certificates/expiring/",
        views.CertificateListView.as_view(kind="expiring"),
        name="certificates-expiring",
    ),
    path(
        "certificates/expired/",
        views.CertificateListView.as_view(kind="expired"),
        name="certificates-expired",
    ),
    path(
        "certificates/cancelled/",
        views.CertificateListView.as_view(kind="cancelled"),
        name="certificates-cancelled",
    ),
    path("households/", views.HouseholdListView.as_view(), name="household-list"),
    path("households/<int:household_id>/", views.HouseholdDetailView.as_view(), name="household-detail"),
    path(
        "households/<int:household_id>/<slug:op>/",
        views.HouseholdActionView.as_view(),
        name="household-action",
    ),
    path("screening/", views.ScreeningListView.as_view(), name="screening-list"),
    path("screening/new/", views.ScreeningCreateView.as_view(), name="screening-create"),
    path("screening/<int:record_id>/", views.ScreeningDetailView.as_view(), name="screening-detail"),
    path(
        "screening/<int:record_id>/<slug:op>/",
        views.ScreeningActionView.as_view(),
        name="screening-action",
    ),
]
