"""Pure-PyTorch stand-ins for the ``causal_conv1d`` package and its ``causal_conv1d_cuda`` extension.

A causal depthwise 1-D convolution is ``F.conv1d`` with ``width - 1`` zeros of left padding (PyTorch pads both
sides; the right-hand overhang is cut off), as in the package's own ``causal_conv1d_ref``. One ``F.conv1d`` call over
the whole sequence: the same cost a CPU user of the reference gets.
"""

import torch.nn.functional as F


def _causal_conv(x, weight, bias, silu):
    if weight.dim() != 2 or x.dim() != 3 or x.shape[1] != weight.shape[0]:
        raise ValueError(f"causal_conv1d: x {tuple(x.shape)} and weight {tuple(weight.shape)} are not (B, D, L) and (D, W)")
    length = x.shape[-1]
    channels, width = weight.shape
    out = F.conv1d(x.to(weight.dtype), weight.unsqueeze(1), bias, padding=width - 1, groups=channels)[..., :length]
    return (F.silu(out) if silu else out).to(x.dtype)


def causal_conv1d_fwd(x, weight, bias, *rest):
    """``causal_conv1d_cuda.causal_conv1d_fwd``; accepts both bindings the official code uses:
    ``(x, weight, bias, silu)`` (causal-conv1d 1.0) and ``(x, weight, bias, seq_idx, initial_states,
    final_states_out, silu)`` (later versions, called by LocalMamba's bundled mamba 1.1.1). The last argument is the
    SiLU switch; sequence indices and carried-in states are not used by the vision models."""
    if not rest:
        raise TypeError("causal_conv1d_fwd: missing the activation argument")
    *extra, silu = rest
    if any(arg is not None for arg in extra):
        raise NotImplementedError("causal_conv1d stand-in: seq_idx / initial_states / final_states_out are not supported")
    return _causal_conv(x, weight, bias, bool(silu))


def causal_conv1d_fn(x, weight, bias=None, activation=None, *_rest, **_kwargs):
    """``causal_conv1d.causal_conv1d_fn`` (activation None, 'silu' or 'swish')."""
    if activation not in (None, "silu", "swish"):
        raise NotImplementedError("activation must be None, silu, or swish")
    return _causal_conv(x, weight, bias, activation is not None)


def causal_conv1d_update(*_args, **_kwargs):
    raise NotImplementedError("causal_conv1d stand-in: step-wise decoding is not used by the vision models")


def causal_conv1d_bwd(*_args, **_kwargs):
    raise NotImplementedError("causal_conv1d stand-in: forward only (the baseline measures inference)")
