from hypothesis import given, settings
from hypothesis import strategies as st
from qonnx.core.datatype import DataType

from finn.util.basic import smallest_int_datatype


@settings(max_examples=200)
@given(st.integers(-300, 300), st.integers(0, 300))
def test_smallest_int_datatype_is_minimal(lo, span):
    hi = lo + span
    dt = smallest_int_datatype(lo, hi)
    assert dt.min() <= lo and hi <= dt.max()
    if dt.bitwidth() > 2 or (dt.bitwidth() == 2 and not dt.signed()):
        narrower = DataType[f"{'INT' if dt.signed() else 'UINT'}{dt.bitwidth() - 1}"]
        assert not (narrower.min() <= lo and hi <= narrower.max())
    assert dt.signed() == (lo < 0)
