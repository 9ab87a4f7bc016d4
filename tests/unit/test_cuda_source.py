"""CUDA C from the C renderer compiles with ``nvcc --ptx -arch=sm_80 --fmad=false`` (no GPU needed):
every integer dtype, floats, complex, atomics of every element type, local memory and barriers,
device functions taking arrays, bounds checks and strided arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cambrian as cb
from cambrian.compiler import render_c
from cambrian.kernels import func, kernel

from ..backends import test_opencl_features as feat
from ..backends import test_opencl_semantics as sem
from ..backends import test_stream_stores as stream
from .nvcc import NVCC, compile_failures


@func
def weighted(a, i, w):
    return a[i] * w + a[i + 1]


@kernel
def uses_func(a, out):
    i = cb.get_global_id(0)
    out[i] = weighted(a, i, 2.0) + cb.get_global_size(0) + cb.get_num_groups(0)


@kernel
def math_mix(x, y):
    i = cb.get_global_id(0)
    v = x[i]
    y[i] = (math.sqrt(abs(v)) + math.exp(v) - math.log1p(abs(v)) + math.atan2(v, 1.0) + math.gamma(2.5)
            + math.erf(v) + (1.0 if math.isnan(v) or math.isinf(v) or not math.isfinite(v) else 0.0)
            + math.inf * 0.0 + math.fmod(v, 3.0) + math.copysign(1.0, v) + math.hypot(v, 2.0))


@kernel
def int_atomics(h32, hu32, h64, hu64):
    i = cb.get_global_id(0)
    for op in range(1):
        cb.atomic_max(h32, op, cb.int32(i))
        cb.atomic_min(hu32, op, cb.uint32(i))
        cb.atomic_xchg(h64, op, cb.int64(i))
        cb.atomic_cas(hu64, op, cb.uint64(0), cb.uint64(i))
        cb.atomic_sub(h64, op, cb.int64(1))
        cb.atomic_sub(hu64, op, cb.uint64(1))
        cb.atomic_min(h64, op, cb.int64(-i))


def _modules():
    f32 = np.zeros(4, np.float32)
    f64 = np.zeros(4, np.float64)
    out = [("uses_func", uses_func.ir(f64, f64)), ("math32", math_mix.ir(f32, f32)),
           ("math64", math_mix.ir(f64, f64)),
           ("int_atomics", int_atomics.ir(*(np.zeros(2, d) for d in ("int32", "uint32", "int64", "uint64"))))]
    for dt in sem.INT_DTYPES:
        a = np.zeros(4, dt)
        out.append((f"int_ops_{dt}", sem.int_ops.ir(*[a] * 8)))
    for dt in ("float32", "float64"):
        a = np.zeros(4, dt)
        out.append((f"float_ops_{dt}", sem.float_ops.ir(*[a] * 7)))
    for dt in ("complex64", "complex128"):
        a = np.zeros(4, dt)
        out.append((f"complex_{dt}", sem.complex_ops.ir(*[a] * 6)))
    outs = [np.zeros(4, d) for d in ("int8", "uint16", "int64", "bool", "complex64")]
    out.append(("casts", sem.casts.ir(f64, *outs)))
    m2 = np.zeros((8, 8), np.float32)
    out += [("matmul", feat.matmul_tiled.ir(m2, m2, m2)),
            ("group_sum", feat.group_sum.ir(np.zeros(4, np.int64), np.zeros(4, np.int64))),
            ("histogram", feat.histogram.ir(np.zeros(4, np.int64), np.zeros(4, np.int32),
                                            np.zeros(4, np.int64), np.zeros(4, np.uint32))),
            ("float_atomics", feat.float_atomics.ir(f64, f32, f64, f64, f32, f64)),
            ("boundscheck", feat.shifted_copy.ir(f64, f64)),
            ("strided", feat._strided_module("strided")),
            ("store_nontemporal", stream.stream_axpy.ir(f64, f64, f64)),
            ("store_nontemporal_view", stream.stream_view.ir(np.zeros(4, np.int32),
                                                             np.zeros(4, np.complex128)))]
    return out


def test_cuda_corpus_renders_with_cuda_spellings():
    for name, module in _modules():
        src = render_c.render_cuda(module)
        assert 'extern "C" __global__ void k_' in src, name
        assert "get_global_id" not in src and "__kernel" not in src and "#pragma OPENCL" not in src, name
        assert "long long cb_gs0" in src, name


@pytest.mark.skipif(NVCC is None, reason="nvcc not found")
def test_cuda_corpus_compiles_with_nvcc(tmp_path):
    failures = compile_failures(((name, render_c.render_cuda(m)) for name, m in _modules()), tmp_path)
    assert not failures, "\n\n".join(failures)
