"""The recommender engine FastAPI application."""

import os

# One BLAS/OpenMP thread per request, set before numpy loads: uvicorn already runs requests on parallel threads, and
# OpenBLAS's own threads spin against them and other processes on small machines (p50 at the shared catalog size
# went from ~8 ms to ~0.7 ms on 2 busy cores). RECOMMENDER_BLAS_THREADS overrides it.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, os.environ.get("RECOMMENDER_BLAS_THREADS", "1"))
