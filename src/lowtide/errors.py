"""The one exception tree of lowtide.

    LowtideError                 base of everything lowtide raises on purpose
    ├── ConfigError              a setting or environment variable is unusable
    ├── NotFoundError            a run, project or key that does not exist
    ├── ValidationError          input that breaks a rule (bad key, bad value, bad shape)
    │   └── PayloadTooLargeError a request body or batch over its size limit
    ├── ConflictError            input that contradicts what is stored
    ├── StoreError               the database is unusable (unreachable, not migrated)
    ├── SourceError              an opportunity source's file or URL cannot be read
    └── TransportError           the SDK could not reach the server
        └── RejectedError        the server answered, and refused the request for good

The server maps these to HTTP answers in one handler; the CLI prints their
message as one line and exits non-zero.
"""

from __future__ import annotations


class LowtideError(Exception):
    """Base of every error lowtide raises on purpose; its message speaks to the user."""


class ConfigError(LowtideError):
    """Raised when a setting or environment variable cannot be used as given."""


class NotFoundError(LowtideError):
    """Raised when a run, project or metric key that was asked for does not exist."""


class ValidationError(LowtideError):
    """Raised when input breaks a rule; `field` names the offending part of the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PayloadTooLargeError(ValidationError):
    """Raised when a request body or a batch is over its size limit."""


class ConflictError(LowtideError):
    """Raised when input contradicts what is stored (a run id reused for another run)."""


class StoreError(LowtideError):
    """Raised when the database cannot be reached or its schema is not the expected one."""


class SourceError(LowtideError):
    """Raised when an importer cannot read its file, folder or URL, or the service behind it."""


class TransportError(LowtideError):
    """Raised by the SDK's transport when the server cannot be reached or fails (5xx)."""


class RejectedError(TransportError):
    """Raised when the server refused a request for good (4xx); retrying will not help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
