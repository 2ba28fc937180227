"""The build steps: plain ``step_x(model, ctx) -> model`` functions, in one named list.

Each step's model is saved as a checkpoint by the runner and, when verification is on,
executed on the test images (``finn.builder.verify``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

import finn.transformation.fpgadataflow.convert_to_hls_layers as to_hls
from finn.builder import transforms
from finn.builder.context import BuildContext
from finn.core.model_file import load_onnx
from finn.transformation.fpgadataflow.check import check_all_hw
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.transformation.fpgadataflow.folding import ApplyFoldingConfig, SetFolding
from finn.util.exceptions import UnsupportedGraphError

Step = Callable[[ModelWrapper | None, BuildContext], ModelWrapper]


def step_export(model, ctx: BuildContext) -> ModelWrapper:
    """Zoo model: train (or load the cached checkpoint) and export; ONNX file: load and
    convert QONNX quantizers to FINN form."""
    if ctx.torch_model is not None:
        from finn.util.brevitas import export_finn_onnx

        return export_finn_onnx(ctx.torch_model, (1, 1, 28, 28), dynamo=ctx.cfg.dynamo)
    return transforms.to_finn_onnx(load_onnx(ctx.cfg.model))


def step_tidy(model, ctx) -> ModelWrapper:
    return transforms.tidy_up(model)


def step_pre_post(model, ctx) -> ModelWrapper:
    """ToTensor pre-processing (uint8 input) and TopK post-processing."""
    if model.get_tensor_datatype(model.graph.input[0].name).name == "UINT8":
        return model  # already has them (a model given after this step)
    return transforms.add_pre_post_processing(model)


def step_streamline(model, ctx) -> ModelWrapper:
    return transforms.streamline(model)


def step_prepare_for_hw(model, ctx) -> ModelWrapper:
    return transforms.prepare_for_hw(model)


def step_convert_to_hw(model, ctx) -> ModelWrapper:
    model = model.transform(to_hls.InferBinaryStreamingFCLayer("decoupled"))
    model = model.transform(to_hls.InferQuantizedStreamingFCLayer("decoupled"))
    model = model.transform(to_hls.InferLabelSelectLayer())
    model = model.transform(to_hls.InferThresholdingLayer())
    check_all_hw(model)
    return transforms.tidy_up_names(model)


def step_create_dataflow_partition(model, ctx) -> ModelWrapper:
    return model.transform(CreateDataflowPartition(partition_model_dir=ctx.path("dataflow_partition")))


def _sole_partition(model):
    sdps = model.get_nodes_by_op_type("StreamingDataflowPartition")
    if len(sdps) != 1:
        raise UnsupportedGraphError(
            f"expected one dataflow partition, found {len(sdps)}",
            hint="every layer between input and output must convert to a HW op",
        )
    return getCustomOp(sdps[0])


def step_folding(model, ctx) -> ModelWrapper:
    """PE/SIMD per layer: a JSON config, a target FPS, the seed's folding, or fully folded."""
    sdp = _sole_partition(model)
    child = sdp.load_child()
    cfg = ctx.cfg
    if cfg.folding_config is not None:
        child = child.transform(ApplyFoldingConfig(cfg.folding_config))
    elif cfg.target_fps is not None:
        folder = SetFolding(target_fps=cfg.target_fps, clk_ns=cfg.clock_ns)
        child = child.transform(folder)
        ctx.warnings.extend(folder.warnings)
    elif cfg.seed_folding:
        seed = resources.files("finn.builder").joinpath("folding/tfc_w1a1_seed.json")
        with resources.as_file(seed) as path:
            child = child.transform(ApplyFoldingConfig(str(path)))
    path = ctx.path("dataflow_partition_folded", "dataflow_model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    child.save(path)
    sdp.set_nodeattr("model", os.path.abspath(path))
    return model


def step_folded_hls_cppsim(model, ctx) -> ModelWrapper:
    """Generate the HLS-style C++ of every HW node and compile each dataflow partition into
    one simulation program (in the content-addressed cppsim cache); the harness runs it on the test
    images. The model itself is unchanged."""
    from sim.cppsim import CppSimEngine

    engine = CppSimEngine(model, stitched=True)
    ctx.step_info["compile"] = engine.compile_report.per_program()
    return model


def step_hls_ip(model, ctx) -> ModelWrapper:
    """Write a Vitis HLS project per HW node (``<out>/hls_ip``) and synthesize it when Vitis
    HLS is installed; without it the step records that the tool is missing and goes on.
    The vendor path is untested (no install on our machines). The model is unchanged."""
    from finn.deploy import vitis_hls
    from finn.util.exceptions import ToolNotFoundError

    out = ctx.path("hls_ip")
    try:
        ctx.step_info["hls"] = {"results": vitis_hls.synthesize(model, out, ctx.cfg.fpga_part, ctx.cfg.clock_ns),
                                "untested": True}
    except ToolNotFoundError as exc:
        ctx.step_info["hls"] = {"skipped": str(exc).splitlines()[0], "projects": out, "untested": True}
        ctx.step_info["note"] = f"Vitis HLS not found: HLS projects written to {out}, not synthesized"
    return model


def step_node_by_node_rtlsim(model, ctx) -> ModelWrapper:
    """Generate every HW node as a Verilog unit and build each into its own Verilator
    simulation (in the content-addressed rtlsim cache); the harness runs them node by node."""
    from sim.rtlsim import RtlSimEngine

    engine = RtlSimEngine(model, stitched=False)
    ctx.step_info["build"] = engine.build_report.per_design()
    return model


def step_stitched_ip_rtlsim(model, ctx) -> ModelWrapper:
    """Stitch each dataflow partition into one accelerator (FIFOs, width converters, TLAST),
    build it with Verilator and measure it on the test images: latency and steady-state
    initiation interval with no stalls (must equal the analytic II), then again under
    random valid gaps and back-pressure (outputs must not change)."""
    from finn.builder.rtl_measure import measure_stitched

    ctx.step_info["rtlsim"] = measure_stitched(model, ctx)
    return model


def step_insert_iodma(model, ctx) -> ModelWrapper:
    """An input and an output DMA engine at the accelerator's two streams, each a partition
    of its own (as in the seed's ZynqBuild result); the input DMA stripes its frames over
    the fewest memory ports that keep up with the accelerator (or ``--hp-ports``)."""
    from finn.transformation.fpgadataflow.insert_iodma import InsertIODMA
    from sim.board_model import board_model
    from sim.system import auto_ports

    board = board_model(ctx.cfg.board)
    ports = ctx.cfg.hp_ports or auto_ports(model, board, ctx.cfg.clock_ns)
    ctx.step_info["iodma"] = {"hp_ports": ports, "mem_width": board.hp_width, "max_burst": board.max_burst}
    return model.transform(InsertIODMA(board.hp_width, ports, board.max_burst, board.read_outstanding,
                                       out_dir=ctx.path("iodma")))


def step_system_rtlsim(model, ctx) -> ModelWrapper:
    """The accelerator with its DMAs and a cycle-accurate model of the board's memory path in
    simulation: the harness runs the test images through it (labels must equal the stitched
    level's), and one transfer of 10,000 frames measures the throughput beside the compute
    and memory bounds. The model is unchanged."""
    from finn.builder.system_measure import measure_system

    ctx.step_info["system"] = measure_system(model, ctx)
    return model


def step_zynq_build(model, ctx) -> ModelWrapper:
    """``ZynqBuild(board, clock)``: the Vivado project of the system for the board (IP packaging,
    block design, bitstream), run when Vivado is installed; without it the whole system is
    synthesized with Yosys for the board's part with a fit check, and the report says that
    no bitfile exists and why."""
    from finn.transformation.fpgadataflow.make_zynq_proj import ZynqBuild

    zb = ZynqBuild(ctx.cfg.board, ctx.cfg.clock_ns, out_dir=ctx.path("zynq_build"))
    model = model.transform(zb)
    ctx.step_info["zynq_build"] = zb.result
    if not zb.result.get("bitfile"):
        ctx.step_info["note"] = zb.result["bitfile_status"]
    return model


STEPS: list[tuple[str, Step]] = [
    ("export", step_export),
    ("tidy", step_tidy),
    ("pre_post", step_pre_post),
    ("streamline", step_streamline),
    ("prepare_for_hw", step_prepare_for_hw),
    ("convert_to_hw", step_convert_to_hw),
    ("dataflow_partition", step_create_dataflow_partition),
    ("folding", step_folding),
    ("folded_hls_cppsim", step_folded_hls_cppsim),
    ("hls_ip", step_hls_ip),
    ("node_by_node_rtlsim", step_node_by_node_rtlsim),
    ("stitched_ip_rtlsim", step_stitched_ip_rtlsim),
    ("insert_iodma", step_insert_iodma),
    ("system_rtlsim", step_system_rtlsim),
    ("zynq_build", step_zynq_build),
]

STEP_NAMES = [name for name, _ in STEPS]
