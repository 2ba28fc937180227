"""Build configuration: what to build, for which board and clock, and where."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from finn.util.basic import pynq_part_map
from finn.util.exceptions import ConfigError

DEFAULT_MODEL = "TFC-w1a1"


@dataclass
class BuildConfig:
    """Everything a build needs. ``model`` is a zoo name (``TFC-w1a1``) or an ONNX path."""

    model: str = DEFAULT_MODEL
    output_dir: str = "build_tfc_w1a1"
    board: str = "Pynq-Z1"
    clock_ns: float = 10.0
    folding_config: str | None = None
    target_fps: float | None = None
    start_step: str | None = None
    stop_step: str | None = None
    resume: bool = False
    verify: bool = True
    dynamo: bool = False
    mnist_dir: str | None = None
    epochs: int | None = None
    seed_folding: bool = False
    # memory ports the input DMA stripes frames over; None: the fewest that keep up
    hp_ports: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def fpga_part(self) -> str:
        return pynq_part_map[self.board]

    @property
    def is_zoo_model(self) -> bool:
        return parse_zoo_name(self.model) is not None

    def validate(self) -> None:
        """Check everything that can be checked before any output is written."""
        if self.board not in pynq_part_map:
            raise ConfigError(f"unknown board '{self.board}'",
                              hint=f"choose one of: {', '.join(pynq_part_map)}")
        if os.path.exists(self.output_dir) and not os.path.isdir(self.output_dir):
            raise ConfigError(f"output folder '{self.output_dir}' is an existing file",
                              hint="give --out a folder name (new, or a previous build's folder)")
        from sim.board_model import board_model, check_clock

        board = board_model(self.board)
        check_clock(board, self.clock_ns)  # the PS must be able to make the clock
        if self.hp_ports is not None and not 1 <= self.hp_ports <= board.hp_ports:
            raise ConfigError(f"{self.board} has {board.hp_ports} HP ports; --hp-ports {self.hp_ports} asked for",
                              hint=f"choose 1 to {board.hp_ports}, or leave it out to pick the fewest that keep up")
        if self.target_fps is not None and not self.target_fps > 0:
            raise ConfigError(f"target FPS must be positive, got {self.target_fps}")
        if self.folding_config is not None and self.target_fps is not None:
            raise ConfigError("give either a folding config or a target FPS, not both")
        if self.folding_config is not None and not os.path.isfile(self.folding_config):
            raise ConfigError(f"folding config '{self.folding_config}' does not exist",
                              hint="pass the path of a JSON file: {\"<node name>\": {\"PE\": 16, \"SIMD\": 49}}")
        if not self.is_zoo_model:
            if self.model.endswith(".onnx") or os.path.isfile(self.model):
                from finn.core.model_file import load_onnx

                load_onnx(self.model)  # raises ModelLoadError for missing/truncated/non-ONNX files
            else:
                from finn.util.test import zoo_names

                names = ", ".join(f"{n}-w{w}a{a}" for n, w, a in zoo_names())
                raise ConfigError(f"model '{self.model}' is neither an ONNX file nor a zoo name",
                                  hint=f"give a path to an .onnx file or one of: {names}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fpga_part"] = self.fpga_part
        return d


def parse_zoo_name(name: str) -> tuple[str, int, int] | None:
    """``"TFC-w1a1"`` -> ``("TFC", 1, 1)``; None when ``name`` is not of that form or not in the zoo."""
    import re

    m = re.fullmatch(r"([A-Za-z]+)[-_]?w(\d+)a(\d+)", name.strip())
    if m is None or Path(name).suffix == ".onnx":
        return None
    from finn.util.test import zoo_names

    key = (m.group(1).upper(), int(m.group(2)), int(m.group(3)))
    return key if key in zoo_names() else None
