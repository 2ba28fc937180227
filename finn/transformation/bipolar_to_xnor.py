"""`ConvertBipolarMatMulToXnorPopcount` (qonnx's), under the module path the FINN tutorial imports."""

from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount

__all__ = ["ConvertBipolarMatMulToXnorPopcount"]
