"""cocotb testbenches for ``finn/rtllib``: one ``tb_<module>.py`` per Verilog module.

Each bench has the same shape: an AXI-Stream driver with random valid gaps, a sink
with random back-pressure, a protocol checker on every stream, a reference model
from ``golden/`` and an in-order scoreboard that records every mismatch
(:mod:`rtl_tb.axis`). pytest runs them through ``cocotb_tools.runner``
(:mod:`rtl_tb.runner`), one case (parameters + data) per simulation.
"""
