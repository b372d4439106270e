"""The machine a benchmark ran on, printed above its figures.

Timings and even ratios between them move with the processor: numpy sorts with AVX-512
kernels where the CPU has them (an ``np.argsort`` of 84,000 floats took 5.3 ms on an AVX2
EPYC, where ``np.sort`` took 1.3 ms), and BLAS picks its kernels the same way. A figure is
comparable with another only beside this line.
"""

from __future__ import annotations

import os
import platform

import numpy as np

SIMD = ("AVX2", "AVX512F", "AVX512_SKX", "AVX512_ICL", "AVX512_SPR", "ASIMD", "SVE")


def cpu_model() -> str:
    """The processor's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> str:
    """One line: processor, cores, the SIMD numpy dispatches to, numpy/BLAS, pandas."""
    import pandas as pd
    from numpy._core._multiarray_umath import __cpu_features__
    from threadpoolctl import threadpool_info

    simd = [k for k in SIMD if __cpu_features__.get(k)] or ["none"]
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')})"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return (f"machine: {cpu_model()}, {os.cpu_count()} cores, SIMD {'/'.join(simd)}; "
            f"numpy {np.__version__} ({', '.join(blas) or 'no BLAS found'}), "
            f"pandas {pd.__version__}, Python {platform.python_version()}")


if __name__ == "__main__":
    print(describe())
