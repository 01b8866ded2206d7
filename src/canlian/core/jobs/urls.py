from django.urls import path

from canlian.core.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("<int:job_id>/", views.JobDetailView.as_view(), name="detail"),
    path("<int:job_id>/<slug:op>/", views.JobActionView.as_view(), name="action"),
]
