"""Operations the SDK delivers: plain JSON-able dicts, the same on the wire and in the spool.

{"op": "create_run", "run_id": ..., "body": {...}}   POST /api/v1/runs
{"op": "log",        "run_id": ..., "body": batch}   POST /api/v1/runs/{id}/batches
{"op": "heartbeat",  "run_id": ...}                  POST /api/v1/runs/{id}/heartbeat
{"op": "finish",     "run_id": ..., "body": {...}}   POST /api/v1/runs/{id}/finish
"""

from __future__ import annotations

import math
from typing import Any

Op = dict[str, Any]

OP_KINDS = ("create_run", "log", "heartbeat", "finish")


def op_path(op: Op) -> str:
    """The API path an operation is POSTed to."""
    kind = op["op"]
    if kind == "create_run":
        return "/api/v1/runs"
    suffix = {"log": "batches", "heartbeat": "heartbeat", "finish": "finish"}[kind]
    return f"/api/v1/runs/{op['run_id']}/{suffix}"


def op_body(op: Op) -> Any:
    """The JSON body of an operation (heartbeats have none)."""
    return op.get("body", {})


def wire_float(x: float) -> float | str:
    """Non-finite floats as the strings the API reads: "NaN", "Infinity", "-Infinity"."""
    if math.isfinite(x):
        return x
    if x != x:
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"
