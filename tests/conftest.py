"""Suite-wide test setup: hypothesis profiles and shared test modules on ``sys.path``.

(``slow`` tests are deselected by ``addopts = -m 'not slow'`` in pyproject; ``-m slow``
selects them.)

Hypothesis profiles (``HYPOTHESIS_PROFILE`` picks one; ``ci`` is the default):

* ``ci``: derandomized (the same examples every run, no example database dependence),
  no deadline, ``max_examples`` from ``FINN_HYPOTHESIS_EXAMPLES`` (default 25).
* ``thorough``: randomized, 10x the examples (``nox -s slow`` uses it).
* ``dev``: ``ci`` without shrinking, for a quick first failure report.

Tests that pin their own ``@settings(max_examples=...)`` keep that count; the property
suites scale theirs from the profile with :func:`property_models.examples`.
"""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, Phase, settings

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
# shared helpers (property_models.py, property_graphs.py) import as top-level modules
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

_CI_EXAMPLES = int(os.environ.get("FINN_HYPOTHESIS_EXAMPLES", "25"))

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=_CI_EXAMPLES,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=10 * _CI_EXAMPLES,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# `ci` without shrinking: a quick first failure report while developing
settings.register_profile(
    "dev", settings.get_profile("ci"), phases=[Phase.explicit, Phase.reuse, Phase.generate]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

