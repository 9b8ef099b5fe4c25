"""`make bench`: lowtide against a peer measured in the same run, as ratios.

- `ingest`: points/s over HTTP in 1,000-point batches vs the MLflow server and raw SQLite
- `sdk`: the cost of one `run.log()` call vs `mlflow.log_metrics` with async logging
- `read`: series reads (downsampled 1M points, all of 100k) vs MLflow's metric history
- `memory`: the server's RSS while 50 runs log at once vs the idle server

`python -m benchmarks [NAME ...]` runs some or all; each starts its own servers
on 127.0.0.1, keeps their data in a temporary folder and stops them at the end.
"""
