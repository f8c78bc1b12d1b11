"""The PyTorch peer of `npm run bench -- matmul`.

    python matmul.py SHAPES.json THREADS SECONDS

SHAPES.json: a list of {"name", "transA", "transB", "M", "N", "K"} (row-major BLAS semantics:
A is stored [M,K], or [K,M] when transA; B is [K,N], or [N,K] when transB). For each, torch.matmul
on float32 CPU tensors with torch.set_num_threads(THREADS), the transposes as views (.t()), as a
model's backward pass would use them. Median seconds per call over about SECONDS of calls after
a warm-up. Prints one JSON line: {"backend": ..., "results": [{"name", "gflops"}]}.
"""
import json
import statistics
import sys
import time

import torch


def median_seconds(fn, budget):
    for _ in range(2):
        fn()
    times = []
    started = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - started < budget and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    shapes_file, threads, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(threads)
    with open(shapes_file) as f:
        shapes = json.load(f)
    results = []
    for s in shapes:
        m, n, k = s["M"], s["N"], s["K"]
        a = torch.rand(k, m).t() if s["transA"] else torch.rand(m, k)
        b = torch.rand(n, k).t() if s["transB"] else torch.rand(k, n)
        out = torch.empty(m, n)
        seconds = median_seconds(lambda: torch.matmul(a, b, out=out), budget)
        results.append({"name": s["name"], "gflops": 2 * m * n * k / seconds / 1e9})
    print(json.dumps({"backend": f"torch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}", "results": results}))


if __name__ == "__main__":
    main()
