"""Launch-time errors: clear CambrianError subclasses naming the kernel, never a traceback from inside."""

from __future__ import annotations

import numpy as np
import pytest

import cambrian as cb


@cb.kernel
def copy1(a, b):
    i = cb.get_global_id(0)
    b[i] = a[i]


def test_calling_without_launch_size() -> None:
    with pytest.raises(cb.LaunchError, match=r"copy1\[n\]"):
        copy1(np.zeros(4), np.zeros(4))


def test_wrong_argument_count_names_kernel_and_definition() -> None:
    with pytest.raises(cb.LaunchError) as err:
        copy1[4](np.zeros(4))
    msg = str(err.value)
    assert "copy1(a, b) takes 2 arguments but 1 was given" in msg
    assert "test_launch_errors.py" in msg


@pytest.mark.parametrize("config, pattern", [
    ((10, 3), "does not divide"),
    (((8, 8), (4,)), "different numbers of dimensions"),
    ((-1,), "non-negative"),
    (((1, 2, 3, 4),), "1 to 3 dimensions"),
    ((2.5,), "non-negative integers"),
])
def test_bad_launch_sizes(config, pattern) -> None:
    with pytest.raises(cb.LaunchError, match=pattern):
        copy1[config if len(config) == 2 else config[0]](np.zeros(12), np.zeros(12))


def test_unsupported_argument_type() -> None:
    with pytest.raises(cb.KernelTypeError, match="argument 'a' has unsupported type str"):
        copy1[4]("abcd", np.zeros(4))


def test_scalar_out_of_range_for_its_type() -> None:
    @cb.kernel
    def fill(a, v):
        a[cb.get_global_id(0)] = v

    with pytest.raises(cb.LaunchError, match="does not fit"):
        fill[4](np.zeros(4, np.int64), 2**70)


def test_zero_size_launch_is_a_no_op() -> None:
    a = np.ones(4)
    copy1[0](a, a).wait()


def test_local_size_beyond_device_limit(device) -> None:
    n = device.max_work_group_size * 2
    a = cb.zeros(n, dtype=cb.int32, device=device)
    with pytest.raises(cb.LaunchError, match="exceeds the limits"):
        copy1[n, n](a, a)


def test_arrays_on_different_devices_raise_placement_error() -> None:
    devs = [d for d in cb.devices() if d.usable]
    if len(devs) < 2:
        pytest.skip("needs two usable devices")
    a = cb.zeros(4, dtype=cb.float32, device=devs[0])
    b = cb.zeros(4, dtype=cb.float32, device=devs[1])
    with pytest.raises(cb.PlacementError, match="to_device"):
        copy1[4](a, b)


def test_numpy_arguments_are_copied_back_only_when_written(device) -> None:
    a = np.arange(8, dtype=np.float32)
    b = np.zeros(8, dtype=np.float32)
    with cb.using(device):
        copy1[8](a, b)
    np.testing.assert_array_equal(b, a)


@pytest.mark.devices("cpu,opencl,cuda")  # compiling devices, made fp64-less for the test
def test_float64_on_device_without_fp64_is_a_clear_error(monkeypatch, device) -> None:
    monkeypatch.setattr(device, "supports_float64", False)
    copy1._specs.clear()

    @cb.kernel
    def scale(a):
        a[cb.get_global_id(0)] = a[cb.get_global_id(0)] * 0.5

    x = cb.zeros(4, dtype=cb.float32, device=device)
    scale[4](x).wait()  # float32 * weak 0.5 stays float32: fine

    @cb.kernel
    def widen(a):
        a[cb.get_global_id(0)] = cb.float32(cb.float64(a[cb.get_global_id(0)]) * 2.0)

    with pytest.raises(cb.UnsupportedFeatureError, match="float64") as err:
        widen[4](x)
    assert "test_launch_errors.py" in str(err.value)


def test_debug_prints_generated_source(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CAMBRIAN_DEBUG", "1")

    @cb.kernel
    def ones(a):
        a[cb.get_global_id(0)] = 1

    with cb.using("interp"):
        ones[4](np.zeros(4))
    err = capsys.readouterr().err
    assert "[cambrian] compiled kernel" in err and "ones" in err and "interp" in err


@pytest.mark.devices("cpu,opencl,cuda")
def test_python_float_argument_is_float32_on_a_device_without_fp64(monkeypatch, device) -> None:
    monkeypatch.setattr(device, "supports_float64", False)

    @cb.kernel
    def scale_by(a, k):
        a[cb.get_global_id(0)] = a[cb.get_global_id(0)] * k

    x = cb.ones(4, dtype=cb.float32, device=device)
    scale_by[4](x, 0.5).wait()
    np.testing.assert_array_equal(cb.asnumpy(x), np.full(4, 0.5, np.float32))
    with pytest.raises(cb.UnsupportedFeatureError, match="float64"):
        scale_by[4](x, np.float64(0.5))
