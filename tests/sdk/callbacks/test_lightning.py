"""PyTorch Lightning: a real Trainer fits a tiny model, logging through LowtideLogger."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from lowtide.core.records import RunStatus
from lowtide.sdk import ClientSettings
from tests.conftest import LiveServer
from tests.sdk.callbacks.conftest import only_run, series

lightning = pytest.importorskip("lightning")

from lowtide.sdk.callbacks.lightning import LowtideLogger  # noqa: E402


class Regression(lightning.LightningModule):  # type: ignore[misc]
    def __init__(self, lr: float = 0.05, hidden: int = 8) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(4, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)
        )

    def training_step(self, batch: list[torch.Tensor], _: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: list[torch.Tensor], _: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader(seed: int) -> DataLoader[tuple[torch.Tensor, ...]]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 4, generator=g)
    y = x.sum(dim=1, keepdim=True)
    return DataLoader(TensorDataset(x, y), batch_size=8)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_fit_logs_metrics_hyperparameters_and_planned_steps(
    live_server: LiveServer, client: ClientSettings
) -> None:
    logger = LowtideLogger(project="lightning", name="regression", settings=client)
    trainer = lightning.Trainer(
        max_epochs=3,
        logger=logger,
        log_every_n_steps=1,
        accelerator="cpu",
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Regression(lr=0.05, hidden=8), loader(0), loader(1))
    run = only_run(live_server, "lightning")
    assert run.name == "regression"
    assert run.status is RunStatus.FINISHED
    assert run.config["lr"] == 0.05
    assert run.config["hidden"] == 8
    assert live_server.store.health_settings(run.uid).planned_steps == 24
    logged = series(live_server, run)
    steps, losses = logged["train_loss"]
    assert steps == list(range(24))
    assert losses[-1] < losses[0]
    assert len(logged["val_loss"][0]) == 3
    assert logger.version == run.uid


def test_without_lightning_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['lightning'] = None\n"
        "try:\n"
        "    import lowtide.sdk.callbacks.lightning\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'lowtide[lightning]'" in out.stdout
