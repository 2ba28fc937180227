"""The system around the accelerator: DMA instances and the generated top ``finn_system``.

``finn_system`` is what a Vivado block design instantiates and what the system
simulation runs (DESIGN.md, "The system around the accelerator")::

    s_axi_idma0 (AXI4-Lite) --> finn_idma --AXIS--> finn_top (the stitched accelerator)
    s_axi_odma0 (AXI4-Lite) --> finn_odma <--AXIS--
    m_axi_hp<k> (AXI4)      <-- idma port k reads; port 0 also carries the odma's writes

Memory port 0 is a full AXI4 master (the input DMA's first read port and the output
DMA's write channels share it: AXI's read and write channels are independent, so
sharing costs no bandwidth); ports 1..K-1 carry reads only, their write channels are
tied idle. The accelerator's debug ports (every stream's valid/ready, every FIFO's
occupancy) come out as ``dbg_*`` for the simulation's stall reports; a block design
leaves them unconnected.
"""

from __future__ import annotations

from dataclasses import dataclass

from finn.codegen.rtl_stitch import TOP as ACCEL_TOP
from finn.codegen.rtl_stitch import TopInfo

SYSTEM_TOP = "finn_system"
CONTROL_PORTS = ("s_axi_idma0", "s_axi_odma0")
CTRL_ADDR_BITS = 6  # 64 bytes of registers per DMA

# (suffix, direction seen from finn_system, width): AXI4-Lite slave
AXIL_SIGNALS = (
    ("awaddr", "input", CTRL_ADDR_BITS), ("awvalid", "input", 1), ("awready", "output", 1),
    ("wdata", "input", 32), ("wstrb", "input", 4), ("wvalid", "input", 1), ("wready", "output", 1),
    ("bresp", "output", 2), ("bvalid", "output", 1), ("bready", "input", 1),
    ("araddr", "input", CTRL_ADDR_BITS), ("arvalid", "input", 1), ("arready", "output", 1),
    ("rdata", "output", 32), ("rresp", "output", 2), ("rvalid", "output", 1), ("rready", "input", 1),
)
# AXI4 master read channels (width "A" = address bits, "M" = memory data bits)
AXI_READ_SIGNALS = (
    ("araddr", "output", "A"), ("arlen", "output", 8), ("arsize", "output", 3), ("arburst", "output", 2),
    ("arcache", "output", 4), ("arprot", "output", 3), ("arvalid", "output", 1), ("arready", "input", 1),
    ("rdata", "input", "M"), ("rresp", "input", 2), ("rlast", "input", 1), ("rvalid", "input", 1),
    ("rready", "output", 1),
)
AXI_WRITE_SIGNALS = (
    ("awaddr", "output", "A"), ("awlen", "output", 8), ("awsize", "output", 3), ("awburst", "output", 2),
    ("awcache", "output", 4), ("awprot", "output", 3), ("awvalid", "output", 1), ("awready", "input", 1),
    ("wdata", "output", "M"), ("wstrb", "output", "S"), ("wlast", "output", 1), ("wvalid", "output", 1),
    ("wready", "input", 1), ("bresp", "input", 2), ("bvalid", "input", 1), ("bready", "output", 1),
)


@dataclass(frozen=True)
class DmaParams:
    """Verilog parameters of one DMA instance (see finn/rtllib/finn_idma.v, finn_odma.v)."""

    module: str  # finn_idma or finn_odma
    mem_width: int
    stream_width: int  # padded to whole bytes
    frame_bytes: int
    ports: int
    max_burst: int
    outstanding: int
    addr_width: int
    fifo_depth: int  # idma: beats per port; odma: beats
    word_fifo_depth: int = 2  # idma only: stream words per port

    def verilog_params(self) -> dict[str, int]:
        common = {"MEM_W": self.mem_width, "STREAM_W": self.stream_width, "FRAME_BYTES": self.frame_bytes,
                  "MAX_BURST": self.max_burst, "OUTSTANDING": self.outstanding, "ADDR_W": self.addr_width}
        if self.module == "finn_idma":
            return {**common, "PORTS": self.ports, "BEAT_FIFO_DEPTH": self.fifo_depth,
                    "WORD_FIFO_DEPTH": self.word_fifo_depth}
        return {**common, "FIFO_DEPTH": self.fifo_depth}


def dma_params(op, addr_width: int) -> DmaParams:
    """The :class:`DmaParams` of an ``IODMA`` op (``finn.custom_op.fpgadataflow.iodma``)."""
    out = op.get_nodeattr("direction") == "out"
    ports, burst, outstanding = (op.get_nodeattr(a) for a in ("numPorts", "maxBurst", "outstanding"))
    if out:
        return DmaParams("finn_odma", op.get_nodeattr("intfWidth"), 8 * op.word_bytes(), op.frame_bytes(),
                         1, burst, outstanding, addr_width, fifo_depth=2 * burst)
    # striped ports buffer a frame's words each, so the round-robin never starves a port
    words = op.frame_words() + 2 if ports > 1 else 2
    return DmaParams("finn_idma", op.get_nodeattr("intfWidth"), 8 * op.word_bytes(), op.frame_bytes(),
                     ports, burst, outstanding, addr_width, fifo_depth=outstanding * burst,
                     word_fifo_depth=words)


@dataclass(frozen=True)
class SystemInfo:
    """What the harness, the Vivado project and the drivers need to know of ``finn_system``."""

    accel: TopInfo
    idma: DmaParams
    odma: DmaParams
    mem_ports: int
    mem_width: int
    addr_width: int

    @property
    def memory_ports(self) -> list[str]:
        return [f"m_axi_hp{k}" for k in range(self.mem_ports)]

    @property
    def control_ports(self) -> tuple[str, ...]:
        return CONTROL_PORTS

    @property
    def dbg_streams(self) -> list[str]:
        """Stream names of the dbg_valid/dbg_ready bits, bit 0 first."""
        return [f"into {s}" for s in self.accel.streams[:-1]] + ["into odma0"]


def _width(spec: int | str, info: SystemInfo) -> int:
    return {"A": info.addr_width, "M": info.mem_width, "S": info.mem_width // 8}.get(spec, spec)  # type: ignore[arg-type]


def _decl(direction: str, width: int, name: str) -> str:
    rng = f"[{width - 1}:0] " if width > 1 else ""
    return f"  {direction} wire {rng}{name}"


def system_ports(info: SystemInfo) -> list[tuple[str, str, int]]:
    """Every port of ``finn_system`` as (name, direction, width), in declaration order."""
    ports: list[tuple[str, str, int]] = [("ap_clk", "input", 1), ("ap_rst_n", "input", 1)]
    for ctrl in CONTROL_PORTS:
        ports += [(f"{ctrl}_{s}", d, w) for s, d, w in AXIL_SIGNALS]
    for mem in info.memory_ports:
        for s, d, w in AXI_READ_SIGNALS + AXI_WRITE_SIGNALS:
            ports.append((f"{mem}_{s}", d, _width(w, info)))
    ports += [("idma0_interrupt", "output", 1), ("odma0_interrupt", "output", 1)]
    n = len(info.accel.streams)  # accelerator streams incl. its output = DMA boundaries
    count_bits = sum(b for _, _, b in info.accel.fifos) or 1
    ports += [("dbg_valid", "output", n), ("dbg_ready", "output", n), ("dbg_fifo_count", "output", count_bits)]
    return ports


def system_top(info: SystemInfo) -> str:
    """Verilog of module ``finn_system`` (see the module docstring)."""
    a, idma, odma = info.accel, info.idma, info.odma
    k = info.mem_ports
    ports = system_ports(info)
    lines = [f"// System top: input DMA, stitched accelerator, output DMA, {k} memory port(s) (generated).",
             f"module {SYSTEM_TOP} ("]
    lines += [_decl(d, w, n) + ("," if i < len(ports) - 1 else "") for i, (n, d, w) in enumerate(ports)]
    lines.append(");")
    aw, mw = info.addr_width, info.mem_width
    # streams between the DMAs and the accelerator
    lines += [
        f"  wire [{idma.stream_width - 1}:0] in_tdata;", "  wire in_tvalid, in_tready, in_tlast;",
        f"  wire [{a.out_width - 1}:0] out_tdata;", "  wire out_tvalid, out_tready, out_tlast;",
        f"  wire [{k * aw - 1}:0] rd_araddr;", f"  wire [{k * 8 - 1}:0] rd_arlen;",
        f"  wire [{k * 3 - 1}:0] rd_arsize;", f"  wire [{k * 2 - 1}:0] rd_arburst;",
        f"  wire [{k * 4 - 1}:0] rd_arcache;", f"  wire [{k * 3 - 1}:0] rd_arprot;",
        f"  wire [{k - 1}:0] rd_arvalid, rd_arready, rd_rlast, rd_rvalid, rd_rready;",
        f"  wire [{k * mw - 1}:0] rd_rdata;", f"  wire [{k * 2 - 1}:0] rd_rresp;",
    ]

    def params(p: DmaParams) -> str:
        return ",\n".join(f"    .{name}({value})" for name, value in p.verilog_params().items())

    def ctrl(prefix: str) -> list[str]:
        return [f".s_axi_control_{s}({prefix}_{s})" for s, _, _ in AXIL_SIGNALS]

    idma_ports = [".clk(ap_clk)", ".rst_n(ap_rst_n)", *ctrl("s_axi_idma0"), ".interrupt(idma0_interrupt)"]
    idma_ports += [f".m_axi_{s}(rd_{s})" for s, _, _ in AXI_READ_SIGNALS]
    idma_ports += [".m_axis_tdata(in_tdata)", ".m_axis_tvalid(in_tvalid)", ".m_axis_tready(in_tready)",
                   ".m_axis_tlast(in_tlast)"]
    lines.append(f"  finn_idma #(\n{params(idma)}\n  ) idma0 (\n    " + ",\n    ".join(idma_ports) + "\n  );")
    # the accelerator: the stream word is the DMA's without its byte padding
    accel_ports = [".clk(ap_clk)", ".rst_n(ap_rst_n)", f".s_axis_tdata(in_tdata[{a.in_width - 1}:0])",
                   ".s_axis_tvalid(in_tvalid)", ".s_axis_tready(in_tready)", ".m_axis_tdata(out_tdata)",
                   ".m_axis_tvalid(out_tvalid)", ".m_axis_tready(out_tready)", ".m_axis_tlast(out_tlast)",
                   ".dbg_valid(dbg_valid)", ".dbg_ready(dbg_ready)", ".dbg_fifo_count(dbg_fifo_count)"]
    lines.append(f"  {ACCEL_TOP} accel (\n    " + ",\n    ".join(accel_ports) + "\n  );")
    pad = odma.stream_width - a.out_width
    out_word = f"{{{pad}'b0, out_tdata}}" if pad else "out_tdata"
    odma_ports = [".clk(ap_clk)", ".rst_n(ap_rst_n)", *ctrl("s_axi_odma0"), ".interrupt(odma0_interrupt)",
                  f".s_axis_tdata({out_word})", ".s_axis_tvalid(out_tvalid)", ".s_axis_tready(out_tready)",
                  ".s_axis_tlast(out_tlast)"]
    odma_ports += [f".m_axi_{s}(m_axi_hp0_{s})" for s, _, _ in AXI_WRITE_SIGNALS]
    lines.append(f"  finn_odma #(\n{params(odma)}\n  ) odma0 (\n    " + ",\n    ".join(odma_ports) + "\n  );")
    # memory port k: read channels from the idma's k-th slice
    for port in range(k):
        mem = f"m_axi_hp{port}"
        for s, d, w in AXI_READ_SIGNALS:
            width = _width(w, info)
            sl = f"[{(port + 1) * width - 1}:{port * width}]" if width > 1 else f"[{port}]"
            if d == "output":
                lines.append(f"  assign {mem}_{s} = rd_{s}{sl};")
            else:
                lines.append(f"  assign rd_{s}{sl} = {mem}_{s};")
        if port > 0:  # read-only port: write channels idle
            for s, d, w in AXI_WRITE_SIGNALS:
                if d == "output":
                    value = "1'b1" if s == "bready" else f"{_width(w, info)}'d0"
                    lines.append(f"  assign {mem}_{s} = {value};")
    lines += ["endmodule", ""]
    return "\n".join(lines)
