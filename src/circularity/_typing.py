"""Type aliases shared across the package (one definition each, imported where used).

``Array`` is any NumPy array: the models take float and integer arrays of one or two dimensions
(an entity axis, and a leading scenario axis when batched) and say which in their docstrings.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["Array", "FloatArray", "IntArray"]

#: Any NumPy array (dtype and shape are documented by the function taking it).
Array: TypeAlias = np.ndarray[Any, Any]
#: An array of float64 (amounts in USD bn, rates, probabilities).
FloatArray: TypeAlias = NDArray[np.float64]
#: An array of int64 (entity and edge indices).
IntArray: TypeAlias = NDArray[np.int64]
