"""`lowtide replay`: logged runs judged by the health engine as if they ran now."""

from __future__ import annotations

from pathlib import Path

from lowtide.ingest.replay import replay_run


def test_every_incident_is_reported_once(tmp_path: Path) -> None:
    """Incidents that open and resolve one after another are all kept (none merged)."""
    rows, t = [], 1000.0
    for step in range(310):
        t += 60.0 if step in (130, 260) else 1.0  # two pauses, each a stall that ends
        rows.append(f"{step},{t},{2.0 / (1 + step / 50)}")
    log = tmp_path / "run.csv"
    log.write_text("step,wall_time,loss\n" + "\n".join(rows) + "\n")
    stalls = [i for i in replay_run(log).incidents if i["rule"] == "stall"]
    assert [i["step"] for i in stalls] == [129, 259, 309]  # the last: it never logged again
    assert ["resolved_at" in i for i in stalls] == [True, True, False]


def test_an_incident_freed_by_the_engine_keeps_its_report() -> None:
    """The engine drops resolved incidents; the next one may get the freed object's id."""
    from types import SimpleNamespace

    from lowtide.core.health import Action
    from lowtide.ingest import replay

    def incident(step: int) -> SimpleNamespace:
        return SimpleNamespace(
            rule=SimpleNamespace(value="stall"),
            severity=SimpleNamespace(value="warn"),
            opened_step=step,
            opened_at=float(step),
            onset_step=step,
            message=f"stall at {step}",
            resolved_at=step + 1.0,
        )

    class Health:
        def __init__(self) -> None:
            self.events: list[SimpleNamespace] = []

        def take_events(self) -> list[SimpleNamespace]:
            events, self.events = self.events, []
            return events

    health = Health()
    opened: replay._Opened = {}
    for step in (10, 20, 30):
        current = incident(step)
        health.events = [
            SimpleNamespace(action=Action.OPENED, incident=current),
            SimpleNamespace(action=Action.RESOLVED, incident=current),
        ]
        replay._collect(health, opened)  # type: ignore[arg-type]
        del current
    assert [summary["step"] for _, summary in opened.values()] == [10, 20, 30]
