"""Pages of the program engine: rules (included into the "programs" namespace)."""

from django.urls import path

from canlian.programs.rules import views

urlpatterns = [
    path("", views.ProgramListView.as_view(), name="program-list"),
    path("<slug:program_code>/rules/", views.ProgramDetailView.as_view(), name="program-detail"),
    path("<slug:program_code>/standards/new/", views.StandardCreateView.as_view(), name="standard-create"),
    path("<slug:program_code>/settings/new/", views.RuleSettingCreateView.as_view(), name="setting-create"),
    path(
        "<slug:program_code>/eligibility/<int:person_id>/",
        views.EligibilityView.as_view(),
        name="eligibility",
    ),
    path("<slug:program_code>/preview/", views.PreviewView.as_view(), name="preview"),
    path("standards/<int:standard_id>/end/", views.StandardEndView.as_view(), name="standard-end"),
    path("settings/<int:setting_id>/", views.RuleSettingDetailView.as_view(), name="setting-detail"),
]
