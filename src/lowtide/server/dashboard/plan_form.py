"""The Plan page's settings form: read as typed, each error kept next to its field.

The checks are the planner's own (`PlannerSettings`), so the page, the CLI and
the API refuse the same values; this module only turns typed text into
numbers and says in words what a field takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lowtide.core.plan_settings import (
    MAX_ACTIVITIES,
    MAX_PLAN_WEEKS,
    MAX_TIME_LIMIT_S,
    MIN_TIME_LIMIT_S,
    WEEK_HOURS,
    PlannerSettings,
)

#: What each numeric field takes, in words: (label, whole number?, least, most, unit).
FIELDS: dict[str, tuple[str, bool, float, float, str]] = {
    "rest_hours": ("Rest hours a week", False, 0, WEEK_HOURS, "hours"),
    "max_concurrent": ("Activities at once", True, 0, MAX_ACTIVITIES, "activities"),
    "max_long": ("Long commitments", True, 0, MAX_ACTIVITIES, "commitments"),
    "habit_hours": ("Habit hours a week", False, 0, WEEK_HOURS, "hours"),
    "time_limit_s": ("Solver time limit", False, MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S, "seconds"),
    "freeze_weeks": ("Weeks kept when re-planning", True, 0, MAX_PLAN_WEEKS, "weeks"),
    "weeks": ("Weeks to plan", True, 1, MAX_PLAN_WEEKS, "weeks"),
}
#: The choice between the forecast's P80 free hours (cautious) and its P50.
PERCENTILES = ("p80", "p50")


@dataclass(frozen=True)
class SettingsForm:
    """The form's text by field, the settings it stands for, and what was wrong."""

    text: dict[str, str]
    settings: PlannerSettings | None = None
    errors: dict[str, str] = field(default_factory=dict)


def settings_form(settings: PlannerSettings) -> SettingsForm:
    """The form filled with the settings in use."""
    text = {name: f"{getattr(settings, name):g}" for name in FIELDS}
    text["percentile"] = "p50" if settings.optimistic else "p80"
    return SettingsForm(text, settings)


def parse_settings_form(posted: Mapping[str, str], base: PlannerSettings) -> SettingsForm:
    """The settings the form asks for over `base`; an empty field keeps its value."""
    text = {name: posted.get(name, "").strip() for name in (*FIELDS, "percentile")}
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name, (label, whole, low, high, unit) in FIELDS.items():
        typed = text[name]
        if not typed:
            continue
        takes = f"{label} is a {'whole number' if whole else 'number'} from {low:g} to {high:g}"
        try:
            number = float(typed)
        except ValueError:
            errors[name] = f"{takes} {unit}; “{typed}” is not a number."
            continue
        if not low <= number <= high or (whole and number != int(number)):
            errors[name] = f"{takes} {unit}, not {typed}."
            continue
        changes[name] = int(number) if whole else number
    percentile = text["percentile"].lower()
    if percentile and percentile not in PERCENTILES:
        errors["percentile"] = "Plan into the forecast's P80 (cautious) or P50 free hours."
    elif percentile:
        changes["optimistic"] = percentile == "p50"
    if errors:
        return SettingsForm(text, None, errors)
    try:
        settings = PlannerSettings.from_json(changes, base)
    except ValueError as exc:
        # The planner's own check across fields, which names the field first.
        name, _, message = str(exc).partition(": ")
        where = name if name in text else "habit_hours"
        return SettingsForm(text, None, {where: message[:1].upper() + message[1:] + "."})
    return SettingsForm(text, settings)
