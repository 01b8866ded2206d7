"""Every write of community services: <entity>_<verb>(*, actor, ...), atomic and audited. One module
per area: homes (profiles, members, attendance, services), stars (assessments, funding), care
(residents, allowances, fee statements, subsidies), work (projects, workers, output, wages)."""

from canlian.domains.community.actions.care import (  # noqa: F401
    allowance_record,
    care_subsidy_approve,
    care_subsidy_generate,
    care_subsidy_mark_paid,
    fee_statements_generate,
    resident_admit,
    resident_discharge,
    resident_update,
)
from canlian.domains.community.actions.homes import (  # noqa: F401
    attendance_bulk,
    attendance_insert,
    attendance_remove,
    attendance_toggle,
    home_create,
    home_update,
    member_end,
    member_enrol,
    service_record,
)
from canlian.domains.community.actions.rules import care_standard_save, fee_rule_save, rules_save  # noqa: F401
from canlian.domains.community.actions.stars import (  # noqa: F401
    assessment_confirm,
    assessment_save,
    evidence_add,
    funding_approve,
    funding_generate,
    funding_mark_paid,
    funding_standard_save,
    star_bands_save,
    star_criteria_save,
)
from canlian.domains.community.actions.subsidies import (  # noqa: F401
    subsidy_apply,
    subsidy_batch_approve,
    subsidy_batch_generate,
    subsidy_batch_mark_paid,
    subsidy_standard_save,
)
from canlian.domains.community.actions.work import (  # noqa: F401
    minimum_wage_save,
    output_record,
    project_save,
    wage_sheet_approve,
    wage_sheet_export,
    wage_sheet_generate,
    wage_sheet_record_results,
    worker_end,
    worker_reveal_account,
    worker_sign,
)
