# ruff: noqa: F841, B007, F821
"""Front end errors: one test per construct/error class, checking message, file, line and caret.

Each bad kernel marks its offending line with a ``# <-`` comment.
"""

from __future__ import annotations

import inspect
import linecache
import math

import pytest

import cambrian as cb
from cambrian.compiler import ir
from cambrian.compiler.frontend import translate
from cambrian.compiler.frontend_stmt import FuncTranslator
from cambrian.kernels import func

A = ir.ArrayT("float32", 1, layout="C")
A2 = ir.ArrayT("float32", 2, layout="C")
Z = ir.ArrayT("complex64", 1, layout="C")
I = ir.Scalar("int32")
KSE, KTE = cb.KernelSyntaxError, cb.KernelTypeError


def helper(x):
    return x


@func
def half_return(x):
    if x > 0:  # <-
        return x


@func
def void_fn(a):
    a[0] = 1


@func
def recursive(x):
    return recursive(x - 1)  # <-


@func
def tuple_ret(x):
    return x, x  # <-


def k_undefined(a):
    a[0] = foo + 1  # <-


def k_for_array(a):
    for v in a[0]:  # <-
        pass


def k_for_else(a):
    for i in range(3):  # <-
        pass
    else:
        pass


def k_while_else(a):
    while a[0] > 0:  # <-
        a[0] -= 1
    else:
        pass


def k_with(a):
    with open("x"):  # <-
        pass


def k_try(a):
    try:  # <-
        a[0] = 1
    except Exception:
        pass


def k_del(a):
    x = 1
    del x  # <-


def k_global(a):
    global SOMETHING  # <-


def k_listcomp(a):
    x = [i for i in range(3)]  # <-


def k_lambda(a):
    f = lambda: 1  # <-  # noqa: E731


def k_string(a):
    x = "text"  # <-


def k_fstring(a):
    x = f"{a}"  # <-


def k_slice(a):
    a[1:2] = 0  # <-


def k_attr_store(a):
    a.x = 1  # <-


def k_nested_def(a):
    def inner():  # <-
        pass


def k_kwargs(a):
    i = cb.get_global_id(dim=0)  # <-


def k_starargs(a):
    i = cb.get_global_id(*(0,))  # <-


def k_return_value(a):
    return 1  # <-


def k_bitwise_float(a):
    a[0] = a[0] & 1  # <-


def k_complex_floordiv(z):
    z[0] = z[0] // 2  # <-


def k_complex_order(z):
    if z[0] < z[1]:  # <-
        pass


def k_float_index(a):
    a[1.5] = 0  # <-


def k_bool_index(a):
    a[True] = 0  # <-


def k_wrong_ndim(a):
    a[0] = 1  # <-


def k_zero_step(a):
    for i in range(0, 10, 0):  # <-
        pass


def k_float_range(a):
    for i in range(a[0]):  # <-
        pass


def k_arity(a):
    a[0] = math.sqrt(1.0, 2.0)  # <-


def k_intrinsic_type(z):
    z[0] = math.sqrt(z[0])  # <-


def k_workitem_dim(a):
    i = cb.get_global_id(3)  # <-


@func
def local_in_func(a):
    t = cb.local_array(4, cb.float32)  # <-


def k_local_in_func(a):
    local_in_func(a)


def k_local_shape(a, n):
    t = cb.local_array(n, cb.float32)  # <-


def k_half_return(a):
    a[0] = half_return(a[0])


def k_void_value(a):
    x = void_fn(a)  # <-


def k_recursive(a):
    a[0] = recursive(a[0])


def k_tuple_ret(a):
    a[0] = tuple_ret(a[0])


def k_print(a):
    a[0] = hash(a[0])  # <-


def k_plain_function(a):
    a[0] = helper(a[0])  # <-


def k_module_attr(a):
    a[0] = math.nosuchthing(a[0])  # <-


def k_atomic_args(a):
    cb.atomic_add(a, 0)  # <-


def k_atomic_complex(z):
    cb.atomic_add(z, 0, 1)  # <-


def k_array_alias(a):
    b = a  # <-


def k_before_assign(a):
    a[0] = x  # <-
    x = 1


def k_bool_arith(a):
    b = a[0] > 0
    a[0] = b + b  # <-


def k_matmul(a):
    a[0] = a[0] @ a[1]  # <-


def k_is(a):
    if a[0] is None:  # <-
        pass


def k_loopvar_float(a):
    for i in range(3):  # <-
        pass
    i = 1.5


def k_bad_annotation(a):
    x: helper = 1  # <-


def k_array_arith(a):
    a[0] = a + 1  # <-


CASES = [
    (k_undefined, (A,), KSE, "name 'foo' is not defined"),
    (k_for_array, (A,), KSE, "'for' loops iterate over range(), enumerate(), zip(), tuples and 1-d arrays; "
                             "got iteration over 'a[0]'"),
    (k_for_else, (A,), KSE, "'for ... else' is not supported"),
    (k_while_else, (A,), KSE, "'while ... else' is not supported"),
    (k_with, (A,), KSE, "'with' statements are not supported"),
    (k_try, (A,), KSE, "'try' statements are not supported"),
    (k_del, (A,), KSE, "'del' statements are not supported"),
    (k_global, (A,), KSE, "'global' declarations are not supported"),
    (k_listcomp, (A,), KSE, "list comprehensions are not supported"),
    (k_lambda, (A,), KSE, "lambda expressions are not supported"),
    (k_string, (A,), KSE, "strings are not supported"),
    (k_fstring, (A,), KSE, "f-strings are not supported"),
    (k_slice, (A,), KSE, "slices are not supported"),
    (k_attr_store, (A,), KSE, "attribute stores (x.attr = ...) are not supported"),
    (k_nested_def, (A,), KSE, "nested function definitions are not supported"),
    (k_kwargs, (A,), KSE, "keyword arguments are not supported in the call of cb.get_global_id"),
    (k_starargs, (A,), KSE, "*args in calls are not supported"),
    (k_return_value, (A,), KSE, "kernels cannot return a value"),
    (k_bitwise_float, (A,), KTE, "operator '&' is not supported for float32 operands"),
    (k_complex_floordiv, (Z,), KTE, "operator '//' is not supported for complex operands"),
    (k_complex_order, (Z,), KTE, "complex numbers only compare with == and !="),
    (k_float_index, (A,), KTE, "array indices must be integers, got float64"),
    (k_bool_index, (A,), KTE, "array indices must be integers, got bool"),
    (k_wrong_ndim, (A2,), KTE, "a 2-d array needs exactly 2 indices, got 1"),
    (k_zero_step, (A,), KTE, "range() step must not be zero"),
    (k_float_range, (A,), KTE, "range() arguments must be integers, got float32"),
    (k_arity, (A,), KTE, "sqrt() takes 1 argument (2 given)"),
    (k_intrinsic_type, (Z,), KTE, "sqrt(): complex argument not supported"),
    (k_workitem_dim, (A,), KTE, "the dimension of get_global_id() must be 0, 1 or 2, got 3"),
    (k_local_in_func, (A,), KSE, "local_array() is only allowed in a kernel body"),
    (k_local_shape, (A, I), KTE, "local_array() must be known at compile time; 'n' is a parameter"),
    (k_half_return, (A,), KTE, "returns a value on some paths but not on others"),
    (k_void_value, (A,), KTE, "device function 'void_fn' does not return a value"),
    (k_recursive, (A,), KTE, "recursion is not supported"),
    (k_tuple_ret, (A,), KSE, "device functions return one scalar"),
    (k_print, (A,), KSE, "the builtin 'hash' is not supported"),
    (k_plain_function, (A,), KTE, "calling function 'helper' is not supported in kernels"),
    (k_module_attr, (A,), KSE, "module 'math' has no attribute 'nosuchthing'"),
    (k_atomic_args, (A,), KTE, "atomic_add() on a 1-d array takes the array, 1 index and value"),
    (k_atomic_complex, (Z,), KTE, "atomic_add() on complex64 arrays is not supported"),
    (k_array_alias, (A,), KTE, "arrays cannot be assigned to variables"),
    (k_before_assign, (A,), KSE, "local variable 'x' is used before it is assigned a value"),
    (k_bool_arith, (A,), KTE, "arithmetic operator '+' on bool values is not supported"),
    (k_matmul, (A,), KSE, "the '@' (matrix multiply) operator is not supported"),
    (k_is, (A,), KSE, "the 'is' operator is not supported"),
    (k_loopvar_float, (A,), KTE, "the loop variable 'i' is int64 but is also assigned float64"),
    (k_bad_annotation, (A,), KTE, "a variable annotation must be a dtype"),
    (k_array_arith, (A,), KTE, "must be a scalar, got a global array(float32, 1d, C)"),
]


def marked_line(fn) -> tuple[str, int]:
    lines, start = inspect.getsourcelines(fn)
    for i, line in enumerate(lines):
        if "# <-" in line:
            return inspect.getsourcefile(fn), start + i
    raise AssertionError(f"{fn.__name__} has no '# <-' marker")


@pytest.mark.parametrize(("kernel", "argtypes", "exc", "message"), CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_error(kernel, argtypes, exc, message):
    with pytest.raises(exc) as info:
        translate(kernel, argtypes)
    err = info.value
    assert message in err.message
    # the marker is in the kernel, or (device function errors) in the function it calls
    callee = next((v for v in (half_return, recursive, tuple_ret, local_in_func) if v.py_func.__name__ in
                   inspect.getsource(kernel)), None)
    file, line = marked_line(callee.py_func if callee else kernel)
    assert err.loc is not None and err.loc.file == file and err.loc.line == line
    text = str(err)
    assert f'File "{file}", line {line}' in text
    src_line = linecache.getline(file, line).strip()
    assert src_line in text and "^" in text.splitlines()[-1]


def test_caret_points_at_the_offending_column():
    with pytest.raises(KSE) as info:
        translate(k_undefined, (A,))
    last_two = str(info.value).splitlines()[-2:]
    src, caret = last_two
    assert src.strip().startswith("a[0] = foo + 1")
    assert caret.index("^") == src.index("foo") and caret.count("^") == 3


def test_internal_errors_are_wrapped(monkeypatch):
    def boom(self, node):
        raise KeyError("oops")

    monkeypatch.setattr(FuncTranslator, "stmt_Pass", boom)

    def k_pass(a):
        pass

    with pytest.raises(KSE, match="internal error compiling this Pass statement") as info:
        translate(k_pass, (A,))
    assert "please report" in str(info.value) and info.value.loc.line == k_pass.__code__.co_firstlineno + 1


def test_wrong_number_of_arguments_for_device_function():
    @func
    def two(x, y):
        return x + y

    def k(a):
        a[0] = two(a[0])

    with pytest.raises(KTE, match=r"two\(\) takes 2 arguments \(1 given\)"):
        translate(k, (A,))


def test_unreadable_source_is_a_syntax_error():
    ns: dict = {}
    exec("def nosrc(a):\n    a[0] = 1\n", ns)
    with pytest.raises(KSE, match="cannot read the source of 'nosrc'"):
        translate(ns["nosrc"], (A,))
