"""Projects as code, calendars in, and the forecast assembled from the store."""
