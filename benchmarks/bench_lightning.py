"""Decayed linear ("lightning") attention: chunked vs naive vs recurrent, same device, same run.

Times ``statkit.llm.decayed_linear_attention`` on torch tensors of shape
(batch, heads, n, d) with the per-head slopes of ``decay_slopes(heads)``:

- ``chunked``: the tiled intra/inter-block algorithm (block size ``--block-size``);
- ``naive``: the masked n x n product [(Q K^T) * M] V in torch (the plain peer; skipped
  where its n x n temporaries would exceed ``--naive-max-gb``);
- ``recurrent``: the decoding recurrence S_t = exp(-lambda) S_{t-1} + k_t v_t^T, one
  step per position (skipped above ``--recurrent-max-n``);
- on the CPU also ``chunked (numpy)``, the numpy path on the same numbers.

Each time is the median of ``--reps`` calls after one untimed warm-up call, with
``torch.cuda.synchronize()`` before the clock starts and before it stops.

FLOP counts (per batch element and head; N = n rounded up to a multiple of B, nb = N/B,
multiply and add counted separately), for the work the implementation executes:

- chunked: intra-block 2 N B d (Q_i K_i^T) + N B (decay mask) + 2 N B e (times V_i);
  block states N d (K_i * beta) + 2 N d e ((K_i beta)^T V_i), and per group of G blocks
  2 (G+1) G d e (the states before its blocks, one product with the matrix of decay
  powers) + 2 (G+1) d e (the carried state); G is the method's own group size;
  inter-block N d (Q_i * alpha) + 2 N d e ((Q_i alpha) S) + N e (sum of the two parts).
  The masked half of each B x B block is computed too, and counted.
- naive: 2 n^2 d + n^2 + 2 n^2 e (full n x n scores, mask, times V).
- recurrent: 5 n d e (decay, outer product and add on the d x e state; q_t^T S_t).

Achieved FLOP/s = FLOPs / median time; on CUDA it is also shown as a fraction of the
GPU's dense peak for the dtype (``--peak-tflops`` overrides; defaults are NVIDIA's
datasheet figures for H100/H200 SXM: 67 TFLOP/s FP32 without tensor cores and FP64 on
tensor cores, 495 TF32, 989 BF16/FP16). Bytes/s uses the minimum traffic, reading q, k,
v and writing o once: (2 d + 2 e) n x itemsize per head, a lower bound for any method
(the unfused torch chunked path also writes and reads its B x B score blocks, about
4 N B x itemsize more); on CUDA it is shown against ``--peak-tbps`` (3.35 TB/s H100 SXM,
4.8 TB/s H200).

The error column is max |out - naive| / max |naive| (or against ``recurrent`` where the
naive form is skipped): the methods must agree, or the timing means nothing.

A second table times ``statkit.utils.fwht`` against the dense product x @ H / sqrt(n)
on ``--fwht-rows`` rows (``--fwht-rows 0`` skips it).

    python benchmarks/bench_lightning.py --device cuda --dtype float32
    python benchmarks/bench_lightning.py --quick            # small sizes, a few seconds
"""

import argparse
import math
import platform
import statistics
import time
from functools import partial

import numpy as np
import torch
from scipy.linalg import hadamard

from statkit.llm import decay_slopes, decayed_linear_attention
from statkit.llm._lightning import _MAX_ELEMENTS_CPU, _MAX_ELEMENTS_DEVICE, _MAX_GROUP_BLOCKS
from statkit.utils import fwht

PEAK_TFLOPS = {"float64": 67.0, "float32": 67.0, "tf32": 494.7, "bfloat16": 989.4, "float16": 989.4}
PEAK_TBPS = {"H100": 3.35, "H200": 4.8}


def group_blocks(n, d, e, B, lead_size, on_gpu):
    """The number of blocks per group that statkit's chunked method uses (same rule)."""
    B = min(B, n)
    nb = math.ceil(n / B)
    budget = _MAX_ELEMENTS_DEVICE if on_gpu else _MAX_ELEMENTS_CPU
    per_block = lead_size * (B * B + 2 * B * e + d * e)
    return max(1, min(nb, _MAX_GROUP_BLOCKS, budget // per_block))


def flops(method, n, d, e, B, G=1):
    if method.startswith("chunked"):
        B = min(B, n)
        nb = math.ceil(n / B)
        N = nb * B
        intra = 2 * N * B * d + N * B + 2 * N * B * e
        # local states, then per group of G blocks the (G+1) x G decay-power product and
        # the carried state (scale and add)
        n_groups = math.ceil(nb / G)
        states = N * d + 2 * N * d * e + n_groups * (2 * (G + 1) * G * d * e + 2 * (G + 1) * d * e)
        inter = N * d + 2 * N * d * e + N * e
        return intra + states + inter
    if method == "naive":
        return 2 * n * n * d + n * n + 2 * n * n * e
    return 5 * n * d * e


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, reps):
    out = fn()  # warm-up (allocator, cuBLAS handles, kernel selection)
    _sync(device)
    times = []
    for _ in range(reps):
        _sync(device)
        t0 = time.perf_counter()
        out = fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--dtype", default="float32", choices=["float32", "float64", "bfloat16", "float16"]
    )
    parser.add_argument(
        "--n", type=int, nargs="*", default=[4096, 16384, 65536], help="none: no attention table"
    )
    parser.add_argument(
        "--heads-dim",
        nargs="+",
        default=["8x64", "16x128"],
        help="head count x head dimension (d = e) pairs, e.g. 8x64 16x128",
    )
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--block-size", type=int, default=256)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--naive-max-gb", type=float, default=None)
    parser.add_argument("--recurrent-max-n", type=int, default=None)
    parser.add_argument("--tf32", action="store_true", help="allow TF32 matmuls (float32)")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--peak-tbps", type=float, default=None)
    parser.add_argument("--quick", action="store_true", help="n 1024 and 4096, 8 heads x 64")
    parser.add_argument("--fwht-rows", type=int, default=4096, help="0 skips the FWHT table")
    parser.add_argument("--fwht-n", type=int, nargs="+", default=[1024, 4096])
    args = parser.parse_args()
    if args.quick:
        args.n, args.heads_dim, args.reps = [1024, 4096], ["8x64"], 3
        args.fwht_rows, args.fwht_n = 512, [256, 1024]

    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    itemsize = torch.empty((), dtype=dtype).element_size()
    on_cuda = device.type == "cuda"
    if args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True  # this process only
    if on_cuda:
        name = torch.cuda.get_device_name(device)
        total_gb = torch.cuda.get_device_properties(device).total_memory / 1e9
        key = "tf32" if (args.tf32 and args.dtype == "float32") else args.dtype
        peak_tflops = args.peak_tflops or PEAK_TFLOPS[key]
        peak_tbps = args.peak_tbps or next((v for k, v in PEAK_TBPS.items() if k in name), None)
        naive_max_gb = args.naive_max_gb or 0.5 * total_gb
        recurrent_max_n = args.recurrent_max_n or 65536
    else:
        name = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
        peak_tflops = args.peak_tflops
        peak_tbps = args.peak_tbps
        naive_max_gb = args.naive_max_gb or 2.0
        recurrent_max_n = args.recurrent_max_n or 16384
    print(
        f"device: {name}; torch {torch.__version__}; dtype {args.dtype}"
        f"{' (TF32 on)' if args.tf32 else ''}; batch {args.batch}; block {args.block_size}; "
        f"median of {args.reps} after a warm-up"
    )
    if peak_tflops:
        print(f"peak used: {peak_tflops} TFLOP/s, {peak_tbps} TB/s")
    print()
    print(
        "| n | heads | d | method | time (ms) | time / chunked | GFLOP/s | % peak FLOP/s "
        "| min GB/s | % peak BW | rel. error |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    for hd in args.heads_dim:
        h, d = (int(x) for x in hd.lower().split("x"))
        e = d
        for n in args.n:
            rng = np.random.default_rng(0)
            shape = (args.batch, h, n, d)
            # unit-variance q, k over sqrt(d): scores O(1) whatever d
            q, k, v = (
                torch.as_tensor(rng.standard_normal(shape, dtype=np.float32)).to(device, dtype)
                for _ in range(3)
            )
            q = q / math.sqrt(d)
            slopes = torch.as_tensor(decay_slopes(h), device=device)

            attn = partial(decayed_linear_attention, q, k, v, slopes)
            runs = {"chunked": partial(attn, block_size=args.block_size)}
            naive_gb = 3 * args.batch * h * n * n * itemsize / 1e9
            if naive_gb <= naive_max_gb:
                runs["naive"] = partial(attn, method="naive")
            if n <= recurrent_max_n:
                runs["recurrent"] = partial(attn, method="recurrent")
            if not on_cuda and args.dtype in ("float32", "float64"):
                runs["chunked (numpy)"] = partial(
                    decayed_linear_attention,
                    *(x.numpy() for x in (q, k, v, slopes)),
                    block_size=args.block_size,
                )

            results = {}
            for method, fn in runs.items():
                reps = args.reps if method != "recurrent" else max(1, min(args.reps, 2))
                t, out = timed(fn, device, reps)
                out = torch.as_tensor(out).to(device=device, dtype=torch.float64)
                results[method] = (t, out)
                if on_cuda:
                    torch.cuda.empty_cache()
            ref_name = "naive" if "naive" in results else "recurrent"
            ref = results.get(ref_name, (None, None))[1]
            t_chunked = results["chunked"][0]
            for method, (t, out) in results.items():
                G = group_blocks(n, d, e, args.block_size, args.batch * h, on_cuda)
                fl = args.batch * h * flops(method, n, d, e, args.block_size, G)
                gflops = fl / t / 1e9
                min_bytes = args.batch * h * (2 * d + 2 * e) * n * itemsize
                gbps = min_bytes / t / 1e9
                pf = f"{100 * gflops / (peak_tflops * 1e3):.1f}" if peak_tflops else "-"
                pb = f"{100 * gbps / (peak_tbps * 1e3):.2f}" if peak_tbps else "-"
                if ref is None or method == ref_name:
                    err = "ref" if method == ref_name else "-"
                else:
                    err = f"{float((out - ref).abs().max() / ref.abs().max()):.1e}"
                print(
                    f"| {n} | {h} | {d} | {method} | {1e3 * t:.2f} | {t / t_chunked:.2f}x "
                    f"| {gflops:.1f} | {pf} | {gbps:.1f} | {pb} | {err} |"
                )
            skipped = [m for m in ("naive", "recurrent") if m not in results]
            if skipped:
                print(f"| {n} | {h} | {d} | {', '.join(skipped)} | skipped (size) | | | | | | |")
            del q, k, v, attn, runs, results, ref
            if on_cuda:
                torch.cuda.empty_cache()

    if args.fwht_rows > 0:
        bench_fwht(args, device, dtype, itemsize, peak_tbps)


def bench_fwht(args, device, dtype, itemsize, peak_tbps):
    """statkit.utils.fwht vs the dense product x @ H / sqrt(n) (scipy.linalg.hadamard as a
    tensor on the same device): rows x n inputs. The FWHT makes log2(n) passes, each
    reading and writing the array once, so its traffic is 2 log2(n) rows n itemsize
    bytes; the dense product does 2 rows n^2 FLOPs."""
    print()
    print("| rows | n | method | time (ms) | time / fwht | GB/s (FWHT passes) | % peak BW |")
    print("|---|---|---|---|---|---|---|")
    for n in args.fwht_n:
        rng = np.random.default_rng(1)
        x = torch.as_tensor(rng.standard_normal((args.fwht_rows, n), dtype=np.float32))
        x = x.to(device, dtype)
        H = torch.as_tensor(hadamard(n) / math.sqrt(n), device=device, dtype=dtype)
        t_f, y_f = timed(partial(fwht, x), device, args.reps)
        t_d, y_d = timed(lambda x=x, H=H: x @ H, device, args.reps)
        err = float((y_f.double() - y_d.double()).abs().max())
        traffic = 2 * math.log2(n) * args.fwht_rows * n * itemsize
        gbps = traffic / t_f / 1e9
        pb = f"{100 * gbps / (peak_tbps * 1e3):.1f}" if peak_tbps else "-"
        print(f"| {args.fwht_rows} | {n} | fwht | {1e3 * t_f:.2f} | 1.00x | {gbps:.1f} | {pb} |")
        print(
            f"| {args.fwht_rows} | {n} | dense x @ H | {1e3 * t_d:.2f} | {t_d / t_f:.2f}x "
            f"| max abs diff {err:.1e} | |"
        )


if __name__ == "__main__":
    main()
