"""Pages of rehabilitation services, one module per area: the overview; needs surveys (a phone page
for the township worker at home, the list, the unmet needs, import and export); assistive devices
(catalogue and standards, fittings, delivery, replacements); home modification projects (a phone page
per project showing the current step with the camera, the overdue list, the ledger, the quarterly
report as a page, .xlsx and .docx), contractor payment batches; health lists and health service
applications."""

from __future__ import annotations

from canlian.domains.rehabservices.views.batches import (
    BatchApproveView,
    BatchDetailView,
    BatchGenerateView,
    BatchListView,
    BatchPaidView,
)
from canlian.domains.rehabservices.views.devices import (
    CatalogueView,
    FittingCreateView,
    FittingDeliverView,
    FittingDetailView,
    FittingExportView,
    FittingListView,
    StandardSaveView,
)
from canlian.domains.rehabservices.views.health import (
    HealthCoverageView,
    HealthCreateView,
    HealthDetailView,
    HealthImportView,
    HealthListView,
    HealthStepView,
    render_health,
)
from canlian.domains.rehabservices.views.modification import (
    ProjectCreateView,
    ProjectDetailView,
    ProjectExportView,
    ProjectListView,
    ProjectPhotoView,
    ProjectStepView,
    ReportDocxView,
    ReportView,
    ReportXlsxView,
    render_project,
)
from canlian.domains.rehabservices.views.needs import (
    ServiceCreateView,
    SurveyCreateView,
    SurveyDetailView,
    SurveyExportView,
    SurveyImportView,
    SurveyListView,
    UnmetNeedsView,
)
from canlian.domains.rehabservices.views.overview import (
    OverviewView,
)

__all__ = [
    "BatchApproveView",
    "BatchDetailView",
    "BatchGenerateView",
    "BatchListView",
    "BatchPaidView",
    "CatalogueView",
    "FittingCreateView",
    "FittingDeliverView",
    "FittingDetailView",
    "FittingExportView",
    "FittingListView",
    "HealthCoverageView",
    "HealthCreateView",
    "HealthDetailView",
    "HealthImportView",
    "HealthListView",
    "HealthStepView",
    "OverviewView",
    "ProjectCreateView",
    "ProjectDetailView",
    "ProjectExportView",
    "ProjectListView",
    "ProjectPhotoView",
    "ProjectStepView",
    "ReportDocxView",
    "ReportView",
    "ReportXlsxView",
    "ServiceCreateView",
    "StandardSaveView",
    "SurveyCreateView",
    "SurveyDetailView",
    "SurveyExportView",
    "SurveyImportView",
    "SurveyListView",
    "UnmetNeedsView",
    "render_health",
    "render_project",
]
