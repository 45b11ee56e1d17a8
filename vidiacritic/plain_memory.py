"""Large arrays in plain (small-page) memory.

numpy advises the kernel to back every array of 4 MB or more with transparent huge
pages (``madvise(MADV_HUGEPAGE)``).  On a virtual machine whose host hands memory to
the guest lazily, faulting in a fresh huge page is slow: on the 2-core development VM
the 85 MB dense bigram table took 1.1–1.8 s to fill when its memory was fresh, against
0.05–0.09 s in 4 KB pages (the guest kernel itself never compacted: ``compact_stall``
stayed 0).  The arrays a ``Restorer`` builds at load are therefore placed in an
anonymous private mapping, which numpy does not advise; the kernel zero-fills it page
by page as it is first written.  Results are the same bits either way.
"""
from __future__ import annotations

import mmap
from typing import Tuple, Union

import numpy as np

# Rows per step when filling such an array, so that no temporary reaches numpy's 4 MB
# huge-page threshold either (2 MB of int64 per step).
STEP = 1 << 18


def zeros(shape: Union[int, Tuple[int, ...]], dtype) -> np.ndarray:
    """A writable zero-filled array of `shape` in an anonymous private mapping (kept
    alive by the array)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size == 0 or not hasattr(mmap, "MAP_PRIVATE"):  # (Windows: numpy's own memory)
        return np.zeros(shape, dtype=dtype)
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)
