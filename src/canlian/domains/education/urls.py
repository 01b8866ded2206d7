"""Pages of education (namespace "education")."""

from django.urls import path

from canlian.domains.education import views

app_name = "education"
urlpatterns = [
    path("", views.PlacementListView.as_view(), name="placement-list"),
    path("placements/new/", views.PlacementCreateView.as_view(), name="placement-create"),
    path("placements/import/", views.PlacementImportView.as_view(), name="placement-import"),
    path("not-enrolled/", views.NotEnrolledView.as_view(), name="not-enrolled"),
    path("schools/", views.SchoolListView.as_view(), name="school-list"),
    path("schools/new/", views.SchoolCreateView.as_view(), name="school-create"),
]
