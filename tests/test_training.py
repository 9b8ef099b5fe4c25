"""A real PyTorch training loop logs through the SDK; every point comes back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowtide.sdk import ClientSettings, Run
from tests.conftest import LiveServer

torch = pytest.importorskip("torch")


def test_pytorch_loop_round_trip(live_server: LiveServer, tmp_path: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(512, 8)
    y = (x @ torch.randn(8, 1) + 0.1 * torch.randn(512, 1)).squeeze(1)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)
    settings = ClientSettings(url=live_server.url, home=tmp_path, flush_interval_s=0.05)
    logged: dict[str, list[float]] = {"train/loss": [], "grad_norm": [], "lr": []}
    with Run(project="torch", name="regression", config={"lr": 0.05}, settings=settings) as run:
        for step in range(300):
            batch = torch.randint(0, 512, (32,))
            loss = torch.nn.functional.mse_loss(model(x[batch]).squeeze(1), y[batch])
            optimizer.zero_grad()
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            optimizer.step()
            lr = scheduler.get_last_lr()[0]
            scheduler.step()
            # Tensors go in as they are; the SDK takes their value.
            run.log({"train/loss": loss.detach(), "grad_norm": grad_norm, "lr": lr}, step=step)
            logged["train/loss"].append(loss.item())
            logged["grad_norm"].append(grad_norm.item())
            logged["lr"].append(lr)
    store = live_server.store
    assert store.get_run(run.id).status.value == "finished"
    for key, values in logged.items():
        series = store.read_series(run.id, key)
        assert series.steps.tolist() == list(range(300))
        assert series.values.tolist() == values
    assert logged["train/loss"][-1] < logged["train/loss"][0]
