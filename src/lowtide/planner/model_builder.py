"""A sparse MIP built column by column, handed to HiGHS in one `passModel`.

Both the planner's model and the benchmark's plain peer are written with it,
so that they differ in formulation only. Building goes through Python lists
and one scipy conversion to compressed columns, cheap next to the solve.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

INF = highspy.kHighsInf


@dataclass
class MipBuilder:
    """Columns, rows and coefficients of a maximisation MIP."""

    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    def col(self, lower: float, upper: float, cost: float = 0.0, *, integer: bool = False) -> int:
        """A new column; its index."""
        self.col_lower.append(lower)
        self.col_upper.append(upper)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, lower: float, upper: float, terms: dict[int, float] | None = None) -> int:
        """A new row `lower <= sum(coef * col) <= upper`; its index."""
        r = len(self.row_lower)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        for c, v in (terms or {}).items():
            self.add(r, c, v)
        return r

    def add(self, row: int, col: int, value: float) -> None:
        """Add `value` to the coefficient of `col` in `row`."""
        self.rows.append(row)
        self.cols.append(col)
        self.values.append(value)

    def highs_lp(self) -> highspy.HighsLp:
        """The model as HiGHS takes it, column-wise, maximising."""
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = len(self.row_lower)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.asarray(self.cost, dtype=np.float64)
        lp.col_lower_ = np.asarray(self.col_lower, dtype=np.float64)
        lp.col_upper_ = np.asarray(self.col_upper, dtype=np.float64)
        lp.row_lower_ = np.asarray(self.row_lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(self.row_upper, dtype=np.float64)
        matrix = sparse.csc_matrix(
            (self.values, (self.rows, self.cols)), shape=(lp.num_row_, lp.num_col_)
        )
        matrix.sum_duplicates()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(np.float64)
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in self.integer
        ]
        return lp


@dataclass(frozen=True)
class MipOutcome:
    """What HiGHS found: the column values (None without a solution), its objective,
    the proven bound on the best objective, status and gap."""

    values: npt.NDArray[np.float64] | None
    status: str
    optimal: bool
    gap: float
    seconds: float
    objective: float = float("nan")
    bound: float = float("inf")


def solve_mip(
    builder: MipBuilder,
    *,
    time_limit_s: float,
    gap: float,
    start: npt.NDArray[np.float64] | None = None,
    threads: int | None = None,
) -> MipOutcome:
    """Solve the model under `time_limit_s` to relative `gap`, warm-started from `start`."""
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(gap))
    if threads is not None:
        h.setOptionValue("threads", threads)
    h.passModel(builder.highs_lp())
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(start)
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    return MipOutcome(
        values=values,
        status=h.modelStatusToString(status),
        optimal=status == highspy.HighsModelStatus.kOptimal,
        gap=float(info.mip_gap) if has_solution else float("inf"),
        seconds=float(h.getRunTime()),
        objective=float(info.objective_function_value) if has_solution else float("nan"),
        bound=float(info.mip_dual_bound),
    )


def _quiet_highs() -> highspy.Highs:
    """A Highs instance; the banner HiGHS writes to the process's stdout on its first
    construction would land in the middle of a CLI's output, so it goes to /dev/null."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
