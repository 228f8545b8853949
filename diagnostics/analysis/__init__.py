"""Scenario analysis: what-if, comparison, sensitivity, question planning and sweeps.

Every result comes from fresh assessments or from the logic core (`kb.logic`), which
re-evaluates incrementally; nothing is kept between calls except what is compiled on the
knowledge base itself. See docs/scenario-analysis.md. Pure core: no textual, jinja2, rich.
"""

from .compare import Cell, Comparison, Driver, Row, compare_profiles, decisive_indicators
from .planner import PROGRESS_SHARE, QuestionScore, plan_questions
from .sensitivity import (
    Counterfactual,
    Decider,
    FiredSensitivity,
    Flip,
    OpenSensitivity,
    Outcome,
    Sensitivity,
    SingleChange,
    counterfactuals,
    deciders,
    sensitivity,
    single_changes,
)
from .sweep import (
    MAX_SCENARIOS,
    RowWriter,
    Scenario,
    SweepRow,
    SweepRunner,
    SweepSpec,
    load_sweep_spec,
    output_format,
    spec_profile_path,
    spec_set_keys,
)
from .values import (
    LAYER_WEIGHT,
    SEVERITY_WEIGHT,
    ValueClass,
    answer_classes,
    closure_indicators,
    premises,
    rule_closure,
    rule_weight,
    truth,
    value_classes,
)
from .whatif import (
    RuleChange,
    SetChange,
    WhatIf,
    answer_text,
    explain_finding,
    finding_changes,
    parse_sets,
    whatif,
)

__all__ = [
    "LAYER_WEIGHT", "MAX_SCENARIOS", "PROGRESS_SHARE", "SEVERITY_WEIGHT",
    "Cell", "Comparison", "Counterfactual", "Decider", "Driver", "FiredSensitivity", "Flip",
    "OpenSensitivity", "Outcome", "QuestionScore", "Row", "RowWriter", "RuleChange", "Scenario",
    "Sensitivity", "SetChange", "SingleChange", "SweepRow", "SweepRunner", "SweepSpec", "ValueClass",
    "WhatIf", "answer_classes", "answer_text", "closure_indicators", "compare_profiles",
    "counterfactuals", "deciders", "decisive_indicators", "explain_finding", "finding_changes",
    "load_sweep_spec", "output_format", "parse_sets", "plan_questions", "premises", "rule_closure",
    "rule_weight", "sensitivity", "single_changes", "spec_profile_path", "spec_set_keys", "truth",
    "value_classes", "whatif",
]
