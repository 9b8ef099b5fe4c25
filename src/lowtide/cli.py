"""The `lowtide` command: thin commands over the library, errors as one clean line."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from lowtide import __version__
from lowtide.config import Settings
from lowtide.core.records import RunStatus, json_float
from lowtide.core.sparkline import sparkline
from lowtide.errors import LowtideError

#: Points per key fetched to draw a sparkline.
SPARKLINE_POINTS = 400

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="lowtide",
    help="Know when your ML projects need you, and make the lows count.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
run_app = typer.Typer(help="Look at one run.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(run_app, name="run")
incident_app = typer.Typer(help="Act on one incident.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(incident_app, name="incident")
notify_app = typer.Typer(
    help="Where and when lowtide calls you: channels (Apprise URLs), quiet hours, digest.",
    no_args_is_help=True,
)
app.add_typer(notify_app, name="notify")


def clean_errors(fn: F) -> F:
    """Turn lowtide's errors into one red line and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LowtideError as exc:
            err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        console.print(f"lowtide {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Know when your ML projects need you, and make the lows count."""


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        raise LowtideError(f"bad setting: {exc}") from None


@app.command()
@clean_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL; the embedded SQLite file by default.")
    ] = None,
) -> None:
    """Start the server and the API (http://127.0.0.1:7600 by default)."""
    from lowtide.server.serve import serve as run_server
    from lowtide.store import open_store

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = _settings(host=host, port=port, database_url=database_url)
    console.print(f"lowtide {__version__} on http://{settings.host}:{settings.port}")
    store = open_store(settings.database_url)
    try:
        run_server(settings, store)
    finally:
        store.close()


@app.command("runs")
@clean_errors
def list_runs(
    project: Annotated[str | None, typer.Option(help="Only this project.")] = None,
    status: Annotated[RunStatus | None, typer.Option(help="Only runs in this state.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only runs with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
) -> None:
    """List runs, newest first."""
    with _OpenStore() as store:
        found = store.list_runs(project=project, status=status, tag=tag, limit=limit)
    if not found:
        console.print("no runs yet")
        return
    now = time.time()
    table = Table(box=None, header_style="bold")
    for column in ("id", "name", "project", "status", "started", "duration", "last seen"):
        table.add_column(column)
    for r in found:
        end = r.ended_at if r.ended_at is not None else now
        table.add_row(
            r.uid[:8],
            r.name,
            r.project,
            _status(r.status),
            _ago(now - r.started_at),
            _duration(end - r.started_at),
            _ago(now - r.last_seen_at),
        )
    console.print(table)


@run_app.command("show")
@clean_errors
def show_run(
    run: Annotated[str, typer.Argument(help="Run id, id prefix or name.")],
) -> None:
    """A run's summary, last values and a sparkline per key."""
    from lowtide.core.downsample import downsample
    from lowtide.server.outlook import run_outlook

    with _OpenStore() as store:
        record = store.find_run(run)
        keys = store.list_keys(record.uid)
        lines = []
        for k in keys:
            series = store.read_series(record.uid, k.key)
            idx = downsample(series.steps, series.values, SPARKLINE_POINTS, "lttb")
            lines.append((k, sparkline(series.values[idx])))
        outlook = run_outlook(store, record.uid) if keys else None
    now = time.time()
    end = record.ended_at if record.ended_at is not None else now
    console.print(f"[bold]{record.name}[/bold]  ({record.uid})", highlight=False)
    console.print(
        f"project {record.project} · {_status(record.status)} · "
        f"started {_ago(now - record.started_at)} · ran {_duration(end - record.started_at)}",
        highlight=False,
    )
    if record.tags:
        console.print("tags: " + ", ".join(record.tags), highlight=False)
    if record.config:
        console.print("config: " + ", ".join(f"{k}={v}" for k, v in record.config.items()))
    if not lines:
        console.print("no metrics logged yet")
        return
    table = Table(box=None, header_style="bold")
    for column in ("key", "points", "last step", "last value", "trend"):
        table.add_column(column, justify="right" if column in ("points", "last step") else "left")
    for k, line in lines:
        table.add_row(k.key, str(k.n_points), str(k.last_step), _value(k.last_value), line)
    console.print(table)
    if outlook is not None:
        for line in _outlook_lines(outlook):
            console.print(line, highlight=False)


def _outlook_lines(outlook: Any) -> list[str]:
    """The ETA and the projected end, as `run show` prints them."""
    lines = []
    if outlook.planned_steps is not None:
        where = f"step {outlook.last_step} of {outlook.planned_steps}"
        if outlook.eta_s is not None:
            lines.append(f"ETA {_duration(outlook.eta_s)} ({where})")
        else:
            lines.append(where)
    p = outlook.projection
    if p is not None:
        text = (
            f"{outlook.metric} heading for {_value(float(p['value']))} "
            f"(likely {_value(float(p['low']))} to {_value(float(p['high']))}) by step {p['step']}"
        )
        if outlook.target is not None:
            best = f"{_value(outlook.target.best)} of {outlook.target.run_name}"
            verdict = "[yellow]will not beat[/]" if outlook.will_not_beat else "may beat"
            text += f"; {verdict} the project's best, {best}"
        lines.append(text)
    return lines


@app.command()
@clean_errors
def sync(
    direct: Annotated[
        bool, typer.Option(help="Write into the local store even if a server is running.")
    ] = False,
) -> None:
    """Send what the SDK spooled while the server was unreachable."""
    from lowtide.sdk.settings import ClientSettings
    from lowtide.server.sync import sync as run_sync

    result = run_sync(_settings(), ClientSettings.from_env(), direct=direct)
    if result.busy:
        raise LowtideError("another process is sending the spool right now; try again shortly")
    console.print(f"sent {result.sent} spooled operations to {result.target}")
    if result.rejected:
        err_console.print(
            f"[yellow]{result.rejected} were refused and set aside in the spool's "
            "'rejected' folder[/yellow]"
        )
    if result.remaining:
        raise LowtideError(f"{result.remaining} operations could not be sent; try again later")


@app.command()
@clean_errors
def replay(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Logs or folders of them: TensorBoard, CSV (lowtide, Lightning, Keras), "
            "trainer_state.json."
        ),
    ],
    observe_for: Annotated[
        float, typer.Option(min=0, help="Seconds the clock runs on after the last point.")
    ] = 600.0,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per run.")] = False,
) -> None:
    """Judge logged runs with the health engine, as if they were running now."""
    from lowtide.ingest.replay import find_runs, replay_run

    for source in find_runs(paths):
        path = source.path
        result = replay_run(source, observe_for)
        if as_json:
            sys.stdout.write(json.dumps(result.to_json()) + "\n")
            continue
        alarms = [i for i in result.incidents if i["severity"] != "info"]
        colour = "green" if not alarms else "red"
        console.print(
            f"[bold]{path}[/bold]  [{colour}]{result.state}[/]  {result.n_points} points",
            highlight=False,
        )
        for incident in result.incidents:
            console.print(
                f"  {incident['severity']:>4}  {incident['rule']:<18} step {incident['step']}: "
                f"{incident['message']}",
                highlight=False,
            )


@app.command()
@clean_errors
def watch(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Folders or files to follow: TensorBoard event folders, CSV logs "
            "(lowtide, Lightning, Keras), Hugging Face output folders."
        ),
    ],
    interval: Annotated[
        float, typer.Option(min=0.01, help="Seconds between two looks at the files.")
    ] = 1.0,
    project: Annotated[
        str | None, typer.Option(help="Project of every run; by default its parent folder.")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Read what is there, send it, and exit.")
    ] = False,
) -> None:
    """Follow training logs as they are written and stream their points into lowtide.

    Each run folder (or CSV log) becomes a run, sent to the server at LOWTIDE_URL,
    or written into the store when no server answers. Ctrl-C stops after sending
    what was read.
    """
    from lowtide.ingest.targets import open_target
    from lowtide.ingest.watch import PollResult, Watcher
    from lowtide.sdk.settings import ClientSettings

    _log_to_stderr()
    stop = threading.Event()

    def report(result: PollResult) -> None:
        for run in result.new_runs:
            source = run.source
            console.print(
                f"[green]+[/green] {source.project}/{source.name}  "
                f"[dim]{source.format.value} · {source.path}[/dim]",
                highlight=False,
            )
        for run in result.finished_runs:
            console.print(f"[blue]✓[/blue] {run.source.name} finished", highlight=False)
        for run in result.ended_runs:
            console.print(f"[dim]- {run.source.name}: its log is gone[/dim]", highlight=False)

    client = ClientSettings.from_env()
    with open_target(_settings(), client) as target:
        watcher = Watcher(paths, target, client, project=project)
        console.print(f"watching {len(paths)} path(s), sending to {target.description}")
        try:
            with _stop_on_signals(stop):
                if once:
                    report(watcher.poll(final=True))
                elif console.is_terminal:
                    with console.status("watching") as status:

                        def show(result: PollResult) -> None:
                            report(result)
                            n = len(watcher.runs)
                            status.update(
                                f"watching {n} run{'' if n == 1 else 's'} · "
                                f"{watcher.points:,} points"
                            )

                        watcher.run(interval, stop, show)
                else:
                    watcher.run(interval, stop, report)
        finally:
            watcher.close()
    n = len(watcher.runs)
    console.print(f"{n} run{'' if n == 1 else 's'}, {watcher.points:,} new points", highlight=False)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C (or SIGTERM) sets `stop`; a second Ctrl-C interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _log_to_stderr() -> None:
    """Warnings of the library (an unreachable server, a damaged file) as lines on stderr."""
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
    )


@app.command("incidents")
@clean_errors
def list_incidents(
    run: Annotated[str | None, typer.Option(help="Only this run (id, prefix or name).")] = None,
    project: Annotated[str | None, typer.Option(help="Only this project.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
) -> None:
    """Health incidents: what needs you, newest first (open ones unless --all)."""
    with _OpenStore() as store:
        uid = store.find_run(run).uid if run else None
        found = store.list_incidents(run=uid, project=project, open_only=not all_, limit=limit)
    if not found:
        console.print("no open incidents" if not all_ else "no incidents")
        return
    now = time.time()
    table = Table(box=None, header_style="bold")
    for column in ("id", "severity", "rule", "run", "step", "opened", "state", "message"):
        table.add_column(column, overflow="fold")
    colours = {"page": "red", "warn": "yellow", "info": "blue"}
    for i in found:
        state = "resolved" if i.resolved_at else ("acked" if i.acknowledged_at else "open")
        table.add_row(
            str(i.id),
            f"[{colours.get(i.severity, 'white')}]{i.severity}[/]",
            i.rule,
            i.run_name,
            "" if i.opened_step is None else str(i.opened_step),
            _ago(now - i.opened_at),
            state,
            i.message,
        )
    console.print(table)


@incident_app.command("ack")
@clean_errors
def ack_incident(incident_id: Annotated[int, typer.Argument(help="The incident's id.")]) -> None:
    """Acknowledge an incident: it stays open until it resolves, but notifies no more."""
    with _OpenStore() as store:
        record = store.acknowledge_incident(incident_id)
    console.print(f"acknowledged {record.rule} on {record.run_name}", highlight=False)


@app.command()
@clean_errors
def mute(
    project: Annotated[str | None, typer.Option(help="Mute this project.")] = None,
    run: Annotated[str | None, typer.Option(help="Mute this run (id, prefix or name).")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule (e.g. stall).")] = None,
    hours: Annotated[
        float | None, typer.Option(min=0, help="For this many hours; forever by default.")
    ] = None,
) -> None:
    """Silence notifications for a project or a run."""
    from lowtide.core.health import RuleId

    if rule is not None and rule not in {r.value for r in RuleId}:
        raise LowtideError(f"unknown rule {rule!r}; rules: {', '.join(r.value for r in RuleId)}")
    until = time.time() + hours * 3600 if hours is not None else None
    with _OpenStore() as store:
        uid = store.find_run(run).uid if run else None
        made = store.add_mute(project=project, run=uid, rule=rule, until=until)
    console.print(f"mute {made.id} set", highlight=False)


@app.command()
@clean_errors
def unmute(
    mute_id: Annotated[int, typer.Argument(help="The mute's id (see `lowtide mute`).")],
) -> None:
    """Remove a mute."""
    with _OpenStore() as store:
        store.delete_mute(mute_id)
    console.print(f"mute {mute_id} removed", highlight=False)


_PROJECT_OPTION = typer.Option(help="A project's own settings instead of yours.")


@notify_app.command("show")
@clean_errors
def notify_show() -> None:
    """Your notification settings and each project's own (secrets masked)."""
    from lowtide.notify import mask_url

    with _OpenStore() as store:
        stored = store.notify_settings()
    if not stored:
        console.print("no notification channels; add one with `lowtide notify add URL`")
        return
    for scope, raw in sorted(stored.items()):
        console.print(f"[bold]{'you' if not scope else 'project ' + scope}[/bold]")
        for n, url in enumerate(raw.get("channels", []), 1):
            console.print(f"  {n}. {mask_url(url)}", highlight=False)
        quiet = raw.get("quiet_hours") or "none"
        console.print(
            f"  time zone {raw.get('timezone')}, quiet hours {quiet}, "
            f"digest at {raw.get('digest_at')}, at most {raw.get('per_hour'):g} an hour, "
            f"warnings {'at once' if raw.get('notify_warnings') else 'in the digest'}",
            highlight=False,
        )


@notify_app.command("add")
@clean_errors
def notify_add(
    url: Annotated[str, typer.Argument(help="An Apprise URL: slack://..., ntfy://topic, ...")],
    project: Annotated[str | None, _PROJECT_OPTION] = None,
) -> None:
    """Add a channel (see https://appriseit.com/services/ for the URL of each service)."""
    from lowtide.notify import AppriseChannel

    channel = AppriseChannel(url)
    _edit_notify(
        project,
        lambda raw: {**raw, "channels": list(dict.fromkeys([*raw["channels"], url]))},
    )
    console.print(f"added {channel.name}", highlight=False)


@notify_app.command("remove")
@clean_errors
def notify_remove(
    channel: Annotated[
        str, typer.Argument(help="Its number in `lowtide notify show`, or its URL.")
    ],
    project: Annotated[str | None, _PROJECT_OPTION] = None,
) -> None:
    """Remove a channel."""

    def drop(raw: dict[str, Any]) -> dict[str, Any]:
        urls = list(raw["channels"])
        if channel.isdigit() and 1 <= int(channel) <= len(urls):
            del urls[int(channel) - 1]
        elif channel in urls:
            urls.remove(channel)
        else:
            raise LowtideError(f"no channel {channel!r}; see `lowtide notify show`")
        return {**raw, "channels": urls}

    _edit_notify(project, drop)
    console.print("removed")


@notify_app.command("set")
@clean_errors
def notify_set(
    project: Annotated[str | None, _PROJECT_OPTION] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA name, e.g. Europe/Paris.")] = None,
    quiet: Annotated[
        str | None, typer.Option(help="Quiet hours, e.g. 22:00-07:00; 'off' for none.")
    ] = None,
    pages_in_quiet: Annotated[
        bool | None, typer.Option(help="Pages go out during quiet hours too.")
    ] = None,
    digest_at: Annotated[str | None, typer.Option(help="Local time of the daily digest.")] = None,
    warnings: Annotated[
        bool | None, typer.Option(help="Send warnings at once, not only in the digest.")
    ] = None,
    per_hour: Annotated[float | None, typer.Option(help="Messages per hour per channel.")] = None,
    burst: Annotated[int | None, typer.Option(help="Messages at once before the rate.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="The dashboard's address, for links.")
    ] = None,
) -> None:
    """Change when and how often you are notified."""
    changes = {
        "timezone": timezone,
        "quiet_hours": quiet,
        "pages_override_quiet": pages_in_quiet,
        "digest_at": digest_at,
        "notify_warnings": warnings,
        "per_hour": per_hour,
        "burst": burst,
        "base_url": base_url,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes.get("quiet_hours") == "off":
        changes["quiet_hours"] = None
    if not changes:
        raise LowtideError("nothing to change; see `lowtide notify set --help`")
    _edit_notify(project, lambda raw: {**raw, **changes})
    console.print("saved")


@notify_app.command("test")
@clean_errors
def notify_test(project: Annotated[str | None, _PROJECT_OPTION] = None) -> None:
    """Send a test message through each channel now, and say how each went."""
    from lowtide.notify import AppriseChannel
    from lowtide.notify.config import config_from_json

    with _OpenStore() as store:
        raw = store.notify_settings().get(project or "")
    config = config_from_json(raw) if raw else None
    if config is None or not config.channels:
        raise LowtideError("no channels to test; add one with `lowtide notify add URL`")
    failed = 0
    for url in config.channels:
        channel = AppriseChannel(url, config.channel_timeout_s)
        try:
            channel.send("lowtide test message", "Notifications from lowtide reach you here.")
            console.print(f"[green]sent[/green] {channel.name}", highlight=False)
        except LowtideError as exc:
            failed += 1
            err_console.print(f"[red]failed[/red] {exc}", highlight=False)
    if failed:
        raise typer.Exit(1)


@notify_app.command("log")
@clean_errors
def notify_log(
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 30,
) -> None:
    """What became of recent messages: sent, retrying, failed or dropped."""
    with _OpenStore() as store:
        found = store.list_deliveries(limit=limit)
    if not found:
        console.print("nothing sent yet")
        return
    now = time.time()
    table = Table(box=None, header_style="bold")
    for column in ("when", "status", "channel", "title", "error"):
        table.add_column(column, overflow="fold")
    colours = {"sent": "green", "retrying": "yellow", "failed": "red", "dropped": "red"}
    for d in found:
        table.add_row(
            _ago(now - d.at),
            f"[{colours.get(d.status, 'white')}]{d.status}[/]",
            d.channel,
            d.title,
            d.error or "",
        )
    console.print(table)


def _edit_notify(project: str | None, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Apply `change` to a scope's stored settings, checked before they are saved."""
    from lowtide.notify import NotifyConfig
    from lowtide.notify.config import config_from_json, config_to_json

    scope = project or ""
    with _OpenStore() as store:
        raw = store.notify_settings().get(scope) or config_to_json(NotifyConfig())
        store.set_notify_settings(scope, config_to_json(config_from_json(change(raw))))


@db_app.command("upgrade")
@clean_errors
def db_upgrade(
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
) -> None:
    """Create or migrate the database schema to the newest revision."""
    from lowtide.store import open_store

    settings = _settings(database_url=database_url)
    store = open_store(settings.database_url)
    try:
        store.upgrade()
    finally:
        store.close()
    console.print("the database schema is up to date")


class _OpenStore:
    """The configured store, checked and closed after use."""

    def __enter__(self) -> Any:
        from lowtide.store import open_store

        self.store = open_store(_settings().database_url)
        try:
            self.store.check_schema()
        except LowtideError:
            self.store.close()
            raise
        return self.store

    def __exit__(self, *_: object) -> None:
        self.store.close()


def _status(status: RunStatus) -> str:
    color = {
        "running": "cyan",
        "stalled": "yellow",
        "finished": "green",
        "failed": "red",
        "crashed": "red",
    }
    return f"[{color[status.value]}]{status.value}[/]"


def _value(x: float) -> str:
    shown = json_float(x)
    return shown if isinstance(shown, str) else f"{shown:.6g}"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m:02d}m"
    return f"{m}m{s:02d}s" if m else f"{s}s"


def _ago(seconds: float) -> str:
    return _duration(seconds) + " ago"


# Projects and the forecast, the opportunity board, rates with the growth log, the plan,
# the writeup and the demo have their own modules; they add their commands to `app` and
# need the helpers above, so they come in last.
from lowtide import (  # noqa: E402, F401
    cli_demo,
    cli_growth,
    cli_opportunities,
    cli_plan,
    cli_projects,
    cli_writeup,
)


def main() -> None:
    """Entry point of the `lowtide` command."""
    app(prog_name="lowtide")


if __name__ == "__main__":  # pragma: no cover
    main()
