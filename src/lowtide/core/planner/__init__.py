"""The planner's pure model: candidates and weeks in, a plan with its reasons out.

`greedy_plan` is the instant preview; `lowtide.planner.solver.solve` finds the
best plan with HiGHS, warm-started from the greedy one. `violations` checks a
plan against every rule, and `replan_inputs` prepares a re-plan that keeps the
next weeks of an accepted plan.
"""

from lowtide.core.planner.check import violations
from lowtide.core.planner.greedy import greedy_assignments, greedy_plan
from lowtide.core.planner.model import (
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_LONG,
    DEFAULT_REST_HOURS,
    LONG_COMMITMENT_WEEKS,
    ActivityKind,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    Method,
    PlanningProblem,
    PlanResult,
    Rejection,
)
from lowtide.core.planner.replan import DEFAULT_FREEZE_WEEKS, replan_inputs
from lowtide.core.planner.result import build_result

__all__ = [
    "DEFAULT_FREEZE_WEEKS",
    "DEFAULT_MAX_CONCURRENT",
    "DEFAULT_MAX_LONG",
    "DEFAULT_REST_HOURS",
    "LONG_COMMITMENT_WEEKS",
    "ActivityKind",
    "Assignment",
    "Candidate",
    "Fixed",
    "Flexible",
    "Method",
    "PlanResult",
    "PlanningProblem",
    "Rejection",
    "build_result",
    "greedy_assignments",
    "greedy_plan",
    "replan_inputs",
    "violations",
]
