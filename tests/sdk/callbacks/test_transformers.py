"""Hugging Face Transformers: a real Trainer trains a tiny model built from a config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lowtide.core.records import RunStatus
from lowtide.sdk import ClientSettings
from tests.conftest import LiveServer
from tests.sdk.callbacks.conftest import only_run, series

transformers = pytest.importorskip("transformers")

from lowtide.sdk.callbacks.transformers import LowtideCallback  # noqa: E402


class Tokens(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    """Sequences whose label is whether token 1 occurs in them."""

    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(2, 30, (n, 12), generator=g)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        self.ids[self.labels == 1, 3] = 1

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {
            "input_ids": self.ids[i],
            "attention_mask": torch.ones(12, dtype=torch.long),
            "labels": self.labels[i],
        }


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_trainer_logs_loss_eval_and_planned_steps(
    live_server: LiveServer, client: ClientSettings, tmp_path: Path
) -> None:
    config = transformers.BertConfig(
        vocab_size=32, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=16, num_labels=2,
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=12, logging_steps=2,
        per_device_train_batch_size=8, eval_strategy="steps", eval_steps=6,
        learning_rate=1e-3, report_to=[], save_strategy="no", use_cpu=True,
        disable_tqdm=True,
    )  # fmt: skip
    callback = LowtideCallback(project="hf", name="tiny-bert", settings=client)
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=Tokens(96, 0), eval_dataset=Tokens(32, 1),
        callbacks=[callback],
    )  # fmt: skip
    trainer.train()
    run = only_run(live_server, "hf")
    assert run.status is RunStatus.FINISHED
    assert live_server.store.health_settings(run.uid).planned_steps == 12
    assert run.config["args.learning_rate"] == pytest.approx(1e-3)
    assert run.config["model.hidden_size"] == 16
    logged = series(live_server, run)
    assert logged["loss"][0] == [2, 4, 6, 8, 10, 12]
    assert logged["eval_loss"][0] == [6, 12]
    assert "learning_rate" in logged
    assert "grad_norm" in logged


def test_without_transformers_the_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['transformers'] = None\n"
        "try:\n"
        "    import lowtide.sdk.callbacks.transformers\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'lowtide[transformers]'" in out.stdout
