"""The web dashboard: pages rendered on the server, charts drawn by vendored uPlot."""

from lowtide.server.dashboard.routes import mount_dashboard

__all__ = ["mount_dashboard"]
