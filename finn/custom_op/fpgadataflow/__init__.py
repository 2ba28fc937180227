"""Hardware (dataflow) ops. Domain ``finn.custom_op.fpgadataflow`` resolves here.

qonnx's registry finds an op by class name in ``__all__``; ``MVAU`` and
``StreamingFCLayer_Batch`` are the same unit under its modern and seed names.
"""

from finn.custom_op.fpgadataflow.iodma import IODMA
from finn.custom_op.fpgadataflow.labelselect import LabelSelect_Batch
from finn.custom_op.fpgadataflow.matrixvectoractivation import MVAU, StreamingFCLayer_Batch
from finn.custom_op.fpgadataflow.streamingdataflowpartition import StreamingDataflowPartition
from finn.custom_op.fpgadataflow.streamingdatawidthconverter import (
    StreamingDataWidthConverter_Batch,
)
from finn.custom_op.fpgadataflow.streamingfifo import StreamingFIFO
from finn.custom_op.fpgadataflow.thresholding import Thresholding_Batch

__all__ = [
    "IODMA",
    "LabelSelect_Batch",
    "MVAU",
    "StreamingDataflowPartition",
    "StreamingDataWidthConverter_Batch",
    "StreamingFCLayer_Batch",
    "StreamingFIFO",
    "Thresholding_Batch",
]
