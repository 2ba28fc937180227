"""Golden numpy references: the specification of every op and transform.

Each function here is deliberately plain numpy, independent of ONNX, qonnx and
the compiler, and is checked against an independent implementation in
``tests/golden``.
"""
