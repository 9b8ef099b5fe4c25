"""Notifications: channels (Apprise underneath), message text, the rules, and the dispatcher.

config      NotifyConfig, QuietHours, RateLimit: what one user or project wants
notices     what can be submitted: EventNotice, RunSummary, Message
messages    pure formatting of notices into (title, body)
policy      which notices notify and when: severity, quiet hours, mutes, the digest
ratelimit   per-channel token buckets that merge what they hold back
channels    the Channel seam, AppriseChannel, FunctionChannel
dispatcher  Dispatcher: a bounded queue and a background thread that sends and retries
"""

from lowtide.notify.channels import AppriseChannel, Channel, FunctionChannel, mask_url
from lowtide.notify.config import NotifyConfig, QuietHours, RateLimit
from lowtide.notify.dispatcher import Delivery, DeliveryStatus, Dispatcher, RetryPolicy
from lowtide.notify.notices import EventNotice, Message, Notice, RunInfo, RunSummary
from lowtide.notify.policy import Decision, Digest, Policy, Route, Silences

__all__ = [
    "AppriseChannel",
    "Channel",
    "Decision",
    "Delivery",
    "DeliveryStatus",
    "Digest",
    "Dispatcher",
    "EventNotice",
    "FunctionChannel",
    "Message",
    "Notice",
    "NotifyConfig",
    "Policy",
    "QuietHours",
    "RateLimit",
    "RetryPolicy",
    "Route",
    "RunInfo",
    "RunSummary",
    "Silences",
    "mask_url",
]
