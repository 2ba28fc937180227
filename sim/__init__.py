"""Simulation engines behind one interface: execute a model on a batch of inputs.

``python`` is the only engine so far (issue 2); ``cppsim`` and ``rtlsim`` plug in
beside it with the same ``execute(model, inputs) -> outputs`` signature.
"""

from sim.python_engine import PythonEngine, execute

__all__ = ["PythonEngine", "execute"]
