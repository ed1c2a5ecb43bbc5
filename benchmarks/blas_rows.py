"""Whether a row of a matrix product gets the same numbers whatever rows it is
multiplied with, and how fast, on each of OpenBLAS's x86 kernels (tm/blas.py).

    python benchmarks/blas_rows.py [--kernels Haswell SkylakeX ...]

Each kernel runs in a fresh process (OPENBLAS_CORETYPE is read when OpenBLAS
loads), on the shapes of the encoder's products (tm/embed/model.py): random
rows, products of 16 to 1,024 rows (multiples of 16, as the encoder pads them)
at every 16-row offset of a 1,024-row matrix, compared bit for bit with the
whole matrix's product. Printed per kernel: the kernel OpenBLAS reports, the
share of (rows, offset) products whose rows differ, and GFLOPS of the second
convolution's product (384 rows, one thread).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, time
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits
threadpool_limits(1, user_api="blas")
arch = next((i.get("architecture") for i in threadpool_info() if i.get("user_api") == "blas"), None)
rng = np.random.default_rng(0)
shapes = [(512, 256), (768, 256), (1280, 256), (512, 768), (1280, 512), (512, 320), (320, 320), (320, 512)]
tried = differ = 0
for k, n in shapes:
    a = rng.standard_normal((1024, k), dtype=np.float32)
    w = rng.standard_normal((k, n), dtype=np.float32)
    whole = a @ w
    for rows in range(16, 1025, 16):
        for start in range(0, 1024 - rows + 1, 64):
            tried += 1
            differ += not np.array_equal(a[start:start + rows] @ w, whole[start:start + rows])
a = rng.standard_normal((384, 1280), dtype=np.float32)
w = rng.standard_normal((1280, 256), dtype=np.float32)
for _ in range(20):
    a @ w
t = time.perf_counter()
for _ in range(300):
    a @ w
gflops = 2 * 384 * 1280 * 256 * 300 / (time.perf_counter() - t) / 1e9
print(json.dumps({"arch": arch, "tried": tried, "differ": differ, "gflops": gflops}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", nargs="+", default=["Haswell", "SkylakeX"])
    args = ap.parse_args()
    print(f"{'asked':>10} {'OpenBLAS ran':>13} {'products':>9} {'rows differ':>12} {'GFLOPS':>7}")
    for kernel in args.kernels:
        env = dict(os.environ, OPENBLAS_CORETYPE=kernel)
        r = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True)
        if r.returncode:
            print(f"{kernel:>10} failed: {r.stderr.strip().splitlines()[-1:]}")
            continue
        f = json.loads(r.stdout)
        print(f"{kernel:>10} {str(f['arch']):>13} {f['tried']:>9} {f['differ'] / f['tried']:>11.1%} {f['gflops']:>7.1f}")


if __name__ == "__main__":
    main()
