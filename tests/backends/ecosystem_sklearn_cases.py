"""scikit-learn and SciPy on Cambrian arrays (array API dispatch): the cases, run in a subprocess.

``SCIPY_ARRAY_API=1`` must be set before SciPy is first imported, so ``test_ecosystem_sklearn.py`` runs
this file with ``python ecosystem_sklearn_cases.py DEVICE``; it prints one JSON object: case name ->
``{"ok": bool, "detail": str}``. Each case runs the estimator or metric on NumPy input and on
``cambrian.Array`` input on ``DEVICE`` and checks that every fitted attribute and result that NumPy
gives as an array is a ``cambrian.Array`` on ``DEVICE`` equal to NumPy's (PCA: up to the sign of each
component), and that scalar results (metrics) are equal floats.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

import cambrian as cb

RTOL, ATOL = 1e-7, 1e-7


def data(rows: int = 200, cols: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    """Regression and 3-class classification data (float64 features)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols)) * np.linspace(1, 3, cols) + np.arange(cols)
    y = X @ rng.standard_normal(cols) + 0.1 * rng.standard_normal(rows)
    labels = (y > np.median(y)).astype(np.int64) + (y > np.quantile(y, 0.8))
    pred = np.where(rng.random(rows) < 0.8, labels, (labels + 1) % 3)
    return {"X": X, "y": y, "labels": labels, "pred": pred}


def _estimators() -> dict[str, tuple[Callable[[], Any], str, tuple[str, ...]]]:
    """name -> (make the estimator, what it is fitted on ("X" or "X,y"), methods whose results count)."""
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    return {
        "StandardScaler": (StandardScaler, "X", ("transform", "inverse_transform")),
        "MinMaxScaler": (MinMaxScaler, "X", ("transform", "inverse_transform")),
        "PCA": (lambda: PCA(n_components=3, svd_solver="full"), "X", ("transform",)),
        "Ridge": (lambda: Ridge(alpha=1.0, solver="svd"), "X,y", ("predict",)),
        "LinearDiscriminantAnalysis": (lambda: LinearDiscriminantAnalysis(solver="svd"), "X,labels",
                                       ("predict", "predict_proba", "transform")),
    }


def _metrics() -> dict[str, tuple[Callable[..., Any], tuple[str, ...]]]:
    from sklearn.metrics import accuracy_score, mean_squared_error, pairwise_distances, r2_score

    return {
        "r2_score": (r2_score, ("y", "y_hat")),
        "mean_squared_error": (mean_squared_error, ("y", "y_hat")),
        "accuracy_score": (accuracy_score, ("labels", "pred")),
        "pairwise_distances": (lambda a, b: pairwise_distances(a, b, metric="euclidean"), ("X_head", "X")),
    }


CASES = (*("StandardScaler", "MinMaxScaler", "PCA", "Ridge", "LinearDiscriminantAnalysis"),
         *("r2_score", "mean_squared_error", "accuracy_score", "pairwise_distances"))


def same(name: str, got: Any, want: Any, device: cb.Device, signs: bool = False) -> None:
    """AssertionError unless ``got`` (Cambrian input) matches ``want`` (NumPy input)."""
    if isinstance(want, np.ndarray) and want.ndim:
        assert isinstance(got, cb.Array), f"{name}: {type(got).__name__}, not a cambrian.Array"
        assert got.device == device, f"{name}: on {got.device}, not {device}"
        g = cb.asnumpy(got)
        assert g.shape == want.shape, f"{name}: shape {g.shape} != {want.shape}"
        if signs:  # PCA: each component (row; column of a transform) is defined up to its sign
            axis = 0 if name.endswith("components_") else None
            g = _align(g, want, axis)
        tol = ATOL * max(1.0, float(np.max(np.abs(want), initial=0)))
        assert np.allclose(g, want, rtol=RTOL, atol=tol), f"{name}: max diff {np.max(np.abs(g - want))}"
    elif isinstance(want, np.ndarray | float | np.floating | int | np.integer):
        g = cb.asnumpy(got) if isinstance(got, cb.Array) else np.asarray(got)
        assert np.allclose(g, want, rtol=RTOL, atol=ATOL), f"{name}: {g} != {want}"


def _align(g: np.ndarray, want: np.ndarray, axis: int | None) -> np.ndarray:
    if axis == 0:  # rows
        s = np.sign(np.sum(g * want, axis=1, keepdims=True))
    else:  # columns
        s = np.sign(np.sum(g * want, axis=0, keepdims=True))
    return g * np.where(s == 0, 1, s)


def run_case(name: str, device: cb.Device) -> None:
    """Run one case on NumPy and on ``device``; AssertionError on a mismatch."""
    d = data()
    d["y_hat"] = d["y"] + 0.3 * np.sin(d["y"])
    d["X_head"] = d["X"][:7]
    on = {k: cb.asarray(v, device=device) for k, v in d.items()}
    estimators = _estimators()
    if name in estimators:
        make, fit_on, methods = estimators[name]
        keys = fit_on.split(",")
        ref, est = make().fit(*(d[k] for k in keys)), make().fit(*(on[k] for k in keys))
        signs = name == "PCA"
        for attr, want in vars(ref).items():
            if attr.endswith("_") and not attr.startswith("_"):
                same(f"{name}.{attr}", getattr(est, attr), want, device, signs)
        for method in methods:
            arg = "X" if method != "inverse_transform" else None
            x_ref = d["X"] if arg else ref.transform(d["X"])
            x_cb = on["X"] if arg else est.transform(on["X"])
            same(f"{name}.{method}", getattr(est, method)(x_cb), getattr(ref, method)(x_ref), device, signs)
        return
    fn, args = _metrics()[name]
    same(name, fn(*(on[k] for k in args)), fn(*(d[k] for k in args)), device)


def main(argv: list[str]) -> int:
    os.environ["SCIPY_ARRAY_API"] = "1"  # before SciPy's first import (this is a fresh process)
    import sklearn

    sklearn.set_config(array_api_dispatch=True)
    device = cb.select_device(argv[0])
    names = argv[1:] or CASES
    results = {}
    for name in names:
        try:
            run_case(name, device)
            results[name] = {"ok": True, "detail": ""}
        except Exception as exc:
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4)
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}\n{''.join(tb)}"}
    print("RESULTS " + json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
