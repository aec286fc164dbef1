"""core/norms.py: the hot-path norms equal numpy's bit for bit (the golden runs depend on it)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from optbench.core.norms import norm2, norm_inf

FINITE = st.floats(-1e150, 1e150, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(v=arrays(np.float64, st.integers(1, 300), elements=FINITE))
def test_norms_equal_numpys_exactly(v):
    assert norm2(v) == float(np.linalg.norm(v))
    assert norm_inf(v) == float(np.max(np.abs(v)))


def test_norms_of_non_finite_vectors_are_what_numpy_says():
    for v in (np.array([1.0, np.nan]), np.array([np.inf, 1.0]), np.array([-np.inf])):
        assert np.array_equal(norm2(v), np.linalg.norm(v), equal_nan=True)
        assert np.array_equal(norm_inf(v), np.max(np.abs(v)), equal_nan=True)
