"""The demo's two projects, dated from today, as the YAML file `lowtide projects apply` reads.

`wave-forecast` has trained its models and waits on them: its stages left are
a short rollout and then maintenance. `support-triage` starts in a few weeks
and spends its second month on labelling by a third party. Between the two the
engineer has free weeks, and the forecast shows them as lulls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lowtide.core.stages import Project
from lowtide.projects.spec import load_plan

#: What the projects file is called in error messages.
SOURCE = "<demo projects>"
#: Weeks from this week's Monday until the second project starts.
SECOND_PROJECT_WEEKS = 5


def demo_projects(today: dt.date, training_runs: Sequence[str]) -> list[Project]:
    """The two projects; the first one's training stage links `training_runs`."""
    return load_plan(demo_yaml(today, training_runs), SOURCE)


def demo_yaml(today: dt.date, training_runs: Sequence[str]) -> str:
    """The projects file, its dates counted from `today`."""

    def ago(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    monday = today - dt.timedelta(days=today.weekday())
    second = (monday + dt.timedelta(weeks=SECOND_PROJECT_WEEKS)).isoformat()
    runs = ", ".join(training_runs)
    return f"""\
projects:
  - name: wave-forecast
    goal: forecast a noisy seasonal signal a week ahead
    owner: you
    stages:
      - name: understand
        kind: understanding
        status: done
        estimate: {{optimistic: 3, likely: 5, pessimistic: 8}}
        started: {ago(38)}
        ended: {ago(33)}
      - name: collect
        kind: collection
        status: done
        estimate: {{optimistic: 4, likely: 5, pessimistic: 10}}
        started: {ago(33)}
        ended: {ago(27)}
      - name: features
        kind: wrangling
        status: done
        estimate: {{optimistic: 7, likely: 10, pessimistic: 15}}
        started: {ago(27)}
        ended: {ago(13)}
      - name: model
        kind: development
        status: done
        estimate: {{optimistic: 5, likely: 7, pessimistic: 12}}
        started: {ago(13)}
        ended: {ago(4)}
      - name: train
        kind: training
        status: active
        estimate: {{optimistic: 5, likely: 8, pessimistic: 14}}
        started: {ago(4)}
        runs: [{runs}]
      - name: ship
        kind: deployment
        estimate: {{optimistic: 3, likely: 5, pessimistic: 8}}
  - name: support-triage
    goal: route support tickets to the right team
    owner: you
    stages:
      - name: understand
        kind: understanding
        start: {second}
        estimate: {{optimistic: 4, likely: 5, pessimistic: 8}}
      - name: label
        kind: annotation
        estimate: {{optimistic: 14, likely: 21, pessimistic: 28}}
      - name: wrangle
        kind: wrangling
        estimate: {{optimistic: 7, likely: 10, pessimistic: 14}}
      - name: develop
        kind: development
        estimate: {{optimistic: 7, likely: 10, pessimistic: 14}}
      - name: train
        kind: training
        estimate: {{optimistic: 3, likely: 5, pessimistic: 10}}
      - name: ship
        kind: deployment
        estimate: {{optimistic: 3, likely: 5, pessimistic: 8}}
"""
