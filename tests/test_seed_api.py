"""The FINN tutorial (seed document, sections 1 and 2) runs as written with this project,
the exporter replaced by ``finn.util.brevitas.export_finn_onnx``."""

import os

import numpy as np
import pytest


def test_seed_sections_1_and_2(tmp_path):
    from finn.util.basic import make_build_dir
    from finn.util.visualization import showInNetron, showSrc

    build_dir = str(tmp_path)
    assert os.path.isdir(make_build_dir("seed_"))

    # 1 Brevitas export
    from finn.core.modelwrapper import ModelWrapper
    from finn.util.brevitas import export_finn_onnx
    from finn.util.test import get_test_model_trained

    tfc = get_test_model_trained("TFC", 1, 1)
    export_finn_onnx(tfc, (1, 1, 28, 28), build_dir + "/tfc_w1_a1.onnx")
    showInNetron(build_dir + "/tfc_w1_a1.onnx")
    model = ModelWrapper(build_dir + "/tfc_w1_a1.onnx")

    # 2.2 tidy-up
    from finn.transformation.fold_constants import FoldConstants
    from finn.transformation.general import (
        GiveReadableTensorNames,
        GiveUniqueNodeNames,
        RemoveStaticGraphInputs,
    )
    from finn.transformation.infer_datatypes import InferDataTypes
    from finn.transformation.infer_shapes import InferShapes

    model = model.transform(InferShapes())
    model = model.transform(FoldConstants())
    model = model.transform(GiveUniqueNodeNames())
    model = model.transform(GiveReadableTensorNames())
    model = model.transform(InferDataTypes())
    model = model.transform(RemoveStaticGraphInputs())
    model.save(build_dir + "/tfc_w1_a1_tidy.onnx")

    # 2.3 pre- and post-processing
    from finn.core.datatype import DataType
    from finn.transformation.insert_topk import InsertTopK
    from finn.transformation.merge_onnx_models import MergeONNXModels
    from finn.util.pytorch import ToTensor

    model = ModelWrapper(build_dir + "/tfc_w1_a1_tidy.onnx")
    global_inp_name = model.graph.input[0].name
    ishape = model.get_tensor_shape(global_inp_name)
    totensor_pyt = ToTensor()
    chkpt_preproc_name = build_dir + "/tfc_w1_a1_preproc.onnx"
    export_finn_onnx(totensor_pyt, ishape, chkpt_preproc_name)
    pre_model = ModelWrapper(chkpt_preproc_name)
    model = model.transform(MergeONNXModels(pre_model))
    global_inp_name = model.graph.input[0].name
    model.set_tensor_datatype(global_inp_name, DataType.UINT8)
    model = model.transform(InsertTopK(k=1))
    chkpt_name = build_dir + "/tfc_w1_a1_pre_post.onnx"
    model = model.transform(InferShapes())
    model = model.transform(FoldConstants())
    model = model.transform(GiveUniqueNodeNames())
    model = model.transform(GiveReadableTensorNames())
    model = model.transform(InferDataTypes())
    model = model.transform(RemoveStaticGraphInputs())
    model.save(chkpt_name)

    # 2.4 streamlining
    import finn.transformation.streamline.absorb as absorb
    from finn.transformation.streamline import Streamline
    from finn.transformation.streamline.reorder import MoveScalarLinearPastInvariants

    showSrc(Streamline)
    model = ModelWrapper(build_dir + "/tfc_w1_a1_pre_post.onnx")
    model = model.transform(MoveScalarLinearPastInvariants())
    model = model.transform(Streamline())
    model.save(build_dir + "/tfc_w1_a1_streamlined.onnx")

    from finn.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
    from finn.transformation.general import RemoveUnusedTensors
    from finn.transformation.infer_data_layouts import InferDataLayouts
    from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds

    model = model.transform(ConvertBipolarMatMulToXnorPopcount())
    model = model.transform(absorb.AbsorbAddIntoMultiThreshold())
    model = model.transform(absorb.AbsorbMulIntoMultiThreshold())
    model = model.transform(absorb.AbsorbScalarMulAddIntoTopK())
    model = model.transform(RoundAndClipThresholds())
    model = model.transform(InferDataLayouts())
    model = model.transform(RemoveUnusedTensors())
    model.save(build_dir + "/tfc_w1a1_ready_for_hls_conversion.onnx")

    # 2.5 HLS layers
    import finn.transformation.fpgadataflow.convert_to_hls_layers as to_hls

    model = ModelWrapper(build_dir + "/tfc_w1a1_ready_for_hls_conversion.onnx")
    model = model.transform(to_hls.InferBinaryStreamingFCLayer("decoupled"))
    model = model.transform(to_hls.InferLabelSelectLayer())
    model = model.transform(to_hls.InferThresholdingLayer())
    model.save(build_dir + "/tfc_w1_a1_hls_layers.onnx")

    # 2.6 dataflow partition
    from finn.custom_op.registry import getCustomOp
    from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition

    model = ModelWrapper(build_dir + "/tfc_w1_a1_hls_layers.onnx")
    parent_model = model.transform(CreateDataflowPartition())
    parent_model.save(build_dir + "/tfc_w1_a1_dataflow_parent.onnx")
    sdp_node = parent_model.get_nodes_by_op_type("StreamingDataflowPartition")[0]
    sdp_node = getCustomOp(sdp_node)
    dataflow_model_filename = sdp_node.get_nodeattr("model")
    model = ModelWrapper(dataflow_model_filename)

    # 2.7 folding
    fc0 = model.graph.node[0]
    del fc0
    fc_layers = model.get_nodes_by_op_type("StreamingFCLayer_Batch")
    assert getCustomOp(fc_layers[0]).__class__.__name__ in ("StreamingFCLayer_Batch", "MVAU")
    assert {"PE", "SIMD", "inFIFODepth", "outFIFODepth", "ram_style"} <= set(
        getCustomOp(fc_layers[0]).get_nodeattr_types())
    config = [
        (16, 49, 16, 64, "block"),
        (8, 8, 64, 64, "auto"),
        (8, 8, 64, 64, "auto"),
        (10, 8, 64, 10, "distributed"),
    ]
    for fcl, (pe, simd, ififo, ofifo, ramstyle) in zip(fc_layers, config, strict=True):
        fcl_inst = getCustomOp(fcl)
        fcl_inst.set_nodeattr("PE", pe)
        fcl_inst.set_nodeattr("SIMD", simd)
        fcl_inst.set_nodeattr("inFIFODepth", ififo)
        fcl_inst.set_nodeattr("outFIFODepth", ofifo)
        fcl_inst.set_nodeattr("ram_style", ramstyle)
    inp_qnt_node = model.get_nodes_by_op_type("Thresholding_Batch")[0]
    inp_qnt = getCustomOp(inp_qnt_node)
    inp_qnt.set_nodeattr("PE", 49)
    model.save(build_dir + "/tfc_w1_a1_set_folding_factors.onnx")

    # the tutorial's analytic performance: every layer folded to 64 cycles -> II = 64
    from finn.transformation.fpgadataflow.folding import folding_summary

    assert folding_summary(model, 10.0)["II"] == 64

    # the parent (with the partition) still predicts like the torch model on real digits
    import torch

    from finn.core.onnx_exec import execute_onnx
    from finn.util.data import load_mnist

    data = load_mnist()
    x = data.test_x[:20].astype(np.float32)
    iname = parent_model.graph.input[0].name
    oname = parent_model.graph.output[0].name
    preds = [int(execute_onnx(parent_model, {iname: xi[None]})[oname].reshape(-1)[0]) for xi in x]
    with torch.no_grad():
        ref = tfc(torch.from_numpy(x / 255.0)).argmax(-1).numpy()
    assert preds == ref.tolist()


def test_seed_section_3_zynq_build_on_the_partition_child(tfc_folded, tmp_path):
    """The seed's call on the dataflow partition's child: a complete Vivado project, the
    system synthesized with Yosys for the board's part, and without Vivado no bitfile, said
    plainly (not an error)."""
    from finn.transformation.fpgadataflow.make_zynq_proj import ZynqBuild

    zb = ZynqBuild(platform="Pynq-Z1", period_ns=10, out_dir=str(tmp_path / "zynq"))
    model = tfc_folded.transform(zb)
    proj = model.get_metadata_prop("vivado_pynq_proj")
    assert proj and (tmp_path / "zynq" / "vivado" / "block_design.tcl").is_file()
    assert proj == zb.result["vivado_pynq_proj"]
    if zb.result["bitfile"] is None:  # no Vivado here: the project is written, not run
        assert model.get_metadata_prop("bitfile") is None
        assert "no bitfile" in zb.result["bitfile_status"]
        assert zb.result["yosys"]["fit"]["fits"] and zb.result["part"] == "xc7z020clg400-1"
    assert {"finn_idma.v", "finn_odma.v", "finn_system.v", "finn_top.v"} <= set(zb.result["sources"])


def test_seed_section_3_refuses_bad_boards_and_clocks():
    from finn.transformation.fpgadataflow.make_zynq_proj import ZynqBuild
    from finn.util.exceptions import ConfigError

    with pytest.raises(ConfigError, match="Pynq-Z1"):  # the error lists the known boards
        ZynqBuild(platform="Pynq-Z9", period_ns=10)
    with pytest.raises(ConfigError, match="ns"):  # names the nearest periods the PS can make
        ZynqBuild(platform="Pynq-Z1", period_ns=3.1)
    with pytest.raises(ConfigError, match="HP ports"):
        ZynqBuild(platform="Pynq-Z1", period_ns=10, hp_ports=5)


def test_seed_section_4_names_the_missing_parts(tmp_path):
    from finn.core.modelwrapper import ModelWrapper
    from finn.core.throughput_test import throughput_test_remote
    from finn.transformation.fpgadataflow.make_deployment import DeployToPYNQ
    from finn.util.basic import pynq_part_map
    from finn.util.exceptions import ToolNotFoundError

    assert set(pynq_part_map) >= {"Ultra96", "Pynq-Z1", "Pynq-Z2", "ZCU102", "ZCU104"}
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])])
    model = ModelWrapper(helper.make_model(g))
    with pytest.raises(ToolNotFoundError, match="ZynqBuild"):
        model.transform(DeployToPYNQ("192.168.2.99", "22", "xilinx", "xilinx", "/home/xilinx/x"))
    with pytest.raises(ToolNotFoundError, match="PYNQ board"):
        throughput_test_remote(model, 10000)
