"""`ZynqBuild`: the accelerator as a Zynq system, its Vivado project and (with Vivado) its bitfile.

The seed's call ``model.transform(ZynqBuild(platform="Pynq-Z1", period_ns=10))``. The work
is done by :func:`finn.deploy.zynq_build.zynq_build` (this module is the seed's import
path); see there for what it writes and what it does without Vivado.
"""

from __future__ import annotations

from qonnx.transformation.base import Transformation

from finn.util.exceptions import ConfigError


class ZynqBuild(Transformation):
    """Build the system of ``platform`` at ``period_ns`` (seed API).

    Parameters
    ----------
    platform : str
        A PYNQ board (``finn.util.basic.pynq_part_map``).
    period_ns : float
        The PL clock period; the board's PS must be able to make it.
    enable_debug : bool
        Accepted for the seed's signature; the system has no debug cores.
    hp_ports : int, optional
        Memory ports the input DMA stripes over (None: the fewest that keep up).
    out_dir : str, optional
        Where the system, the Vivado project and the reports go (default a fresh build dir).

    After ``apply``, :attr:`result` holds what was built (paths, Yosys or Vivado figures,
    and ``bitfile_status``, which says plainly whether a bitfile exists and why not).
    """

    def __init__(self, platform: str, period_ns: float, enable_debug: bool = False,
                 hp_ports: int | None = None, out_dir: str | None = None):
        super().__init__()
        from sim.board_model import board_model, check_clock

        board = board_model(platform)  # ConfigError listing the boards
        check_clock(board, period_ns)  # ConfigError naming the clocks the PS can make
        if hp_ports is not None and not 1 <= hp_ports <= board.hp_ports:
            raise ConfigError(f"{platform} has {board.hp_ports} HP ports; hp_ports={hp_ports} asked for",
                              hint=f"choose 1 to {board.hp_ports}")
        self.platform, self.period_ns = platform, period_ns
        self.hp_ports, self.out_dir = hp_ports, out_dir
        self.result: dict = {}

    def apply(self, model):
        from finn.deploy.zynq_build import zynq_build

        model, self.result = zynq_build(model, self.platform, self.period_ns, self.hp_ports, self.out_dir)
        return model, False
