"""Sources that turn logs into points: CSV logs now; TensorBoard and MLflow to come."""
