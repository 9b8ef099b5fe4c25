"""Sources that turn logs into points: TensorBoard, CSV and Hugging Face logs, read live
(`lowtide watch`) or after the fact (`lowtide replay`); MLflow to come."""
