"""Pure logic, no I/O: batches of points, downsampling, and (later) health, ETA, forecast."""
