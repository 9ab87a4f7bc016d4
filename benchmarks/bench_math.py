"""Transcendental math on a device (default ``cpu``) vs NumPy (issue 17.1): per function and dtype,
``@cb.vectorize`` of ``math.<f>`` into an existing array against ``np.<f>(x, out=)``, in one process,
alternating the two (machine noise hits both), medians; prints the ratio NumPy time / Cambrian time
(>= 1.5 is the issue's goal) and, for reference, Cambrian with ``CAMBRIAN_MATH=native`` (the C library
called per element) where that mode is given. The "array" column is the namespace's function on the
device's arrays (``cb.exp(x, out=)``, ``cb.pow(x, 1.7, out=)``): the path the array library picks on that
device (Cambrian's kernel, or NumPy's loops split over the threads on host memory where those are
faster; see the README); ``erf`` is not in the array API standard. The "bound" column is the ratio a
kernel that only copies ``x`` into ``out`` (``@cb.vectorize`` of ``x``, timed in the same rounds) reaches:
the memory's limit for any function of that dtype written this way; a function near it is memory-bound.

    python benchmarks/bench_math.py [n] [repeats] [--native] [--only exp,log] [--device opencl:cpu:0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

#: function -> (NumPy function, argument range); pow is x ** 1.7
FUNCS: dict[str, tuple[Callable[..., object], tuple[float, float]]] = {
    "exp": (np.exp, (-50.0, 50.0)), "expm1": (np.expm1, (-5.0, 5.0)), "log": (np.log, (1e-3, 1e3)),
    "sin": (np.sin, (-100.0, 100.0)), "cos": (np.cos, (-100.0, 100.0)), "tanh": (np.tanh, (-5.0, 5.0)),
    "sqrt": (np.sqrt, (0.0, 1e6)), "erf": (np.sqrt, (-4.0, 4.0)),  # erf: scipy.special.erf
    "pow": (np.power, (0.1, 10.0)),
}
SCALAR = {
    "exp": "math.exp(x)", "expm1": "math.expm1(x)", "log": "math.log(x)", "sin": "math.sin(x)",
    "cos": "math.cos(x)", "tanh": "math.tanh(x)", "sqrt": "math.sqrt(x)", "erf": "math.erf(x)",
    "pow": "x ** 1.7", "copy": "x",
}


def make(name: str) -> Callable[..., object]:
    import cambrian as cb
    from cambrian.vectorize import kernel_namespace, make_function

    src = f"def f_{name}(x):\n    return {SCALAR[name]}\n"
    return cb.vectorize(make_function(src, f"f_{name}", "bench-math", kernel_namespace()))


def alternate(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per function, running them in turn ``repeats`` times (after one warm-up each)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def numpy_call(name: str, x: np.ndarray, out: np.ndarray) -> Callable[[], object]:
    if name == "pow":
        return lambda: np.power(x, 1.7, out=out)
    if name == "erf":
        try:
            from scipy.special import erf
        except ImportError:
            return lambda: None
        return lambda: erf(x, out=out)
    fn = FUNCS[name][0]
    return lambda: fn(x, out=out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", nargs="?", type=int, default=10_000_000)
    p.add_argument("repeats", nargs="?", type=int, default=10)
    p.add_argument("--native", action="store_true", help="also time CAMBRIAN_MATH=native")
    p.add_argument("--only", default="", help="comma-separated function names")
    p.add_argument("--device", default="cpu", help="the Cambrian device (default cpu)")
    args = p.parse_args()
    import cambrian as cb

    names = [s for s in args.only.split(",") if s] or list(FUNCS)
    print(f"n={args.n} repeats={args.repeats} (ratio = NumPy time / Cambrian "
          f"{args.device} time, higher is better)")
    for dtype in ("float64", "float32"):
        for name in names:
            lo, hi = FUNCS[name][1]
            x = np.random.default_rng(0).uniform(lo, hi, args.n).astype(dtype)
            ref_out, out = np.empty_like(x), cb.asarray(np.empty_like(x), device=args.device)
            dx = cb.asarray(x, device=args.device)
            fns = {"numpy": numpy_call(name, x, ref_out)}
            os.environ["CAMBRIAN_MATH"] = "cambrian"
            own = make(name)
            fns["cambrian"] = lambda own=own, dx=dx, out=out: own(dx, out=out).synchronize()
            if args.native:
                os.environ["CAMBRIAN_MATH"] = "native"
                nat, nat_out = make(name), cb.asarray(np.empty_like(x), device=args.device)
                nat(dx, out=nat_out)  # compiled under this setting
                fns["native"] = lambda nat=nat, dx=dx, o=nat_out: nat(dx, out=o).synchronize()
                os.environ["CAMBRIAN_MATH"] = "cambrian"
            ident, copy_out = make("copy"), cb.asarray(np.empty_like(x), device=args.device)
            fns["copy"] = lambda f=ident, dx=dx, o=copy_out: f(dx, out=o).synchronize()
            array_fn = getattr(cb, name, None) if name != "pow" else (lambda a, out: cb.pow(a, 1.7, out=out))
            if array_fn is not None:
                arr_out = cb.asarray(np.empty_like(x), device=args.device)
                fns["array"] = lambda f=array_fn, dx=dx, o=arr_out: f(dx, out=o).synchronize()
            t = alternate(fns, args.repeats)
            got = cb.asnumpy(out)
            err = float(np.max(np.abs(got - ref_out) / np.maximum(np.abs(ref_out), np.finfo(dtype).tiny)))
            extra = f"  native {t['numpy'] / t['native']:.2f}x" if "native" in t else ""
            extra += f"  array {t['numpy'] / t['array']:.2f}x" if "array" in t else ""
            extra += f"  bound {t['numpy'] / t['copy']:.2f}x"
            print(f"{name:6s} {dtype}: numpy {t['numpy'] * 1e3:8.2f} ms  "
                  f"cambrian {t['cambrian'] * 1e3:8.2f} ms  ratio {t['numpy'] / t['cambrian']:.2f}x"
                  f"{extra}  max rel diff {err:.1e}")


if __name__ == "__main__":
    main()
