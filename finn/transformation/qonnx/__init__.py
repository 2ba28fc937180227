"""QONNX (Quant/BipolarQuant) to FINN-ONNX (integer weights + MultiThreshold)."""
