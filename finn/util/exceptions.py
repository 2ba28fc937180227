"""Typed errors. Each says where (node, file, step), which constraint failed and how to fix it.

The CLI prints ``FinnError`` messages without a traceback and exits non-zero.
"""

from __future__ import annotations


class FinnError(Exception):
    """Base class of every error the user can act on."""

    def __init__(self, message: str, *, node: str | None = None, hint: str | None = None):
        self.node = node
        self.hint = hint
        text = message if node is None else f"node '{node}': {message}"
        if hint:
            text += f"\n  how to fix: {hint}"
        super().__init__(text)


class ModelLoadError(FinnError):
    """The input model cannot be read (missing, truncated, not ONNX)."""


class UnsupportedGraphError(FinnError):
    """The graph holds an op, shape or datatype this flow cannot handle."""


class FoldingError(FinnError):
    """A folding (PE/SIMD) choice violates a hardware constraint."""


class ToolNotFoundError(FinnError):
    """An external tool (Vivado, g++, Verilator, a board) is not available."""


class VerificationError(FinnError):
    """Two levels of the flow disagree."""


class ConfigError(FinnError):
    """A build option or config file is invalid."""


class CompileError(FinnError):
    """Generated sources failed to compile (the message names the node and the file)."""
