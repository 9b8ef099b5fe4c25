"""Projects as code: the YAML file, its errors with line and field, and the export."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.stages import Progress, StageKind, StageStatus
from lowtide.errors import ValidationError
from lowtide.projects.spec import dump_plan, load_plan

GOOD = """\
projects:
  - name: churn
    goal: predict churn a month ahead
    owner: ana
    stages:
      - name: understand
        kind: understanding
        status: done
        started: 2027-01-04
        ended: 2027-01-15
      - name: label
        kind: annotation
        status: active
        estimate: {optimistic: 10, likely: 14, pessimistic: 30}
        progress: {done: 1200, total: 5000}
      - name: train
        kind: training
        runs: [3f2a9c]
        hours: {low: 3, high: 8}
      - name: ship
        kind: deployment
        after: [understand, train]
        start: 2027-05-03
"""


def test_a_good_file_loads_with_default_order() -> None:
    [project] = load_plan(GOOD, "plan.yaml")
    assert project.owner == "ana"
    understand, label, train, ship = project.stages
    assert understand.status is StageStatus.DONE
    assert understand.ended_on == dt.date(2027, 1, 15)
    assert label.after == ("understand",)  # the previous stage when left out
    assert label.progress == Progress(1200, 5000)
    assert train.after == ("label",)
    assert train.runs == ("3f2a9c",)
    assert ship.after == ("understand", "train")
    assert ship.kind is StageKind.DEPLOYMENT


def test_export_loads_back_to_the_same_projects() -> None:
    projects = load_plan(GOOD)
    assert load_plan(dump_plan(projects)) == projects


def bad(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        load_plan(text, "plan.yaml")
    return str(caught.value)


def test_an_unknown_kind_names_its_line_and_field() -> None:
    message = bad(GOOD.replace("kind: training", "kind: trainign"))
    assert "plan.yaml:17: projects[0].stages[2].kind: unknown stage kind 'trainign'" in message
    assert "nothing was applied" in message


def test_a_cycle_names_the_stages_and_line() -> None:
    text = GOOD.replace(
        "      - name: understand\n", "      - name: understand\n        after: [ship]\n"
    )
    message = bad(text)
    assert "plan.yaml:7: projects[0].stages[0].after" in message
    assert "understand -> ship -> understand" in message


def test_negative_hours_and_an_end_before_its_start() -> None:
    message = bad(GOOD.replace("{low: 3, high: 8}", "{low: -3, high: 8}"))
    assert "plan.yaml:19: projects[0].stages[2].hours.low: Input should be greater than" in message
    message = bad(
        GOOD.replace("ended: 2027-01-15", "ended: 2026-12-15").replace("low: 3", "low: 9")
    )
    assert "2 errors" in message
    assert "plan.yaml:10: projects[0].stages[0].ended: the stage ends on 2026-12-15" in message
    assert "plan.yaml:19: projects[0].stages[2].hours: hours need low <= high" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("after: [understand, train]", "after: [nowhere]"), "waits for 'nowhere'"),
        (("likely: 14", "likely: 40"), "optimistic <= likely <= pessimistic"),
        (("owner: ana", "owner: ana\n    color: blue"), "projects[0].color: not a known field"),
        (("runs: [3f2a9c]", "runs: ['bad id!']"), "runs[0]"),
        (("start: 2027-05-03", "start: someday"), "stages[3].start"),
        (("projects:", "project:"), "top-level `projects:`"),
        (
            ("    owner: ana", "    owner: ana\n    owner: bo"),
            "plan.yaml:5: the key 'owner' is given twice",
        ),
        (("- name: churn", "- name: [churn"), "not valid YAML"),
    ],
)
def test_other_mistakes_are_named(change: tuple[str, str], expected: str) -> None:
    assert expected in bad(GOOD.replace(*change))
