"""Pages of community services (namespace "community")."""

from django.urls import path

from canlian.domains.community.views import care, homes, rules, stars, subsidies, work

app_name = "community"
urlpatterns = [
    path("", homes.IndexView.as_view(), name="index"),
    path("coverage/", homes.CoverageView.as_view(), name="coverage"),
    path("rules/", rules.RulesView.as_view(), name="rules"),
    path("rules/eligibility/", rules.RulesSaveView.as_view(), name="rules-save"),
    path("rules/fee/", rules.FeeRuleSaveView.as_view(), name="fee-rule-save"),
    path("rules/care-subsidy/", rules.CareStandardSaveView.as_view(), name="care-standard-save"),
    path("rules/stars/", stars.StarRulesView.as_view(), name="star-rules"),
    path("rules/stars/criteria/", stars.StarCriteriaSaveView.as_view(), name="star-criteria-save"),
    path("rules/stars/bands/", stars.StarBandsSaveView.as_view(), name="star-bands-save"),
    path("homes/", homes.HomeListView.as_view(), name="home-list"),
    path("homes/new/", homes.HomeCreateView.as_view(), name="home-create"),
    path("homes/<int:home_id>/", homes.HomeDetailView.as_view(), name="home-detail"),
    path("homes/<int:home_id>/members/new/", homes.MemberCreateView.as_view(), name="member-create"),
    path("homes/<int:home_id>/members/import/", homes.MemberImportView.as_view(), name="member-import"),
    path("homes/<int:home_id>/sign-in/", homes.AttendanceTabletView.as_view(), name="attendance-tablet"),
    path("homes/<int:home_id>/sign-in/all/", homes.AttendanceAllView.as_view(), name="attendance-all"),
    path(
        "homes/<int:home_id>/attendance/upload/",
        homes.AttendanceUploadView.as_view(),
        name="attendance-upload",
    ),
    path("homes/<int:home_id>/services/new/", homes.ServiceCreateView.as_view(), name="service-create"),
    path("homes/<int:home_id>/assessment/", stars.AssessmentCreateView.as_view(), name="assessment-create"),
    path("members/<int:home_member_id>/end/", homes.MemberEndView.as_view(), name="member-end"),
    path("members/export/", homes.MemberExportView.as_view(), name="member-export"),
    path(
        "assessments/<int:star_assessment_id>/",
        stars.AssessmentDetailView.as_view(),
        name="assessment-detail",
    ),
    path(
        "assessments/<int:star_assessment_id>/confirm/",
        stars.AssessmentConfirmView.as_view(),
        name="assessment-confirm",
    ),
    path(
        "assessments/<int:star_assessment_id>/photos/<int:star_evidence_id>/",
        stars.EvidencePhotoView.as_view(),
        name="evidence-photo",
    ),
    path("funding/", stars.FundingListView.as_view(), name="funding-list"),
    path("funding/generate/", stars.FundingGenerateView.as_view(), name="funding-generate"),
    path("funding/standard/", stars.FundingStandardView.as_view(), name="funding-standard"),
    path("funding/<int:funding_batch_id>/", stars.FundingDetailView.as_view(), name="funding-detail"),
    path(
        "funding/<int:funding_batch_id>/approve/", stars.FundingApproveView.as_view(), name="funding-approve"
    ),
    path("funding/<int:funding_batch_id>/paid/", stars.FundingPaidView.as_view(), name="funding-paid"),
    path("subsidies/", subsidies.SubsidyListView.as_view(), name="subsidy-list"),
    path("subsidies/export/", subsidies.SubsidyExportView.as_view(), name="subsidy-export"),
    path("subsidies/generate/", subsidies.SubsidyGenerateView.as_view(), name="subsidy-generate"),
    path("subsidies/standard/", subsidies.SubsidyStandardView.as_view(), name="subsidy-standard"),
    path("subsidies/apply/", subsidies.SubsidyApplyView.as_view(), name="subsidy-apply"),
    path(
        "subsidies/<int:inst_subsidy_batch_id>/", subsidies.SubsidyDetailView.as_view(), name="subsidy-detail"
    ),
    path(
        "subsidies/<int:inst_subsidy_batch_id>/approve/",
        subsidies.SubsidyApproveView.as_view(),
        name="subsidy-approve",
    ),
    path(
        "subsidies/<int:inst_subsidy_batch_id>/paid/",
        subsidies.SubsidyPaidView.as_view(),
        name="subsidy-paid",
    ),
    path(
        "subsidies/institutions/<int:subsidy_institution_id>/",
        subsidies.InstitutionSubsidyView.as_view(),
        name="subsidy-institution",
    ),
    path("care/", care.ResidentListView.as_view(), name="resident-list"),
    path("care/new/", care.ResidentCreateView.as_view(), name="resident-create"),
    path("care/export/", care.ResidentExportView.as_view(), name="resident-export"),
    path("care/<int:resident_id>/", care.ResidentDetailView.as_view(), name="resident-detail"),
    path("care/<int:resident_id>/allowance/", care.AllowanceCreateView.as_view(), name="allowance-create"),
    path(
        "care/<int:resident_id>/discharge/", care.ResidentDischargeView.as_view(), name="resident-discharge"
    ),
    path("care/<int:resident_id>/statement/", care.StatementPrintView.as_view(), name="statement-print"),
    path(
        "care/institutions/<int:care_institution_id>/statements/",
        care.StatementListView.as_view(),
        name="statement-list",
    ),
    path(
        "care/institutions/<int:care_institution_id>/statements/generate/",
        care.StatementGenerateView.as_view(),
        name="statement-generate",
    ),
    path(
        "care/institutions/<int:care_institution_id>/import/",
        care.ResidentImportView.as_view(),
        name="resident-import",
    ),
    path("care/subsidy/", care.CareBatchListView.as_view(), name="care-batch-list"),
    path("care/subsidy/generate/", care.CareBatchGenerateView.as_view(), name="care-batch-generate"),
    path("care/subsidy/<int:care_batch_id>/", care.CareBatchDetailView.as_view(), name="care-batch-detail"),
    path(
        "care/subsidy/<int:care_batch_id>/approve/",
        care.CareBatchApproveView.as_view(),
        name="care-batch-approve",
    ),
    path("care/subsidy/<int:care_batch_id>/paid/", care.CareBatchPaidView.as_view(), name="care-batch-paid"),
    path("work/projects/", work.ProjectListView.as_view(), name="project-list"),
    path("work/projects/new/", work.ProjectCreateView.as_view(), name="project-create"),
    path("work/workers/", work.WorkerListView.as_view(), name="worker-list"),
    path("work/workers/new/", work.WorkerCreateView.as_view(), name="worker-create"),
    path("work/workers/export/", work.WorkerExportView.as_view(), name="worker-export"),
    path("work/workers/<int:ae_worker_id>/", work.WorkerDetailView.as_view(), name="worker-detail"),
    path("work/workers/<int:ae_worker_id>/reveal/", work.WorkerRevealView.as_view(), name="worker-reveal"),
    path("work/workers/<int:ae_worker_id>/output/", work.OutputCreateView.as_view(), name="output-create"),
    path("work/workshops/<int:workshop_id>/import/", work.WorkerImportView.as_view(), name="worker-import"),
    path("work/wages/", work.SheetListView.as_view(), name="sheet-list"),
    path("work/wages/generate/", work.SheetGenerateView.as_view(), name="sheet-generate"),
    path("work/wages/minimum/", work.MinimumWageView.as_view(), name="minimum-wage"),
    path("work/wages/<int:wage_sheet_id>/", work.SheetDetailView.as_view(), name="sheet-detail"),
    path("work/wages/<int:wage_sheet_id>/approve/", work.SheetApproveView.as_view(), name="sheet-approve"),
    path("work/wages/<int:wage_sheet_id>/bank-file/", work.SheetExportView.as_view(), name="sheet-export"),
    path("work/wages/<int:wage_sheet_id>/results/", work.SheetResultsView.as_view(), name="sheet-results"),
]
