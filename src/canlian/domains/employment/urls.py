"""Pages of employment and social security (namespace "employment")."""

from django.urls import path

from canlian.domains.employment import views

app_name = "employment"
urlpatterns = [
    path("", views.EmployerListView.as_view(), name="employer-list"),
    path("employers/new/", views.EmployerCreateView.as_view(), name="employer-create"),
    path("employers/<int:employer_id>/", views.EmployerDetailView.as_view(), name="employer-detail"),
    path("declarations/", views.DeclarationListView.as_view(), name="declaration-list"),
    path("declarations/import/", views.DeclarationImportView.as_view(), name="declaration-import"),
    path("declarations/non-reporters/", views.NonReportersView.as_view(), name="non-reporters"),
    path("declarations/tax-list/", views.TaxListView.as_view(), name="tax-list"),
    path(
        "declarations/<int:declaration_id>/", views.DeclarationDetailView.as_view(), name="declaration-detail"
    ),
    path(
        "declarations/<int:declaration_id>/review/",
        views.DeclarationReviewView.as_view(),
        name="declaration-review",
    ),
    path("rules/", views.RuleListView.as_view(), name="rule-list"),
    path("rules/quota/", views.QuotaRuleCreateView.as_view(), name="quota-rule-create"),
    path("rules/wages/", views.LocalWageCreateView.as_view(), name="local-wage-create"),
]
