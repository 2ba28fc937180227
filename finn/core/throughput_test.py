"""`throughput_test_remote`: frames/s of a deployed accelerator on a PYNQ board."""

from __future__ import annotations

from finn.util.exceptions import ToolNotFoundError


def throughput_test_remote(model, batchsize: int = 1000) -> dict:
    if model.get_metadata_prop("pynq_deployment_dir") is None:
        raise ToolNotFoundError(
            "throughput_test_remote needs a PYNQ board with a deployed bitfile (DeployToPYNQ)",
            hint="build with ZynqBuild (Vivado) and deploy to a board first",
        )
    raise ToolNotFoundError("remote execution on a PYNQ board is not available in this build")
