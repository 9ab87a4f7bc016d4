"""Mandelbrot set with complex numbers and a device function; writes a PGM image with --out.

    python examples/mandelbrot.py --device opencl:cpu:0 --size 1024 --iterations 200 --out m.pgm
"""

import argparse
import time

import numpy as np

import cambrian as cb


@cb.func
def escape_time(c, max_iter):
    z = complex(0.0, 0.0)
    for k in range(max_iter):
        z = z * z + c
        if z.real * z.real + z.imag * z.imag > 4.0:
            return k
    return max_iter


@cb.kernel
def mandelbrot(out, max_iter):
    y = cb.get_global_id(0)
    x = cb.get_global_id(1)
    h = out.shape[0]
    w = out.shape[1]
    c = complex(-2.0 + 3.0 * x / w, -1.5 + 3.0 * y / h)
    out[y, x] = escape_time(c, max_iter)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--device", default=None, help="filter string, e.g. cpu, opencl:cpu:0, cuda:0, interp")
    p.add_argument("--size", type=int, default=1024, help="image height and width")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--out", default=None, help="write the image as a PGM file")
    args = p.parse_args(argv)
    device = cb.select_device(args.device)
    img = cb.zeros((args.size, args.size), dtype=cb.int32, device=device)
    mandelbrot[(args.size, args.size), None](img, np.int32(args.iterations)).wait()
    t = time.perf_counter()
    mandelbrot[(args.size, args.size), None](img, np.int32(args.iterations)).wait()
    dt = time.perf_counter() - t
    host = cb.asnumpy(img)
    inside = int((host == args.iterations).sum())
    print(f"mandelbrot {args.size}x{args.size}, {args.iterations} iterations on {device}: "
          f"{dt * 1e3:.1f} ms, {inside} points inside")
    if args.out:
        scaled = (255 * host / max(args.iterations, 1)).astype(np.uint8)
        with open(args.out, "wb") as f:
            f.write(f"P5 {args.size} {args.size} 255\n".encode() + scaled.tobytes())
    return 0 if 0 < inside < args.size * args.size else 1


if __name__ == "__main__":
    raise SystemExit(main())
