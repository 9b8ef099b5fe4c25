"""The client a training script imports: standard library and platformdirs only."""

from lowtide.sdk.run import Run, current_run, start_run
from lowtide.sdk.settings import ClientSettings, Mode

__all__ = ["ClientSettings", "Mode", "Run", "current_run", "start_run"]
