"""`showSrc` and `showInNetron`, as the FINN tutorial uses them."""

from __future__ import annotations

import inspect


def showSrc(what) -> None:  # noqa: N802  (the tutorial's name)
    """Print the source code of a class or function."""
    print("".join(inspect.getsourcelines(what)[0]))


def showInNetron(model_filename: str, localhost_url: str = "localhost", port: int = 8081) -> None:  # noqa: N802
    """Serve the model in Netron when the ``netron`` package is installed; otherwise print
    the graph's nodes (op type, name, inputs -> outputs) as text."""
    try:
        import netron
    except ImportError:
        netron = None
    if netron is not None:
        netron.start(model_filename, address=(localhost_url, port), browse=False)
        print(f"Serving '{model_filename}' at http://{localhost_url}:{port}")
        return
    from qonnx.core.modelwrapper import ModelWrapper

    model = ModelWrapper(model_filename)
    print(f"{model_filename} (install 'netron' for the interactive view):")
    for node in model.graph.node:
        print(f"  {node.op_type:28s} {node.name:28s} {list(node.input)} -> {list(node.output)}")
