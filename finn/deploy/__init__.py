"""Vendor-tool backends (Vitis HLS, Vivado) and board deployment: used when the tools exist."""
