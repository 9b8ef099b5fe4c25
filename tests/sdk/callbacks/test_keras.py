"""Keras 3 on the torch backend: a real `fit` logs through LowtideCallback."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from lowtide.core.records import RunStatus
from lowtide.sdk import ClientSettings
from tests.conftest import LiveServer
from tests.sdk.callbacks.conftest import only_run, series

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from lowtide.sdk.callbacks.keras import LowtideCallback  # noqa: E402


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fit_logs_batches_epochs_and_planned_steps(
    live_server: LiveServer, client: ClientSettings
) -> None:
    assert keras.backend.backend() == "torch"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])  # fmt: skip
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    callback = LowtideCallback(project="keras", name="classifier", settings=client)
    model.fit(x, y, batch_size=32, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[callback])  # fmt: skip
    run = only_run(live_server, "keras")
    assert run.status is RunStatus.FINISHED
    assert run.config["epochs"] == 3
    assert run.config["optimizer.name"] == "sgd"
    assert run.config["optimizer.learning_rate"] == pytest.approx(0.1)
    assert live_server.store.health_settings(run.uid).planned_steps == 18
    logged = series(live_server, run)
    assert logged["loss"][0] == list(range(1, 19))
    assert logged["val_loss"][0] == [6, 12, 18]
    assert logged["epoch"][1] == [1.0, 2.0, 3.0]
    assert 0.0 <= logged["val_accuracy"][1][-1] <= 1.0


def test_without_keras_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['keras'] = None\n"
        "try:\n"
        "    import lowtide.sdk.callbacks.keras\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'lowtide[keras]'" in out.stdout
