"""Tables of the store.

Points are kept in chunks: each row of `point_chunks` holds up to a few
thousand points of one key of one run as packed little-endian arrays (int64
steps, float64 wall times and values). Reading a key is an index range scan
over a handful of rows in write order, whatever the size of the table, and NaN and ±Inf
survive as the IEEE values they are. Keys are interned in `metric_keys`.
Times are Unix seconds (UTC) as floats, like the points' wall times.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: Longest run, project and batch names and ids the schema holds.
NAME_LENGTH = 200
RUN_UID_LENGTH = 32
KEY_LENGTH = 250
BATCH_ID_LENGTH = 64
STATUS_LENGTH = 16
TIMEZONE_LENGTH = 64
CURRENCY_LENGTH = 3
#: A plan's key of an opportunity: its source and its key there, "source/key".
PLAN_KEY_LENGTH = 2 * NAME_LENGTH + 1

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_LENGTH), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("kinds", JSON, nullable=True),
    # What the project is for and who owns it (projects as code, `lowtide project add`).
    Column("goal", Text, nullable=True),
    Column("owner", String(NAME_LENGTH), nullable=True),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(RUN_UID_LENGTH), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("config", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(STATUS_LENGTH), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    Column("last_seen_at", Float, nullable=False),
    # Planned total steps (for the ETA) and per-key series kinds that override the guess.
    Column("planned_steps", BigInteger, nullable=True),
    Column("kinds", JSON, nullable=True),
    Index(None, "project_id", "started_at"),
    Index(None, "status"),
    Index(None, "name"),
)

metric_keys = Table(
    "metric_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(KEY_LENGTH), nullable=False, unique=True),
)

# One row per (run, key): the key's last point and the chunk new points go into.
# last_value NULL means NaN, because SQLite cannot hold a NaN REAL.
run_keys = Table(
    "run_keys",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key_id", Integer, ForeignKey("metric_keys.id"), primary_key=True),
    Column("n_points", BigInteger, nullable=False),
    Column("last_step", BigInteger, nullable=False),
    Column("last_wall_time", Float, nullable=False),
    Column("last_value", Float, nullable=True),
    Column("open_chunk_id", BigInteger, nullable=True),
)

point_chunks = Table(
    "point_chunks",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key_id", Integer, ForeignKey("metric_keys.id"), nullable=False),
    Column("first_step", BigInteger, nullable=False),
    Column("last_step", BigInteger, nullable=False),
    Column("n_points", Integer, nullable=False),
    Column("steps", LargeBinary, nullable=False),
    Column("wall_times", LargeBinary, nullable=False),
    Column("values", LargeBinary, nullable=False),
    Index(None, "run_id", "key_id", "first_step"),
    # A key's chunks in write order, so that reading them needs no sort of the blobs.
    Index(None, "run_id", "key_id", "id"),
)

# Client batch ids already stored, so that a retried batch is stored once.
batches = Table(
    "batches",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("batch_id", String(BATCH_ID_LENGTH), primary_key=True),
    Column("n_points", Integer, nullable=False),
    Column("received_at", Float, nullable=False),
)

run_events = Table(
    "run_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("kind", String(NAME_LENGTH), nullable=False),
    Column("message", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Index(None, "run_id", "at"),
)

# Health incidents: one open row per (run, rule); resolved rows are history.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("rule", String(NAME_LENGTH), nullable=False),
    Column("severity", String(STATUS_LENGTH), nullable=False),
    Column("key", String(KEY_LENGTH), nullable=True),
    Column("onset_step", BigInteger, nullable=True),
    Column("opened_step", BigInteger, nullable=True),
    Column("last_step", BigInteger, nullable=True),
    Column("opened_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("resolved_at", Float, nullable=True),
    Column("message", Text, nullable=False),
    Column("resolution", Text, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("count", Integer, nullable=False),
    Column("acknowledged_at", Float, nullable=True),
    Index(None, "run_id", "rule", "resolved_at"),
    Index(None, "resolved_at", "severity"),
)

# Mutes silence notifications for a project or a run, for one rule or all, until a time.
mutes = Table(
    "mutes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=True),
    Column("rule", String(NAME_LENGTH), nullable=True),
    Column("until", Float, nullable=True),
    Column("created_at", Float, nullable=False),
)

# Where and when to notify: one row for the user (scope "") and one per project that
# has its own; `config` is the notifier's JSON form of it.
notify_settings = Table(
    "notify_settings",
    metadata,
    Column("scope", String(NAME_LENGTH), primary_key=True),
    Column("config", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# What became of each message on each channel: sent, retried, failed or dropped.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", Float, nullable=False),
    Column("scope", String(NAME_LENGTH), nullable=False),
    Column("channel", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(STATUS_LENGTH), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Index(None, "at"),
)

# -- projects, stages and the forecast -----------------------------------------------

# The engineer's working time: one row (id 1); no row means the defaults.
engineer_profile = Table(
    "engineer_profile",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("weekly_hours", Float, nullable=False),
    Column("workdays", JSON, nullable=False),
    Column("timezone", String(TIMEZONE_LENGTH), nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Days off, first to last inclusive.
time_off = Table(
    "time_off",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("note", Text, nullable=False),
)

# Busy time from calendars; `source` names the import that a re-import replaces.
busy_times = Table(
    "busy_times",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("source", String(NAME_LENGTH), nullable=False),
    Column("starts_at", Float, nullable=False),
    Column("ends_at", Float, nullable=False),
    Column("summary", Text, nullable=False),
    Index(None, "source"),
    Index(None, "starts_at"),
)

# A project's stages, in the order they were given; estimates are days, hours a week.
stages = Table(
    "stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(NAME_LENGTH), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(STATUS_LENGTH), nullable=False),
    Column("status", String(STATUS_LENGTH), nullable=False),
    Column("involvement", String(STATUS_LENGTH), nullable=True),
    Column("est_optimistic", Float, nullable=True),
    Column("est_likely", Float, nullable=True),
    Column("est_pessimistic", Float, nullable=True),
    Column("hours_low", Float, nullable=True),
    Column("hours_high", Float, nullable=True),
    Column("planned_start", Date, nullable=True),
    Column("started_on", Date, nullable=True),
    Column("ended_on", Date, nullable=True),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("project_id", "key"),
)

# Which stages a stage waits for.
stage_deps = Table(
    "stage_deps",
    metadata,
    Column("stage_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True),
    Column("after_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True),
)

# Runs of a training stage, by run id (a run may be linked before it exists).
stage_runs = Table(
    "stage_runs",
    metadata,
    Column("stage_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True),
    Column("run_uid", String(RUN_UID_LENGTH), primary_key=True),
)

# Progress counts of annotation and collection stages over time, for their ETA.
stage_progress = Table(
    "stage_progress",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("stage_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("done", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Index(None, "stage_id", "at"),
)

# Hours really spent on a stage in the week starting on `week` (a Monday).
hours_actuals = Table(
    "hours_actuals",
    metadata,
    Column("stage_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True),
    Column("week", Date, primary_key=True),
    Column("hours", Float, nullable=False),
)

# Key/value tags of a run (MLflow's run tags); `runs.tags` stays the list of plain labels.
run_tags = Table(
    "run_tags",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(KEY_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

# Runs deleted through the MLflow API: hidden from its searches until restored.
deleted_runs = Table(
    "deleted_runs",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("deleted_at", Float, nullable=False),
)

# Models logged through the MLflow client (MLflow 3's logged models); their files are
# artifacts under `<experiment>/models/<id>/artifacts`.
logged_models = Table(
    "logged_models",
    metadata,
    Column("id", String(BATCH_ID_LENGTH), primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("source_run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("model_type", String(NAME_LENGTH), nullable=True),
    Column("status", String(STATUS_LENGTH), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("params", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Index(None, "project_id", "name"),
)

# -- opportunities, the board and the growth log ----------------------------------------

# Opportunities by source and natural key. `data` is what the last import brought (the
# core's JSON form), `edits` the user's fields laid over it, kept across re-imports;
# kind, title and deadline_at are the result with edits, for ordering and filtering.
opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(NAME_LENGTH), nullable=False),
    Column("key", String(NAME_LENGTH), nullable=False),
    Column("kind", String(STATUS_LENGTH), nullable=False),
    Column("title", Text, nullable=False),
    Column("deadline_at", Float, nullable=True),
    Column("data", JSON, nullable=False),
    Column("edits", JSON, nullable=False),
    Column("imported_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("source", "key"),
    Index(None, "deadline_at"),
)

# Board filters the user saved under a name (`lowtide opportunities list --save NAME`).
saved_filters = Table(
    "saved_filters",
    metadata,
    Column("name", String(NAME_LENGTH), primary_key=True),
    Column("filter", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# What one unit of each currency is worth in the base currency (board_settings).
currency_rates = Table(
    "currency_rates",
    metadata,
    Column("currency", String(CURRENCY_LENGTH), primary_key=True),
    Column("per_base", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# The board's settings by name: the base currency and the value weights.
board_settings = Table(
    "board_settings",
    metadata,
    Column("name", String(NAME_LENGTH), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# What the engineer did: hours, earnings, a link to show for it, a competition's rank.
growth_log = Table(
    "growth_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("done_on", Date, nullable=False),
    Column("kind", String(STATUS_LENGTH), nullable=False),
    Column("title", Text, nullable=False),
    Column("hours", Float, nullable=False),
    Column("earned", Float, nullable=False),
    Column("currency", String(CURRENCY_LENGTH), nullable=False),
    Column("link", Text, nullable=False),
    Column("rank", Integer, nullable=True),
    Column("note", Text, nullable=False),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("created_at", Float, nullable=False),
    Index(None, "done_on"),
)

# -- plans of the lulls ------------------------------------------------------------------

# Plans: the latest preview, the accepted one, and the accepted ones they superseded.
# Weeks (Mondays), free hours and the habit's hours are JSON lists, one figure a week;
# `settings` are the planner settings used and `filter` the board filter drawn from. Ids
# are never reused (a replaced preview's id must not name the next one).
plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("state", String(STATUS_LENGTH), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("accepted_at", Float, nullable=True),
    Column("weeks", JSON, nullable=False),
    Column("free_hours", JSON, nullable=False),
    Column("habit", JSON, nullable=False),
    Column("frozen_weeks", Integer, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("filter", JSON, nullable=False),
    Column("value", Float, nullable=False),
    Column("method", String(STATUS_LENGTH), nullable=False),
    Column("gap", Float, nullable=True),
    Column("notes", JSON, nullable=False),
    Index(None, "state"),
    sqlite_autoincrement=True,
)

# A plan's chosen activities in order: the candidate planned (JSON), its hours and the
# hours kept from the accepted plan week by week (JSON lists), and the explanation.
plan_items = Table(
    "plan_items",
    metadata,
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("key", String(PLAN_KEY_LENGTH), nullable=False),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("candidate", JSON, nullable=False),
    Column("hours", JSON, nullable=False),
    Column("frozen", JSON, nullable=False),
    Column("long", Boolean, nullable=False),
    Column("explanation", Text, nullable=False),
)

# What a plan left out, and why.
plan_rejections = Table(
    "plan_rejections",
    metadata,
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("key", String(PLAN_KEY_LENGTH), nullable=False),
    Column(
        "opportunity_id",
        Integer,
        ForeignKey("opportunities.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("title", Text, nullable=False),
    Column("kind", String(STATUS_LENGTH), nullable=False),
    Column("reason", Text, nullable=False),
)

# The planner's settings by name (rest hours, caps, habit, P50 or P80, time limit).
planner_settings = Table(
    "planner_settings",
    metadata,
    Column("name", String(NAME_LENGTH), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
)
