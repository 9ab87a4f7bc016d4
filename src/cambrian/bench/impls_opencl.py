"""Hand-written PyOpenCL kernels (OpenCL C), one program per workload kind, on every OpenCL device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import DeviceSpec, Impl, Inputs, Partials, Prepared, Skip, Workload, finish_partials
from .workloads import CND_A, RSQRT2PI, TILE

HEADER = """#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
"""

REDUCE = """__kernel void {name}(__global const double *x, __global const double *y, __global {acc} *out,
                   long n, long chunk, long outer, long inner) {{
    long g = get_global_id(0);
    {acc} acc = 0;
    for (long j = 0; j < chunk; j++) {{
        long i = g * outer + j * inner;
        if (i < n) {{ {body} }}
    }}
    out[g] = acc;
}}
"""

CND_DEFINES = "".join(f"#define {name} {value!r}\n" for name, value in
                      zip(("A1", "A2", "A3", "A4", "A5", "RSQRT2PI"), (*CND_A, RSQRT2PI), strict=True))

SOURCES: dict[str, str] = {
    "vadd": """__kernel void vadd(__global const REAL *a, __global const REAL *b, __global REAL *c) {
    size_t i = get_global_id(0);
    c[i] = a[i] + b[i];
}""",
    "pi": REDUCE.format(name="pi", acc="long", body="if (x[i] * x[i] + y[i] * y[i] <= 1.0) acc += 1;"),
    "sumsq": REDUCE.format(name="sumsq", acc="double", body="acc += x[i] * x[i];"),
    "mandelbrot": """__kernel void mandelbrot(__global const double *xs, __global const double *ys,
                         int maxiter, __global int *out) {
    int c = get_global_id(0), r = get_global_id(1), w = get_global_size(0);
    double cr = xs[c], ci = ys[r], zr = 0.0, zi = 0.0;
    int n = 0;
    while (n < maxiter) {
        double zr2 = zr * zr, zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) break;
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        n++;
    }
    out[r * w + c] = n;
}""",
    "blackscholes": CND_DEFINES + """double cnd(double d) {
    double k = 1.0 / (1.0 + 0.2316419 * fabs(d));
    double ret = RSQRT2PI * exp(-0.5 * d * d) * (k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5)))));
    return d > 0 ? 1.0 - ret : ret;
}
__kernel void blackscholes(__global const double *S, __global const double *K, __global const double *T,
                           double r, double v, __global double *call, __global double *put) {
    size_t i = get_global_id(0);
    double s = S[i], k = K[i], t = T[i], sqrt_t = sqrt(t);
    double d1 = (log(s / k) + (r + 0.5 * v * v) * t) / (v * sqrt_t);
    double d2 = d1 - v * sqrt_t;
    double c1 = cnd(d1), c2 = cnd(d2), exp_rt = exp(-r * t);
    call[i] = s * c1 - k * exp_rt * c2;
    put[i] = k * exp_rt * (1.0 - c2) - s * (1.0 - c1);
}""",
    "matmul_naive": """__kernel void matmul_naive(__global const float *A, __global const float *B,
                           __global float *C, int n) {
    int j = get_global_id(0), i = get_global_id(1);
    float acc = 0.0f;
    for (int k = 0; k < n; k++) acc += A[i * n + k] * B[k * n + j];
    C[i * n + j] = acc;
}""",
    "matmul_tiled": """__kernel void matmul_tiled(__global const float *A, __global const float *B,
                           __global float *C, int n) {
    __local float As[TILE][TILE];
    __local float Bs[TILE][TILE];
    int j = get_global_id(0), i = get_global_id(1), lj = get_local_id(0), li = get_local_id(1);
    float acc = 0.0f;
    for (int t = 0; t < n; t += TILE) {
        As[li][lj] = A[i * n + t + lj];
        Bs[li][lj] = B[(t + li) * n + j];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TILE; k++) acc += As[li][k] * Bs[k][lj];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    C[i * n + j] = acc;
}""",
    "nbody": """__kernel void nbody(__global const float *pos, __global const float *vel,
                    __global const float *m, float dt, float eps2, __global float *opos,
                    __global float *ovel, int n) {
    int i = get_global_id(0);
    float xi = pos[i], yi = pos[n + i], zi = pos[2 * n + i], ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (int j = 0; j < n; j++) {
        float dx = pos[j] - xi, dy = pos[n + j] - yi, dz = pos[2 * n + j] - zi;
        float inv = 1.0f / sqrt(dx * dx + dy * dy + dz * dz + eps2);
        float s = m[j] * inv * inv * inv;
        ax += dx * s; ay += dy * s; az += dz * s;
    }
    float a[3] = {ax, ay, az};
    for (int d = 0; d < 3; d++) {
        float v = vel[d * n + i] + a[d] * dt;
        ovel[d * n + i] = v;
        opos[d * n + i] = pos[d * n + i] + v * dt;
    }
}""",
}


def _devices() -> list[DeviceSpec]:
    import pyopencl as cl

    out: list[DeviceSpec] = []
    counts: dict[str, int] = {}
    for platform in cl.get_platforms():
        for dev in platform.get_devices():
            kind = "gpu" if dev.type & cl.device_type.GPU else "cpu" if dev.type & cl.device_type.CPU \
                else "accelerator"
            ordinal = counts.get(kind, 0)
            counts[kind] = ordinal + 1
            out.append(DeviceSpec(f"opencl:{kind}:{ordinal}", kind, dev))
    if not out:
        raise Skip("no OpenCL device")
    return out


_CONTEXTS: dict[Any, Any] = {}


def _queue(dev: Any) -> Any:
    import pyopencl as cl

    if dev not in _CONTEXTS:
        ctx = cl.Context([dev])
        _CONTEXTS[dev] = cl.CommandQueue(ctx)
    return _CONTEXTS[dev]


Launch = Callable[[Any, Any, Inputs, DeviceSpec], tuple[Any, ...]]


def _empty(queue: Any, shape: Any, dtype: Any) -> Any:
    import pyopencl.array as cla

    return cla.empty(queue, shape, dtype)


def _vadd(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    c = _empty(q, d[0].shape, d[0].dtype)
    kern(q, d[0].shape, None, d[0].data, d[1].data, c.data)
    return (c,)


def _reduce(name: str) -> Launch:
    def launch(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
        n = d[0].shape[0]
        lay = Partials.layout(n, dev.kind, dev.handle.max_compute_units)
        out = _empty(q, (lay.groups,), np.int64 if name == "pi" else np.float64)
        y = d[1] if name == "pi" else d[0]
        kern(q, (lay.groups,), None, d[0].data, y.data, out.data,
                           *map(np.int64, (n, lay.chunk, lay.outer, lay.inner)))
        return out, n

    return launch


def _mandel(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    xs, ys, maxiter = d
    out = _empty(q, (ys.shape[0], xs.shape[0]), np.int32)
    kern(q, (xs.shape[0], ys.shape[0]), None, xs.data, ys.data, np.int32(maxiter), out.data)
    return (out,)


def _bs(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    s, k, t, r, v = d
    call, put = _empty(q, s.shape, s.dtype), _empty(q, s.shape, s.dtype)
    kern(q, s.shape, None, s.data, k.data, t.data, np.float64(r), np.float64(v), call.data,
                     put.data)
    return call, put


def _matmul(local: tuple[int, int] | None) -> Launch:
    def launch(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
        n = d[0].shape[0]
        c = _empty(q, (n, n), np.float32)
        kern(q, (n, n), local, d[0].data, d[1].data, c.data, np.int32(n))
        return (c,)

    return launch


def _nbody(kern: Any, q: Any, d: Inputs, dev: DeviceSpec) -> tuple[Any, ...]:
    pos, vel, mass, dt, eps2 = d
    opos, ovel = _empty(q, pos.shape, np.float32), _empty(q, vel.shape, np.float32)
    kern(q, (pos.shape[1],), None, pos.data, vel.data, mass.data, np.float32(dt), np.float32(eps2),
              opos.data, ovel.data, np.int32(pos.shape[1]))
    return opos, ovel


LAUNCHES: dict[str, Launch] = {
    "vadd": _vadd, "pi": _reduce("pi"), "sumsq": _reduce("sumsq"), "mandelbrot": _mandel,
    "blackscholes": _bs, "matmul_naive": _matmul(None),
    "matmul_tiled": _matmul((TILE, TILE)), "nbody": _nbody,
}


def _build(workload: Workload, device: DeviceSpec) -> Prepared:
    import pyopencl as cl
    import pyopencl.array as cla

    if workload.kind not in SOURCES:
        raise Skip(f"no OpenCL kernel for {workload.kind}")
    queue = _queue(device.handle)
    launch = LAUNCHES[workload.kind]
    prg: list[Any] = []

    def copy_in(inputs: Inputs) -> Inputs:
        arrays = tuple(cla.to_device(queue, x) if isinstance(x, np.ndarray) else x for x in inputs)
        queue.finish()
        return arrays

    def compute(dev_inputs: Inputs) -> tuple[Any, ...]:
        if not prg:  # built on the first call so that the first-call time includes the compile
            ctype = "double" if dev_inputs[0].dtype == np.float64 else "float"
            program = cl.Program(queue.context, HEADER + SOURCES[workload.kind]).build(
                options=[f"-DREAL={ctype}", f"-DTILE={TILE}"])
            prg.append(program.all_kernels()[0])
        out = launch(prg[0], queue, dev_inputs, device)
        queue.finish()
        return out

    def copy_out(outs: tuple[Any, ...]) -> Any:
        host = tuple(o.get() if hasattr(o, "get") else o for o in outs)
        if workload.kind in ("pi", "sumsq"):
            return finish_partials(workload.kind, *host)
        return host[0] if len(host) == 1 else host

    return Prepared(compute=compute, copy_in=copy_in, copy_out=copy_out, offloaded=True)


IMPLS = [Impl("pyopencl", "opencl", _build, requires=("pyopencl",), devices=_devices,
              description="hand-written OpenCL C kernels through PyOpenCL")]
