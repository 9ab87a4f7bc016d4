"""scikit-learn estimators on NumPy, array_api_strict and Cambrian input (issue 15), one run each.

20000 x 50 float64 (a regression target and 3 classes); array API dispatch on for every input; each
estimator is fitted once unmeasured first (compiles Cambrian's kernels, warms the caches), then one
measured run of fit + transform/predict. ``OMP_NUM_THREADS`` etc. are left as they are; the load average
is printed with the table (figures on a shared machine are noisy).

    python benchmarks/bench_sklearn.py [--devices cpu,opencl:cpu:0] [--rows 20000] [--cols 50]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ["SCIPY_ARRAY_API"] = "1"  # before SciPy's first import

import numpy as np

import cambrian as cb


def workloads() -> dict[str, Callable[[Any, Any, Any], Any]]:
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.metrics import pairwise_distances
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    return {
        "PCA(full) fit_transform": lambda X, y, c: PCA(n_components=10, svd_solver="full").fit_transform(X),
        "Ridge(svd) fit+predict": lambda X, y, c: Ridge(solver="svd").fit(X, y).predict(X),
        "LDA(svd) fit+predict": lambda X, y, c: LinearDiscriminantAnalysis(solver="svd").fit(X, c).predict(X),
        "StandardScaler fit_transform": lambda X, y, c: StandardScaler().fit_transform(X),
        "MinMaxScaler fit_transform": lambda X, y, c: MinMaxScaler().fit_transform(X),
        "pairwise_distances 1000x20000": lambda X, y, c: pairwise_distances(X[:1000], X),
    }


def _sync(result: Any) -> None:
    if isinstance(result, cb.Array):
        result.synchronize()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", default="cpu,opencl:cpu:0")
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--cols", type=int, default=50)
    args = p.parse_args(argv)
    import array_api_strict
    import sklearn

    sklearn.set_config(array_api_dispatch=True)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, args.cols))
    y = X @ rng.standard_normal(args.cols)
    c = (y > 0).astype(np.int64) + (y > 1)
    inputs: dict[str, tuple[Any, Any, Any]] = {"NumPy": (X, y, c)}
    inputs["array_api_strict"] = tuple(array_api_strict.asarray(a) for a in (X, y, c))  # type: ignore
    for name in args.devices.split(","):
        dev = cb.select_device(name.strip())
        inputs[f"cambrian {dev}"] = tuple(cb.asarray(a, device=dev) for a in (X, y, c))  # type: ignore
    table: dict[str, dict[str, str]] = {}
    for work, fn in workloads().items():
        for label, data in inputs.items():
            try:
                _sync(fn(*data))  # unmeasured: compiles and caches
                t = time.perf_counter()
                _sync(fn(*data))
                table.setdefault(work, {})[label] = f"{(time.perf_counter() - t) * 1e3:.0f} ms"
            except Exception as exc:
                table.setdefault(work, {})[label] = f"fails: {type(exc).__name__}"
    cols = list(inputs)
    print(f"| {args.rows}x{args.cols} float64 | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for work, row in table.items():
        print(f"| {work} | " + " | ".join(row[c] for c in cols) + " |")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; sklearn {sklearn.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
