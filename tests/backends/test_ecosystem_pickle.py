"""Pickling (issue 15): ``cb.Array`` as data + device filter string, devices, and kernels, device
functions, vectorized functions, reductions and ``cb.fuse`` functions defined in ``__main__`` or a
notebook, compiled by another process from the source that travels with them. Every device, against
NumPy."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import cambrian as cb
from cambrian.array._pickle import rebuild_array, unpickle_to
from cambrian.testing import requires

pytest.importorskip("cloudpickle", reason="cloudpickle is not installed (Dask installs it)")

DTYPES = ["bool", "int8", "uint16", "int64", "float32", "float64", "complex64", "complex128"]


def _host(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    v = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 1.5 - 3
    if dtype == "bool":
        return v > 0
    return (v + 1j * v if "complex" in dtype else v).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_array_roundtrip(device: cb.Device, dtype: str) -> None:
    if dtype in ("float64", "complex128"):
        requires(device, "float64")
    host = _host(dtype, (4, 6))
    x = cb.asarray(host, device=device)
    for view, want in ((x, host), (x[::2, 1:], host[::2, 1:]), (x.T, host.T), (x[1, 2], host[1, 2]),
                       (x[:0], host[:0])):
        for protocol in (2, 4, 5):
            y = pickle.loads(pickle.dumps(view, protocol=protocol))
            assert isinstance(y, cb.Array) and y.device == device and y.dtype == want.dtype
            np.testing.assert_array_equal(cb.asnumpy(y), want)


def test_protocol5_sends_the_data_out_of_band(device: cb.Device) -> None:
    host = np.arange(1000, dtype=np.float32)
    buffers: list[pickle.PickleBuffer] = []
    blob = pickle.dumps(cb.asarray(host, device=device), protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and buffers[0].raw().nbytes == host.nbytes and len(blob) < 1000
    y = pickle.loads(blob, buffers=buffers)
    np.testing.assert_array_equal(cb.asnumpy(y), host)


def test_copy_and_deepcopy_stay_on_the_device(device: cb.Device) -> None:
    x = cb.asarray(np.arange(4.0, dtype=np.float32), device=device)
    shallow, deep = copy.copy(x), copy.deepcopy(x)
    assert shallow.device == deep.device == device
    x[0] = 10.0
    assert float(shallow[0]) == 10.0 and float(deep[0]) == 0.0  # a view of x / a copy


def test_device_pickles_as_its_filter_string(device: cb.Device) -> None:
    assert pickle.loads(pickle.dumps(device)) == device
    assert copy.deepcopy(device) == device


class _Pickled:
    """Pickles as an array made on ``filter`` (a device this process may not have)."""

    def __init__(self, host: np.ndarray, filter: str):
        self.args = (host, filter)

    def __reduce__(self):
        return (rebuild_array, self.args)


def test_unpickle_on_a_missing_device(device: cb.Device, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = pickle.dumps(_Pickled(np.arange(3.0, dtype=np.float32), "cuda:7"))
    monkeypatch.delenv("CAMBRIAN_DEVICE", raising=False)
    with pytest.raises(cb.DeviceError, match=r"lived on cuda:7.*devices here: .*CAMBRIAN_DEVICE"):
        pickle.loads(blob)
    monkeypatch.setenv("CAMBRIAN_DEVICE", str(device))  # follows CAMBRIAN_DEVICE when set
    y = pickle.loads(blob)
    assert y.device == device
    np.testing.assert_array_equal(cb.asnumpy(y), np.arange(3.0, dtype=np.float32))


def test_unpickle_to_places_arrays(device: cb.Device) -> None:
    blob = pickle.dumps(cb.asarray([1, 2, 3], device="interp"))
    unpickle_to(device)
    try:
        y = pickle.loads(blob)
    finally:
        unpickle_to(None)
    assert y.device == device and cb.asnumpy(y).tolist() == [1, 2, 3]
    assert pickle.loads(blob).device == cb.select_device("interp")


# -- functions -------------------------------------------------------------------------------------------
_LOCK = threading.Lock()


def test_local_kernel_pickles_by_value(device: cb.Device) -> None:
    @cb.func
    def twice(v):
        return 2.0 * v

    @cb.kernel
    def scale(out, a):
        i = cb.get_global_id(0)
        out[i] = twice(a[i]) + 1.0

    kern = pickle.loads(pickle.dumps(scale))
    assert kern is not scale and isinstance(kern, cb.Kernel)
    a = cb.asarray(np.arange(5, dtype=np.float32), device=device)
    out = cb.empty_like(a)
    kern[5](out, a)
    np.testing.assert_array_equal(cb.asnumpy(out), 2 * np.arange(5, dtype=np.float32) + 1)


def test_local_vectorize_keeps_its_identity(device: cb.Device) -> None:
    @cb.vectorize(identity=0.0)
    def plus(a, b):
        return a + b

    again = pickle.loads(pickle.dumps(plus))
    assert again is not plus and again.identity == 0.0
    empty = cb.asarray(np.zeros((0, 3), np.float32), device=device)
    np.testing.assert_array_equal(cb.asnumpy(again.reduce(empty, axis=0)), np.zeros(3, np.float32))
    x = cb.asarray(np.arange(6, dtype=np.float32).reshape(2, 3), device=device)
    np.testing.assert_array_equal(cb.asnumpy(again.reduce(x, axis=0)), [3.0, 5.0, 7.0])


def test_importable_objects_pickle_by_reference() -> None:
    from cambrian.dask import _iota

    assert pickle.loads(pickle.dumps(_iota)) is _iota
    assert pickle.loads(pickle.dumps(cb.sin)) is cb.sin
    assert pickle.loads(pickle.dumps(cb.random.uniform)) is not None


def test_unpicklable_global_is_named() -> None:
    @cb.kernel
    def locked(out):
        with _LOCK:
            out[0] = 1

    with pytest.raises(pickle.PicklingError, match=r"locked.*'_LOCK'.*cannot be pickled"):
        pickle.dumps(locked)


SCRIPT = '''
import pickle, sys
import numpy as np
import cambrian as cb

@cb.func
def bump(v, k):
    return v * k + 1.0

@cb.kernel
def kern(out, a):
    i = cb.get_global_id(0)
    out[i] = bump(a[i], 2.0)

@cb.vectorize
def vec(a, b):
    return bump(a, b) - 1.0

def add(a, b):
    return a + b

dot = cb.reduction(add, 0.0, map=bump)

@cb.fuse
def fused(x):
    return cb.sum(cb.square(x) * 3.0)

with open(sys.argv[1], "wb") as f:
    pickle.dump((kern, vec, dot, fused), f)
'''

LOAD = '''
import pickle, sys
import numpy as np
import cambrian as cb
kern, vec, dot, fused = pickle.load(open(sys.argv[1], "rb"))
a = cb.asarray(np.arange(6, dtype=np.float32), device=sys.argv[2])
out = cb.empty_like(a)
kern[6](out, a)
print("FILE", kern.py_func.__code__.co_filename)
print("RESULT", cb.asnumpy(out).tolist(), cb.asnumpy(vec(a, a)).tolist(), float(dot(a, a)), float(fused(a)))
'''

NOTEBOOK = '''
import linecache, sys
src = open(sys.argv[1]).read()
name = "<ipython-input-3-0123456789ab>"
linecache.cache[name] = (len(src), None, src.splitlines(True), name)
sys.argv = sys.argv[1:]
exec(compile(src, name, "exec"), {"__name__": "__main__"})
'''


def _run(*args: str) -> str:
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize("how", ["script removed", "notebook cell", "script changed"])
def test_main_functions_compile_in_another_process(device: cb.Device, tmp_path: Path, how: str) -> None:
    """Defined in ``__main__`` (a script since removed or edited, a notebook cell): the worker compiles."""
    script, blob, loader = tmp_path / "job.py", tmp_path / "job.pkl", tmp_path / "load.py"
    script.write_text(textwrap.dedent(SCRIPT))
    loader.write_text(textwrap.dedent(LOAD))
    if how == "notebook cell":
        (tmp_path / "nb.py").write_text(textwrap.dedent(NOTEBOOK))
        _run(str(tmp_path / "nb.py"), str(script), str(blob))
    else:
        _run(str(script), str(blob))
        if how == "script removed":
            script.unlink()
        else:
            script.write_text("# another program now\n" * 40)
    out = _run(str(loader), str(blob), str(device))
    a = np.arange(6, dtype=np.float32)
    want = [(a * 2 + 1).tolist(), (a * a).tolist(), float(np.sum(a * a + 1)), float(np.sum(a * 3 * a))]
    assert f"RESULT {want[0]} {want[1]} {want[2]} {want[3]}" in out
    expected_file = {"script removed": str(script), "notebook cell": "<ipython-input-3-0123456789ab>",
                     "script changed": f"<cambrian-pickled {script}>"}[how]
    assert f"FILE {expected_file}\n" in out  # error messages and cache keys keep the user's file
