"""Projects as code: a YAML file of projects and their stages, checked, and written back.

    projects:
      - name: churn
        goal: predict churn a month ahead
        owner: ana
        stages:
          - name: label                # unique in the project
            kind: annotation           # one of the seven kinds
            status: active             # planned, active, done or blocked
            estimate: {optimistic: 10, likely: 14, pessimistic: 30}   # days
            progress: {done: 1200, total: 5000}
          - name: train
            kind: training
            after: [label]             # the previous stage when left out; [] for none
            runs: [3f2a9c]             # the runs whose ETA is the stage's
            hours: {low: 3, high: 8}   # a week, instead of the kind's default

Every error names the file's line and the field, and a file with any error
is refused whole: `load_plan` either returns every project or raises.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from lowtide.core.stages import (
    CycleError,
    DurationEstimate,
    HoursRange,
    Involvement,
    Progress,
    Project,
    Stage,
    StageKind,
    StageStatus,
    stage_order,
)
from lowtide.errors import ValidationError

#: Longest project and stage names (the store's limit).
NAME_LENGTH = 200
#: Most hours a week a stage may take.
MAX_STAGE_HOURS = 168.0
#: Errors shown of a file with many; the rest are counted.
MAX_ERRORS_SHOWN = 10

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH)
]
RunId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EstimateIn(_Strict):
    """Days: optimistic <= likely <= pessimistic."""

    optimistic: float = Field(gt=0)
    likely: float = Field(gt=0)
    pessimistic: float = Field(gt=0)


class HoursIn(_Strict):
    """Hours a week while the stage is active."""

    low: float = Field(ge=0, le=MAX_STAGE_HOURS)
    high: float = Field(ge=0, le=MAX_STAGE_HOURS)


class ProgressIn(_Strict):
    done: int = Field(ge=0)
    total: int = Field(gt=0)


class StageIn(_Strict):
    name: Name
    kind: StageKind
    status: StageStatus = StageStatus.PLANNED
    involvement: Involvement | None = None
    estimate: EstimateIn | None = None
    hours: HoursIn | None = None
    after: list[Name] | None = None
    start: dt.date | None = None
    started: dt.date | None = None
    ended: dt.date | None = None
    progress: ProgressIn | None = None
    runs: list[RunId] = Field(default_factory=list)


class ProjectIn(_Strict):
    name: Name
    goal: str = ""
    owner: str = ""
    stages: list[StageIn] = Field(default_factory=list)


class PlanFileIn(_Strict):
    projects: list[ProjectIn]


# -- YAML with line numbers -----------------------------------------------------------


class _MarkedDict(dict[Any, Any]):
    line: int = 0
    lines: dict[Any, int]


class _MarkedList(list[Any]):
    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader whose mappings and lists remember the line of each entry."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _MarkedDict:
    out = _MarkedDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> _MarkedList:
    out = _MarkedList(loader.construct_object(item, deep=True) for item in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [item.start_mark.line + 1 for item in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class _DuplicateKeyError(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


def _line(raw: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of `loc` found in the loaded file."""
    node = raw
    line = getattr(raw, "line", 1)
    for part in loc:
        in_dict = isinstance(node, _MarkedDict) and part in node
        in_list = isinstance(node, _MarkedList) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and not part.startswith(("function-", "tagged-union")):
            out += f".{part}" if out else part
    return out


class _Errors:
    """Errors found in a file, each with its line and field."""

    def __init__(self, source: str, raw: Any) -> None:
        self.source = source
        self.raw = raw
        self.found: list[tuple[int, str, str]] = []

    def add(self, loc: tuple[Any, ...], message: str) -> None:
        self.found.append((_line(self.raw, loc), _path(loc), message))

    def raise_if_any(self) -> None:
        if not self.found:
            return
        self.found.sort(key=lambda e: e[0])
        lines = [f"{self.source}:{line}: {path}: {msg}" for line, path, msg in self.found]
        if len(lines) > MAX_ERRORS_SHOWN:
            lines = [*lines[:MAX_ERRORS_SHOWN], f"... and {len(lines) - MAX_ERRORS_SHOWN} more"]
        head = "1 error" if len(self.found) == 1 else f"{len(self.found)} errors"
        raise ValidationError(
            f"{self.source} has {head}; nothing was applied:\n" + "\n".join(lines),
            field=self.found[0][1],
        )


# -- loading and checking --------------------------------------------------------------


def load_plan(text: str, source: str = "<projects>") -> list[Project]:
    """The projects of a YAML text; ValidationError naming every bad line and field."""
    try:
        raw = yaml.load(text, Loader=_Loader)
    except _DuplicateKeyError as exc:
        raise ValidationError(
            f"{source}:{exc.line}: the key {exc.key!r} is given twice", field=str(exc.key)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(f"{where}: not valid YAML: {problem}") from None
    errors = _Errors(source, raw)
    if not isinstance(raw, dict) or "projects" not in raw:
        errors.add((), "the file needs a top-level `projects:` list")
        errors.raise_if_any()
    try:
        parsed = PlanFileIn.model_validate(raw)
    except PydanticValidationError as exc:
        for err in exc.errors():
            errors.add(tuple(err["loc"]), _message(err))
        errors.raise_if_any()
        raise AssertionError("unreachable") from None
    projects = [_project(p, ("projects", i), errors) for i, p in enumerate(parsed.projects)]
    seen: dict[str, int] = {}
    for i, p in enumerate(parsed.projects):
        if p.name in seen:
            errors.add(("projects", i, "name"), f"project {p.name!r} is given twice")
        seen[p.name] = i
    errors.raise_if_any()
    return [p for p in projects if p is not None]


def _message(err: Any) -> str:
    msg = str(err["msg"])
    if err.get("type") == "enum" and err["loc"] and err["loc"][-1] == "kind":
        return f"unknown stage kind {err.get('input')!r}; {msg[0].lower()}{msg[1:]}"
    if err.get("type") == "extra_forbidden":
        return "not a known field"
    return msg


def _project(p: ProjectIn, at: tuple[Any, ...], errors: _Errors) -> Project | None:
    before = len(errors.found)
    stages: list[Stage] = []
    keys = [s.name for s in p.stages]
    for j, s in enumerate(p.stages):
        here = (*at, "stages", j)
        if s.name in keys[:j]:
            errors.add((*here, "name"), f"stage {s.name!r} is given twice in project {p.name!r}")
        for dep in s.after or ():
            if dep not in keys:
                errors.add(
                    (*here, "after"), f"stage {s.name!r} waits for {dep!r}, which is not a stage"
                )
        if s.estimate and not (
            s.estimate.optimistic <= s.estimate.likely <= s.estimate.pessimistic
        ):
            errors.add(
                (*here, "estimate"), "an estimate needs optimistic <= likely <= pessimistic days"
            )
        if s.hours and s.hours.low > s.hours.high:
            errors.add((*here, "hours"), "hours need low <= high")
        if s.started and s.ended and s.ended < s.started:
            errors.add(
                (*here, "ended"), f"the stage ends on {s.ended}, before it starts on {s.started}"
            )
        if s.progress and s.progress.done > s.progress.total:
            errors.add((*here, "progress"), "progress has more done than its total")
        if s.progress and not s.kind.has_progress:
            errors.add((*here, "progress"), "only annotation and collection stages count progress")
        if s.runs and not s.kind.has_runs:
            errors.add((*here, "runs"), "only training stages link runs")
        if len(errors.found) > before:
            continue
        after = tuple(s.after) if s.after is not None else ((keys[j - 1],) if j else ())
        stages.append(
            Stage(
                key=s.name,
                kind=s.kind,
                status=s.status,
                estimate=DurationEstimate(**s.estimate.model_dump()) if s.estimate else None,
                hours=HoursRange(**s.hours.model_dump()) if s.hours else None,
                involvement=s.involvement,
                after=after,
                planned_start=s.start,
                started_on=s.started,
                ended_on=s.ended,
                progress=Progress(**s.progress.model_dump()) if s.progress else None,
                runs=tuple(s.runs),
            )
        )
    if len(errors.found) > before:
        return None
    try:
        stage_order(stages)
    except CycleError as exc:
        first = keys.index(exc.cycle[0])
        errors.add((*at, "stages", first, "after"), str(exc))
        return None
    return Project(name=p.name, stages=tuple(stages), goal=p.goal, owner=p.owner)


# -- export ------------------------------------------------------------------------------


def dump_plan(projects: list[Project]) -> str:
    """Projects as YAML that `load_plan` reads back to the same projects."""
    out = []
    for p in projects:
        item: dict[str, Any] = {"name": p.name}
        if p.goal:
            item["goal"] = p.goal
        if p.owner:
            item["owner"] = p.owner
        item["stages"] = [stage_to_dict(s) for s in p.stages]
        out.append(item)
    text: str = yaml.safe_dump({"projects": out}, sort_keys=False, allow_unicode=True)
    return text


def stage_to_dict(s: Stage) -> dict[str, Any]:
    """A stage as the YAML file (and the API) spell it; dates stay dates."""
    item: dict[str, Any] = {"name": s.key, "kind": s.kind.value, "status": s.status.value}
    if s.involvement:
        item["involvement"] = s.involvement.value
    if s.estimate:
        e = s.estimate
        item["estimate"] = {
            "optimistic": e.optimistic,
            "likely": e.likely,
            "pessimistic": e.pessimistic,
        }
    if s.hours:
        item["hours"] = {"low": s.hours.low, "high": s.hours.high}
    item["after"] = list(s.after)
    dates = (("start", s.planned_start), ("started", s.started_on), ("ended", s.ended_on))
    for name, value in dates:
        if value is not None:
            item[name] = value
    if s.progress:
        item["progress"] = {"done": s.progress.done, "total": s.progress.total}
    if s.runs:
        item["runs"] = list(s.runs)
    return item
