"""Pages of employment and social security (namespace "employment")."""

from django.urls import path

from canlian.domains.employment import views, views_realname, views_sites

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
    # employment by real name
    path("people/<int:person_id>/", views_realname.PersonPanelView.as_view(), name="person-panel"),
    path("not-employed/", views_realname.NotEmployedListView.as_view(), name="not-employed"),
    path("realname/import/", views_realname.RealNameImportView.as_view(), name="realname-import"),
    # 爱心屋 kiosks and employment bases
    path("sites/", views_sites.SiteListView.as_view(), name="site-list"),
    path("sites/<int:site_id>/", views_sites.SiteDetailView.as_view(), name="site-detail"),
    path(
        "site-funds/<int:fund_id>/approve/",
        views_sites.SiteFundApproveView.as_view(),
        name="site-fund-approve",
    ),
    # subsidies of employers above the quota
    path("subsidies/", views_sites.SubsidyListView.as_view(), name="subsidy-list"),
    path("subsidies/generate/", views_sites.SubsidyGenerateView.as_view(), name="subsidy-generate"),
    path(
        "subsidies/standards/",
        views_sites.SubsidyStandardCreateView.as_view(),
        name="subsidy-standard-create",
    ),
    path("subsidies/<int:quota_batch_id>/", views_sites.SubsidyDetailView.as_view(), name="subsidy-detail"),
    path(
        "subsidies/<int:quota_batch_id>/approve/",
        views_sites.SubsidyApproveView.as_view(),
        name="subsidy-approve",
    ),
]
