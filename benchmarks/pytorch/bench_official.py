#!/usr/bin/env python3
"""CPU inference time of the official LocalMamba / MSVMamba PyTorch code (the baseline vssm is compared against).

Builds one preset with its official constructor (random init, fixed seed), puts it in eval mode and times the
forward pass under ``torch.no_grad()`` with ``torch.set_num_threads(threads)``: one warm-up run, then ``--runs``
timed runs on one fixed-seed input. The CUDA / Triton pieces are pure-PyTorch stand-ins (``standins/``), so the
selective scan is the per-step loop of mamba's ``selective_scan_ref``: what a user without the CUDA extension runs.

    python3 benchmarks/pytorch/bench_official.py --model local_vim_tiny --localmamba-dir ../LocalMamba --json

See benchmarks/README.md for the checkouts and the Python packages this needs.
"""

import sys

sys.dont_write_bytecode = True  # keep the checkouts and this folder free of __pycache__

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def _preset_thread_env(argv):
    """Give BLAS / OpenMP pools the --threads count before torch loads (torch.set_num_threads alone does not reach
    a BLAS library that PyTorch was not built against, such as Debian's generic-BLAS build with OpenBLAS)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=2)
    known, _ = pre.parse_known_args(argv)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(max(1, known.threads))


_preset_thread_env(sys.argv[1:])

import official_models  # noqa: E402 - after the thread environment is set


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=official_models.PRESETS, metavar="PRESET",
                        help="one of: " + ", ".join(official_models.PRESETS))
    parser.add_argument("--batch", type=int, default=1, help="images per forward pass (default 1)")
    parser.add_argument("--size", type=int, default=224, help="input height and width (default 224)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights and the input (default 0)")
    parser.add_argument("--json", action="store_true", help="print only one JSON line on stdout")
    parser.add_argument("--localmamba-dir", help="checkout of github.com/hunto/LocalMamba")
    parser.add_argument("--msvmamba-dir", help="checkout of github.com/YuHengsss/MSVMamba, branch master")
    parser.add_argument("--msvmamba-v2-dir", help="checkout of github.com/YuHengsss/MSVMamba, branch v2")
    parser.add_argument("--input", metavar="PATH.npy", help="use this (batch, 3, size, size) float32 input instead")
    parser.add_argument("--save-input", metavar="PATH.npy", help="write the input that was used")
    parser.add_argument("--save-logits", metavar="PATH.npy", help="write the logits of the input (float32)")
    parser.add_argument("--save-weights", metavar="PATH", help="write the random state_dict (.safetensors, else torch.save)")
    args = parser.parse_args(argv)
    for name in ("batch", "size", "threads", "runs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be 0 or more, got {args.warmup}")
    return args


def make_input(args, torch):
    """The fixed-seed input, or the one given with --input (checked for shape)."""
    expected = (args.batch, 3, args.size, args.size)
    if args.input:
        import numpy as np

        array = np.load(args.input)
        if tuple(array.shape) != expected:
            raise SystemExit(f"--input {args.input}: shape {tuple(array.shape)}, expected {expected}")
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    generator = torch.Generator().manual_seed(args.seed)
    return torch.randn(expected, generator=generator, dtype=torch.float32)


def save_weights(model, path, metadata):
    """Write the state_dict: safetensors for a .safetensors path (tensors copied: LocalVim shares A_log storage)."""
    import torch

    state = {name: tensor.detach().clone().contiguous() for name, tensor in model.state_dict().items()}
    if path.endswith(".safetensors"):
        from safetensors.torch import save_file

        save_file(state, path, metadata={k: str(v) for k, v in metadata.items()})
    else:
        torch.save(state, path)


def blas_library(torch):
    """PyTorch's BLAS build setting and the BLAS shared libraries mapped into this process (after the runs), e.g.
    'generic: /usr/lib/x86_64-linux-gnu/blas/libblas.so.3' (netlib reference BLAS) or an OpenBLAS path."""
    config = torch.__config__.show()
    build = next((part.split("=", 1)[1] for part in config.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "?")
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()})
    loaded = [p for p in paths if p.startswith("/") and "/site-packages/torch/" not in p and "/dist-packages/torch/" not in p]
    return f"{build}: {', '.join(loaded) if loaded else 'linked into torch'}"


def time_forward(model, x, warmup, runs):
    """Seconds per forward pass for each timed run."""
    for _ in range(warmup):
        model(x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - start)
    return times


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    load_before = os.getloadavg()
    try:
        model = official_models.build_official(args.model, args.size, args.localmamba_dir, args.msvmamba_dir,
                                               args.msvmamba_v2_dir)
    except official_models.CheckoutError as err:
        raise SystemExit(f"bench_official.py: {err}") from err
    model.eval()
    x = make_input(args, torch)
    params = sum(p.numel() for p in model.parameters())

    with torch.no_grad():
        times = time_forward(model, x, args.warmup, args.runs)
        if args.save_logits:
            import numpy as np

            np.save(args.save_logits, model(x).float().numpy())
    if args.save_input:
        import numpy as np

        np.save(args.save_input, x.numpy())
    if args.save_weights:
        save_weights(model, args.save_weights, {"preset": args.model, "seed": args.seed, "torch": torch.__version__})

    median_s = statistics.median(times)
    result = {
        "model": args.model,
        "impl": "pytorch-official",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "size": args.size,
        "ms_per_image_median": round(median_s * 1000 / args.batch, 3),
        "runs": args.runs,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "ms_per_run": [round(t * 1000, 3) for t in times],
        "params": params,
        "blas": blas_library(torch),
        "seed": args.seed,
        "loadavg_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
    if args.json:
        print(json.dumps(result), flush=True)
    else:
        print(f"{args.model}: {result['ms_per_image_median']:.1f} ms/image (median of {args.runs}, batch {args.batch}, "
              f"{args.size}x{args.size}, {result['threads']} threads, torch {result['torch']}), "
              f"peak RSS {result['peak_rss_mb']} MB, {params:,} parameters, runs {result['ms_per_run']} ms, "
              f"load average {result['loadavg_1m'][0]} -> {result['loadavg_1m'][1]}")


if __name__ == "__main__":
    main()
