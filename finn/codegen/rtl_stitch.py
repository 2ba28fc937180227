"""The stitched accelerator: a chain of module instances behind one AXI-Stream in and out.

The top module (:func:`stitched_top`) wires instance ``i``'s master stream to instance
``i+1``'s slave stream, generates TLAST on the last output word of every frame, and
exposes debug ports for the simulation harness: the valid and ready bit of every
internal stream (stream ``i`` enters instance ``i``; stream ``N`` is the output) and
the occupancy of every FIFO, so a stalled simulation can say where it stalled.
"""

from __future__ import annotations

from dataclasses import dataclass

from finn.codegen.rtl_nodes import RtlInstance
from finn.util.exceptions import UnsupportedGraphError

TOP = "finn_top"


@dataclass(frozen=True)
class TopInfo:
    """What the harness needs to know about a generated top."""

    in_width: int
    out_width: int
    in_words: int  # per frame
    out_words: int
    streams: list[str]  # name of each internal stream (the instance it enters, or "output")
    fifos: list[tuple[str, int, int]]  # (name, depth, count bits)


def _value(v: int | str) -> str:
    return f'"{v}"' if isinstance(v, str) else str(int(v))


def _count_bits(depth: int) -> int:
    return max(1, (depth).bit_length())  # $clog2(DEPTH + 1)


def check_chain(instances: list[RtlInstance]) -> None:
    """Adjacent streams must have equal widths and word counts (InsertDWC makes them so)."""
    for a, b in zip(instances, instances[1:], strict=False):
        if a.out_width != b.in_width or a.out_words != b.in_words:
            raise UnsupportedGraphError(
                f"its output stream ({a.out_words} x {a.out_width} bits per vector) does not match the "
                f"input of '{b.node}' ({b.in_words} x {b.in_width} bits)",
                node=a.node,
                hint="run InsertDWC (and InsertFIFO) on the dataflow partition before stitching",
            )


def stitched_top(instances: list[RtlInstance], frame_vectors: int = 1) -> tuple[str, TopInfo]:
    """Verilog of module ``finn_top`` chaining ``instances`` (graph order); and its :class:`TopInfo`.

    ``frame_vectors`` is the number of vectors in one frame (TLAST marks the frame end).
    """
    if not instances:
        raise ValueError("a stitched design needs at least one instance")
    check_chain(instances)
    n = len(instances)
    first, last = instances[0], instances[-1]
    out_words = last.out_words * frame_vectors
    fifos = [(i.node, int(i.params["DEPTH"]), _count_bits(int(i.params["DEPTH"])))
             for i in instances if i.has_count]
    count_bits = sum(f[2] for f in fifos) or 1
    lines = [
        f"// Stitched dataflow accelerator of {n} units (generated).",
        f"module {TOP} (",
        "  input  wire clk,",
        "  input  wire rst_n,",
        f"  input  wire [{first.in_width - 1}:0] s_axis_tdata,",
        "  input  wire s_axis_tvalid,",
        "  output wire s_axis_tready,",
        f"  output wire [{last.out_width - 1}:0] m_axis_tdata,",
        "  output wire m_axis_tvalid,",
        "  input  wire m_axis_tready,",
        "  output wire m_axis_tlast,",
        f"  output wire [{n}:0] dbg_valid,",
        f"  output wire [{n}:0] dbg_ready,",
        f"  output wire [{count_bits - 1}:0] dbg_fifo_count",
        ");",
    ]
    for i in range(n + 1):
        width = instances[i].in_width if i < n else last.out_width
        lines.append(f"  wire [{width - 1}:0] s{i}_tdata;")
        lines.append(f"  wire s{i}_tvalid, s{i}_tready;")
        lines.append(f"  assign dbg_valid[{i}] = s{i}_tvalid;")
        lines.append(f"  assign dbg_ready[{i}] = s{i}_tready;")
    lines += ["  assign s0_tdata = s_axis_tdata;", "  assign s0_tvalid = s_axis_tvalid;",
              "  assign s_axis_tready = s0_tready;",
              f"  assign m_axis_tdata = s{n}_tdata;", f"  assign m_axis_tvalid = s{n}_tvalid;",
              f"  assign s{n}_tready = m_axis_tready;"]
    counts = []
    for i, inst in enumerate(instances):
        params = ",\n".join(f"    .{k}({_value(v)})" for k, v in inst.params.items())
        ports = [".clk(clk)", ".rst_n(rst_n)",
                 f".s_axis_tdata(s{i}_tdata)", f".s_axis_tvalid(s{i}_tvalid)", f".s_axis_tready(s{i}_tready)",
                 f".m_axis_tdata(s{i + 1}_tdata)", f".m_axis_tvalid(s{i + 1}_tvalid)",
                 f".m_axis_tready(s{i + 1}_tready)"]
        if inst.has_count:
            bits = _count_bits(int(inst.params["DEPTH"]))
            lines.append(f"  wire [{bits - 1}:0] {inst.ident}_count;")
            ports.append(f".count({inst.ident}_count)")
            counts.append(f"{inst.ident}_count")
        lines.append(f"  // {inst.node}")
        lines.append(f"  {inst.module} #(\n{params}\n  ) u_{inst.ident} (\n    " + ",\n    ".join(ports) + "\n  );")
    if counts:
        lines.append(f"  assign dbg_fifo_count = {{{', '.join(reversed(counts))}}};")
    else:
        lines.append("  assign dbg_fifo_count = 1'b0;")
    # TLAST: count output transfers, mark the last word of each frame
    cbits = max(1, (out_words - 1).bit_length())
    lines += [
        f"  reg [{cbits - 1}:0] out_count;",
        f"  localparam [{cbits - 1}:0] LAST_WORD = {cbits}'d{out_words - 1};",
        "  assign m_axis_tlast = (out_count == LAST_WORD);",
        "  always @(posedge clk) begin",
        "    if (!rst_n) out_count <= 0;",
        "    else if (m_axis_tvalid && m_axis_tready)",
        f"      out_count <= (out_count == LAST_WORD) ? {cbits}'d0 : out_count + 1'b1;",
        "  end",
        "endmodule",
        "",
    ]
    streams = [inst.node for inst in instances] + ["output"]
    info = TopInfo(first.in_width, last.out_width, first.in_words * frame_vectors, out_words, streams, fifos)
    return "\n".join(lines), info
