"""Test-wide settings.

The tests train tiny models and multiply small matrices: one BLAS/OpenMP
thread is faster for them than two, and on a shared machine spinning OpenMP
threads slow them down by orders of magnitude. Set before numpy or torch is
imported by any test module; a value set by the caller wins.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
