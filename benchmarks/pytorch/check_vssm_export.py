"""Loads a checkpoint written by vssm (`saveCheckpoint`, see export-vssm.ts) into the official PyTorch model with
`load_state_dict(strict=True)`, runs vssm's input and compares with vssm's logits under the golden output tolerance
(|a-e| <= 1e-4*max(1, max|e|) + 1e-3*|e|). Prints one JSON line; exits 1 on a mismatch.

    python check_vssm_export.py --model msvmamba_nano --dir /tmp/export --msvmamba-dir ../MSVMamba
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_models  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, choices=official_models.PRESETS)
    p.add_argument("--dir", required=True, help="folder written by export-vssm.ts")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--localmamba-dir")
    p.add_argument("--msvmamba-dir")
    p.add_argument("--msvmamba-v2-dir")
    args = p.parse_args()
    import numpy as np
    import torch
    from safetensors.torch import load_file

    torch.set_num_threads(2)
    model = official_models.build_official(args.model, args.size, args.localmamba_dir, args.msvmamba_dir, args.msvmamba_v2_dir)
    state = load_file(os.path.join(args.dir, f"{args.model}.safetensors"))
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(args.dir, f"{args.model}.input.npy")))
    expected = np.load(os.path.join(args.dir, f"{args.model}.logits.npy"))
    with torch.no_grad():
        got = model(x).float().numpy()
    diff = np.abs(got - expected)
    allowed = 1e-4 * max(1.0, float(np.abs(expected).max())) + 1e-3 * np.abs(expected)
    ok = bool((diff <= allowed).all())
    print(json.dumps({"model": args.model, "strict_load": True, "match": ok, "max_abs_diff": float(diff.max())}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
