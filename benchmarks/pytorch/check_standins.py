#!/usr/bin/env python3
"""Checks that the pure-PyTorch stand-ins compute what the official pieces compute.

1. Against the reference functions shipped in the LocalMamba checkout (random inputs, float32):
   mamba's ``selective_scan_ref`` (with and without z, grouped B/C), ``MambaInnerFnNoOutProj`` through the stand-ins
   vs the checkout's ``mamba_inner_ref``-style composition, ``causal_conv1d_ref``, ``rms_norm_ref`` /
   ``layer_norm_ref`` (fused residual add).
2. With ``--golden-dir`` (vssm's golden vectors, made by the official code): the selective-scan cases, and each
   golden model rebuilt by the official constructor with the golden weights, whose logits must match ``output``.

Tolerance: the golden one, ``|a-e| <= 1e-4*max(1,max|e|) + 1e-3*|e|``. Prints one line per check and a closing
``N passed, N failed``; exits non-zero on any failure.

    python3 benchmarks/pytorch/check_standins.py --localmamba-dir ../LocalMamba \\
        --msvmamba-dir ../MSVMamba --msvmamba-v2-dir ../MSVMamba-v2 --golden-dir ../shared/golden
"""

import sys

sys.dont_write_bytecode = True  # keep the checkouts and this folder free of __pycache__

import argparse  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

import torch  # noqa: E402

import standins  # noqa: E402
from standins import causal_conv1d, norms, selective_scan  # noqa: E402

GOLDEN_MODELS = {
    "local-vim-rope": "local_vim",
    "local-vim-midcls": "local_vim",
    "local-vim-search": "local_vim",
    "local-vmamba": "local_vmamba",
    "local-vmamba-search": "local_vmamba",
    "msvmamba": "msvmamba",
    "msvmamba-v2": "msvmamba_v2",
    "msvmamba-v2-gated": "msvmamba_v2",
}
CHECKOUT_ARG = {"local_vim": "localmamba_dir", "local_vmamba": "localmamba_dir", "msvmamba": "msvmamba_dir",
                "msvmamba_v2": "msvmamba_v2_dir"}


def close(actual, expected):
    """(ok, max |a-e|, allowed at that element) under the golden output tolerance."""
    actual = actual.detach().double()
    expected = expected.detach().double()
    if actual.shape != expected.shape:
        return False, float("inf"), 0.0
    allowed = 1e-4 * max(1.0, expected.abs().max().item()) + 1e-3 * expected.abs()
    diff = (actual - expected).abs()
    ok = bool((diff <= allowed).all()) and bool(torch.isfinite(actual).all())
    worst = int(diff.argmax())
    return ok, diff.max().item(), allowed.flatten()[worst].item()


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, name, ok, detail=""):
        self.passed += ok
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(' ' + detail) if detail else ''}", flush=True)

    def compare(self, name, actual, expected):
        ok, diff, allowed = close(actual, expected)
        self.record(name, ok, f"(max |diff| {diff:.3g}, allowed {allowed:.3g})")


def load_checkout_module(name, path):
    """Load one file of the checkout as a module (its own imports resolve against the installed stand-ins)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_scan_inputs(gen, batch, dim, dstate, length, groups, with_z):
    def rand(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    return dict(
        u=rand(batch, dim, length),
        delta=rand(batch, dim, length, scale=0.5),
        A=-torch.exp(rand(dim, dstate, scale=0.5)),
        B=rand(batch, groups, dstate, length),
        C=rand(batch, groups, dstate, length),
        D=rand(dim),
        z=rand(batch, dim, length) if with_z else None,
        delta_bias=rand(dim, scale=0.3),
    )


def check_against_checkout(report, localmamba_dir):
    standins.install_import_only()
    standins.install_selective_scan()
    standins.install_causal_conv1d()
    mamba_dir = os.path.join(localmamba_dir, "mamba-1p1p1", "mamba_ssm")
    standins.install_mamba_ssm(mamba_dir)
    interface = importlib.import_module("mamba_ssm.ops.selective_scan_interface")
    layernorm_ref = load_checkout_module("official_layernorm", os.path.join(mamba_dir, "ops", "triton", "layernorm.py"))
    conv_ref = load_checkout_module(
        "official_causal_conv1d", os.path.join(localmamba_dir, "causal-conv1d", "causal_conv1d", "causal_conv1d_interface.py")
    )
    gen = torch.Generator().manual_seed(1)

    for batch, dim, dstate, length, groups, with_z in ((2, 8, 16, 37, 1, True), (1, 12, 4, 50, 4, False), (2, 4, 1, 64, 1, False)):
        x = random_scan_inputs(gen, batch, dim, dstate, length, groups, with_z)
        expected, expected_state = interface.selective_scan_ref(**x, delta_softplus=True, return_last_state=True)
        actual, state = selective_scan.selective_scan_loop(**x, delta_softplus=True)
        tag = f"B{batch} D{dim} N{dstate} L{length} G{groups}{' z' if with_z else ''}"
        report.compare(f"selective_scan vs checkout selective_scan_ref [{tag}] out", actual, expected)
        report.compare(f"selective_scan vs checkout selective_scan_ref [{tag}] last state", state, expected_state)

    batch, dim, length, width, dstate, rank = 2, 8, 29, 4, 16, 3
    xz = torch.randn(batch, 2 * dim, length, generator=gen)
    conv_w = torch.randn(dim, 1, width, generator=gen) * 0.5
    conv_b = torch.randn(dim, generator=gen) * 0.1
    x_proj_w = torch.randn(rank + 2 * dstate, dim, generator=gen) * 0.3
    dt_proj_w = torch.randn(dim, rank, generator=gen) * 0.3
    A = -torch.exp(torch.randn(dim, dstate, generator=gen) * 0.5)
    D = torch.randn(dim, generator=gen)
    dt_bias = torch.randn(dim, generator=gen) * 0.3
    actual = interface.mamba_inner_fn_no_out_proj(xz, conv_w, conv_b, x_proj_w, dt_proj_w, A, None, None, D,
                                                  delta_bias=dt_bias, delta_softplus=True)
    x, z = xz.chunk(2, dim=1)
    conv_out = conv_ref.causal_conv1d_ref(x, conv_w.squeeze(1), conv_b, activation="silu")
    x_dbl = torch.nn.functional.linear(conv_out.transpose(1, 2), x_proj_w)
    delta = (x_dbl[..., :rank] @ dt_proj_w.t()).transpose(1, 2)
    B = x_dbl[..., rank:rank + dstate].transpose(1, 2)
    C = x_dbl[..., rank + dstate:].transpose(1, 2)
    expected = interface.selective_scan_ref(conv_out, delta, A, B, C, D, z, dt_bias, True)
    report.compare("official MambaInnerFnNoOutProj on the stand-ins vs the *_ref functions", actual, expected)

    x = torch.randn(2, 16, 23, generator=gen)
    w = torch.randn(16, 4, generator=gen)
    b = torch.randn(16, generator=gen)
    for act in (None, "silu"):
        report.compare(f"causal_conv1d_fn (activation {act}) vs checkout causal_conv1d_ref",
                       causal_conv1d.causal_conv1d_fn(x, w, b, act), conv_ref.causal_conv1d_ref(x, w, b, act))
    report.compare("causal_conv1d_fwd (7-argument binding, silu) vs checkout causal_conv1d_ref",
                   causal_conv1d.causal_conv1d_fwd(x, w, b, None, None, None, True),
                   conv_ref.causal_conv1d_ref(x, w, b, "silu"))

    h = torch.randn(3, 5, 24, generator=gen)
    res = torch.randn(3, 5, 24, generator=gen)
    weight = torch.randn(24, generator=gen)
    bias = torch.randn(24, generator=gen)
    for rms in (True, False):
        ref = layernorm_ref.rms_norm_ref if rms else layernorm_ref.layer_norm_ref
        out, new_res = norms.layer_norm_fn(h, weight, None if rms else bias, residual=res, eps=1e-5, prenorm=True,
                                           residual_in_fp32=True, is_rms_norm=rms)
        exp_out, exp_res = ref(h, weight, None if rms else bias, residual=res, eps=1e-5, prenorm=True, upcast=True)
        name = "rms_norm" if rms else "layer_norm"
        report.compare(f"{name}_fn (fused residual add, prenorm) vs checkout {name}_ref: out", out, exp_out)
        report.compare(f"{name}_fn (fused residual add, prenorm) vs checkout {name}_ref: residual", new_res, exp_res)


def check_golden_scan(report, golden_dir):
    from safetensors.torch import load_file
    from safetensors import safe_open

    path = os.path.join(golden_dir, "selective-scan.safetensors")
    tensors = load_file(path)
    with safe_open(path, "pt") as handle:
        cases = json.loads(handle.metadata()["cases"])
    for case in cases:
        name = case["name"]
        args = {k: tensors.get(f"{name}.{k}") for k in ("u", "delta", "A", "B", "C", "D", "z", "delta_bias")}
        out, state = selective_scan.selective_scan_loop(**args, delta_softplus=case["delta_softplus"])
        report.compare(f"golden selective-scan {name}: out", out, tensors[f"{name}.out"])
        report.compare(f"golden selective-scan {name}: last state", state, tensors[f"{name}.last_state"])


def check_golden_model(golden_path, family, checkout):
    """Run in a child process (the official packages of different branches share module names)."""
    import official_models
    from safetensors import safe_open
    from safetensors.torch import load_file

    tensors = load_file(golden_path)
    with safe_open(golden_path, "pt") as handle:
        config = json.loads(handle.metadata()["config"])
    cls = official_models.model_class(family, checkout)
    model = cls(**config)
    state = {k[len("param."):]: v for k, v in tensors.items() if k.startswith("param.")}
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        output = model(tensors["input"])
    ok, diff, allowed = close(output, tensors["output"])
    print(json.dumps({"ok": ok, "diff": diff, "allowed": allowed}))


def check_golden_models(report, golden_dir, dirs):
    for stem, family in GOLDEN_MODELS.items():
        checkout = dirs[CHECKOUT_ARG[family]]
        name = f"golden model {stem}.safetensors: official {family} code on the stand-ins, logits"
        if not checkout:
            print(f"skip {name} (no --{CHECKOUT_ARG[family].replace('_', '-')})")
            continue
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--one-model", os.path.join(golden_dir, f"{stem}.safetensors"),
             "--family", family, "--checkout", checkout],
            capture_output=True, text=True,
        )
        lines = child.stdout.strip().splitlines()
        if child.returncode != 0 or not lines:
            report.record(name, False, f"(child failed: {child.stderr.strip().splitlines()[-1:]})")
            continue
        result = json.loads(lines[-1])
        report.record(name, result["ok"], f"(max |diff| {result['diff']:.3g}, allowed {result['allowed']:.3g})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--localmamba-dir", help="checkout of github.com/hunto/LocalMamba")
    parser.add_argument("--msvmamba-dir", help="checkout of github.com/YuHengsss/MSVMamba, branch master")
    parser.add_argument("--msvmamba-v2-dir", help="checkout of github.com/YuHengsss/MSVMamba, branch v2")
    parser.add_argument("--golden-dir", help="folder with vssm's golden .safetensors files")
    parser.add_argument("--one-model", help=argparse.SUPPRESS)
    parser.add_argument("--family", help=argparse.SUPPRESS)
    parser.add_argument("--checkout", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.one_model:
        check_golden_model(args.one_model, args.family, args.checkout)
        return
    if not args.localmamba_dir:
        parser.error("--localmamba-dir is required (the reference functions come from its bundled mamba-1p1p1)")
    report = Report()
    dirs = {"localmamba_dir": args.localmamba_dir, "msvmamba_dir": args.msvmamba_dir,
            "msvmamba_v2_dir": args.msvmamba_v2_dir}
    check_against_checkout(report, os.path.abspath(args.localmamba_dir))
    if args.golden_dir:
        check_golden_scan(report, args.golden_dir)
        check_golden_models(report, args.golden_dir, dirs)
    print(f"{report.passed} passed, {report.failed} failed")
    sys.exit(1 if report.failed or not report.passed else 0)


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
