"""Where messages go: the `Channel` seam, Apprise behind it, and a function-backed fake.

One `AppriseChannel` per URL, so that each channel has its own rate limit,
retries and delivery record. Apprise parses the URL when the channel is
built (no I/O), and a URL it cannot use is a `ValidationError` at once, not
a silent failure at the first incident. Secrets in URLs never reach our
messages: channels are named by Apprise's privacy-masked URL, and error
text is scrubbed of every secret-looking part of the URL it was given.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from apprise import Apprise, AppriseAsset, NotificationManager, NotifyFormat

from lowtide.errors import TransportError, ValidationError

log = logging.getLogger(__name__)

#: Seconds to connect, and to wait for an answer, on one send unless the URL says
#: otherwise (`?cto=`/`?rto=`); Apprise's own default is 4 s each.
DEFAULT_TIMEOUT_S = 10.0
#: Apprise's logger; it logs every send at INFO and parsing detail at DEBUG.
APPRISE_LOGGER = "apprise"
#: The level Apprise's logger is kept at, so its chatter never floods ours.
APPRISE_LOG_LEVEL = logging.WARNING
#: Our messages are markdown-friendly plain text; Apprise converts it per service.
BODY_FORMAT = NotifyFormat.MARKDOWN
#: What stands in for a secret in names and error text.
MASK = "****"
#: URL parts shorter than this are not treated as secrets when scrubbing error text
#: (a path of `/a` would otherwise mask every `a`).
MIN_SECRET_CHARS = 4
#: Characters of Apprise's error text kept in a TransportError.
ERROR_MAX_CHARS = 300
#: A host name made of DNS labels with a dot (`hooks.slack.com`, `127.0.0.1`): shown in
#: masked URLs, unlike bare tokens in the host position (`tgram://123456:ABC...`).
DNS_NAME = re.compile(r"^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)$", re.IGNORECASE)
#: Apprise 2.2 imports `imghdr` (deprecated since Python 3.11) as it loads its plugins;
#: that one warning is silenced there, so apps and tests that turn warnings into
#: errors can still build channels.
IMGHDR_WARNING = r"'imghdr' is deprecated"


class Channel(Protocol):
    """A place messages go. `name` is safe to show (no secrets)."""

    @property
    def name(self) -> str: ...

    def send(self, title: str, body: str) -> None:
        """Deliver one message, or raise `TransportError` saying why not."""
        ...


class FunctionChannel:
    """A channel backed by a function: the test double, and a hook for in-process sinks."""

    def __init__(self, name: str, send: Callable[[str, str], None]) -> None:
        self._name = name
        self._send = send

    @property
    def name(self) -> str:
        return self._name

    def send(self, title: str, body: str) -> None:
        self._send(title, body)


def quiet_apprise_logs() -> None:
    """Keep Apprise's logger at WARNING or above; a stricter level set by the app stays."""
    logger = logging.getLogger(APPRISE_LOGGER)
    if logger.level < APPRISE_LOG_LEVEL:
        logger.setLevel(APPRISE_LOG_LEVEL)


@functools.cache
def _plugins() -> NotificationManager:
    """Apprise's registry of services, with every plugin loaded once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=IMGHDR_WARNING, category=DeprecationWarning)
        plugins = NotificationManager()  # type: ignore[no-untyped-call]  # a shared singleton
        _ = "json" in plugins  # the first lookup loads every plugin module
    return plugins


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _apprise_muted() -> Iterator[None]:
    """Silence Apprise while it parses a URL: some plugins log a bad URL in full.

    Our own error says what was wrong, with the URL masked. Apprise logs from
    other threads in this short window are lost too; they would be send results.
    """
    logger = logging.getLogger(APPRISE_LOGGER)
    drop = _DropAll()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _scheme(url: str) -> str:
    head, sep, _ = url.partition("://")
    return head.lower() if sep else ""


def mask_url(url: str) -> str:
    """The URL without its secrets, for messages about a URL Apprise could not read.

    Keeps the scheme and a DNS-like host; user info, paths and queries (where
    services keep their tokens) become `****`.
    """
    scheme = _scheme(url) or "?"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a token where the port should be (`tgram://123:ABC`)
        return f"{scheme}://{MASK}"
    shown = f"{host}{port}" if DNS_NAME.match(host) else (MASK if host else "")
    user = f"{MASK}@" if "@" in parts.netloc else ""
    rest = f"/{MASK}" if parts.path.strip("/") or parts.query else ""
    return f"{scheme}://{user}{shown}{rest}"


def secret_parts(url: str, identifiers: bool = True) -> list[str]:
    """The parts of the URL that may be secrets, longest first (for scrubbing text).

    Passwords, query values and a host that is not a DNS name always count;
    with `identifiers`, so do the user name and the path segments, which some
    services use for tokens and others for names (`mailto://me@...`, `/hook`).
    """
    _, _, rest = url.partition("://")
    netloc, _, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    userinfo, _, host = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    candidates = [password] + [pair.partition("=")[2] for pair in query.split("&")]
    if identifiers:
        candidates += [user, *re.split(r"[:/]", path)]
    if not DNS_NAME.match(host.split(":")[0]):
        candidates += host.split(":")
    found = {c for part in candidates for c in (part, unquote(part)) if len(c) >= MIN_SECRET_CHARS}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """The text with every secret replaced by `****`."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


class AppriseChannel:
    """One Apprise URL: Slack, Discord, Telegram, email, ntfy, `json://` webhooks, ...

    Args:
        url: an Apprise URL (https://appriseit.com/services/).
        timeout_s: connect and read timeout of one send, unless the URL sets
            `cto`/`rto` itself. Sends run in the caller's thread (the notifier's),
            with no Apprise worker threads.

    Raises:
        ValidationError: when Apprise cannot use the URL; the message shows it masked.
    """

    def __init__(self, url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise ValidationError(
                f"channel timeout must be a positive number of seconds, not {timeout_s}",
                field="timeout_s",
            )
        quiet_apprise_logs()
        self._secrets = secret_parts(url)
        credentials = secret_parts(url, identifiers=False)
        scheme = _scheme(url)
        # Checked first: Apprise logs an unknown URL in full, secrets and all.
        if not scheme or scheme not in _plugins():
            raise ValidationError(
                f"notification URL {mask_url(url)} has no scheme Apprise knows; "
                "write it as slack://..., ntfy://topic, json://host/path, mailto://... "
                "(see https://appriseit.com/services/)",
                field="channels",
            )
        # service_timeout=0: no Apprise deadline, so no worker thread per send; the
        # socket timeouts below bound each send instead. Memory storage: no files.
        asset = AppriseAsset(service_timeout=0, storage_mode="memory")
        with _apprise_muted():
            plugin = Apprise.instantiate(url, asset=asset)
        if plugin is None:
            raise ValidationError(
                f"notification URL {mask_url(url)} is not usable: Apprise could not read it "
                f"or it lacks a required part (token, host, topic); see "
                f"https://appriseit.com/services/ for the {scheme}:// format",
                field="channels",
            )
        query = dict(parse_qsl(url.partition("?")[2]))
        if "cto" not in query:
            plugin.socket_connect_timeout = timeout_s
        if "rto" not in query:
            plugin.socket_read_timeout = timeout_s
        self._apprise = Apprise(asset=asset)
        self._apprise.add(plugin)
        private = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
        # Apprise's query holds its defaults (method, retry, overflow): noise in a name.
        # Apprise masks what each service keeps secret; credentials are scrubbed again in
        # case a plugin does not, while names (users, paths) stay to tell channels apart.
        self._name = scrub(private.partition("?")[0], credentials)

    @property
    def name(self) -> str:
        """The URL with its secrets masked by Apprise."""
        return self._name

    def send(self, title: str, body: str) -> None:
        """Send one message; a failure raises `TransportError` with Apprise's reason."""
        try:
            result = self._apprise.notify(body=body, title=title, body_format=BODY_FORMAT)
        except Exception as exc:  # Apprise raises on a message it cannot use
            raise TransportError(self._failed(str(exc) or type(exc).__name__)) from None
        with result:
            if result:
                return
            reasons = [entry.message for entry in result.logs()]
            status = result.status.name.lower()
        raise TransportError(self._failed("; ".join(reasons) or status))

    def _failed(self, reason: str) -> str:
        reason = scrub(reason, self._secrets)
        if len(reason) > ERROR_MAX_CHARS:
            reason = reason[: ERROR_MAX_CHARS - 1] + "…"
        return f"notification to {self._name} failed: {reason}"

    def __repr__(self) -> str:
        return f"AppriseChannel({self._name!r})"
