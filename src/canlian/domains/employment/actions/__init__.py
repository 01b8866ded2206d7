"""Writes of employment, one module per subject: employers, the rules (quota rule, local wages),
the proportional-employment declarations (entered, imported, non-reporters, the tax list), the
review, the pension premium, employment by real name (statuses, training, job offers), the 爱心屋
kiosks and employment bases (sites, their workers and support funds) and the subsidies of employers
above the quota. Each action is atomic, checks permission and scope inside its transaction and
records its audit row there (codes in ``events.py``). The public names are re-exported here, so
``from canlian.domains.employment import actions; actions.declaration_review(...)`` keeps working.
"""

from canlian.domains.employment.actions._common import (
    MANAGE,
    VIEW,
    add_years,
    contract_covers_a_year,
)
from canlian.domains.employment.actions.declarations import (
    IMPORT_COLUMNS,
    TAX_HEADER,
    ImportResult,
    declaration_record,
    declarations_import,
    non_reporters_record,
    tax_list_export,
)
from canlian.domains.employment.actions.employers import employer_register
from canlian.domains.employment.actions.premiums import premium_year_set
from canlian.domains.employment.actions.realname import (
    STATUS_COLUMNS,
    TRAINING_COLUMNS,
    RealNameImportResult,
    employment_status_record,
    job_offer_record,
    not_employed_export,
    realname_import,
    training_record,
)
from canlian.domains.employment.actions.reviews import declaration_review
from canlian.domains.employment.actions.rules import local_wage_set, quota_rule_set
from canlian.domains.employment.actions.sites import (
    site_fund_approve,
    site_fund_propose,
    site_register,
    site_worker_record,
)
from canlian.domains.employment.actions.subsidies import (
    subsidy_batch_approve,
    subsidy_batch_generate,
    subsidy_standard_set,
)

__all__ = [
    "IMPORT_COLUMNS",
    "MANAGE",
    "STATUS_COLUMNS",
    "TAX_HEADER",
    "TRAINING_COLUMNS",
    "VIEW",
    "ImportResult",
    "RealNameImportResult",
    "add_years",
    "contract_covers_a_year",
    "declaration_record",
    "declaration_review",
    "declarations_import",
    "employer_register",
    "employment_status_record",
    "job_offer_record",
    "local_wage_set",
    "non_reporters_record",
    "not_employed_export",
    "premium_year_set",
    "quota_rule_set",
    "realname_import",
    "site_fund_approve",
    "site_fund_propose",
    "site_register",
    "site_worker_record",
    "subsidy_batch_approve",
    "subsidy_batch_generate",
    "subsidy_standard_set",
    "tax_list_export",
    "training_record",
]
