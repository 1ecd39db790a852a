"""Pure-PyTorch stand-ins for the compiled selective-scan extensions.

The official models call one of three CUDA extensions:

* ``selective_scan_cuda.fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus)`` (state-spaces/mamba),
* ``selective_scan_cuda_core.fwd(u, delta, A, B, C, D, delta_bias, delta_softplus, nrows)`` (VMamba "core"),
* ``selective_scan_cuda_oflex.fwd(u, delta, A, B, C, D, delta_bias, delta_softplus, nrows, oflex)`` (VMamba "oflex").

All three compute the same recurrence. Without CUDA, what a user has is mamba's ``selective_scan_ref``: a Python
loop over the sequence that updates the (batch, channels, d_state) state one step at a time. ``selective_scan_loop``
below computes exactly that, with the same tensor operations in the same order (precomputed exp(delta*A) and
delta*B*u for the whole sequence, then one multiply-add and one contraction with C per step), so it costs what the
reference costs: no vectorisation across steps is added and nothing is left out.
"""

import torch
import torch.nn.functional as F


def _expand_groups(tensor, channels):
    """(batch, groups, d_state, length) -> (batch, channels, d_state, length); group g serves a contiguous channel block."""
    groups = tensor.shape[1]
    if channels % groups != 0:
        raise ValueError(f"selective_scan: {channels} channels do not split into {groups} groups of B/C")
    return tensor.repeat_interleave(channels // groups, dim=1)


def selective_scan_loop(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """Selective scan with the semantics of mamba's ``selective_scan_ref`` (real A, input-dependent B and C).

    u, delta: (batch, channels, length); A: (channels, d_state); B, C: (batch, d_state, length) or
    (batch, groups, d_state, length); D: (channels,); z: (batch, channels, length); delta_bias: (channels,).
    Returns (out, last_state): out is (batch, channels, length) and includes the D skip and the silu(z) gate.
    """
    if A.is_complex():
        raise NotImplementedError("selective_scan stand-in: complex A is not used by the official vision models")
    if B.dim() < 3 or C.dim() < 3:
        raise NotImplementedError("selective_scan stand-in: the vision models always pass input-dependent B and C")
    dtype_in = u.dtype
    u = u.float()
    delta = delta.float()
    if delta_bias is not None:
        delta = delta + delta_bias[..., None].float()
    if delta_softplus:
        delta = F.softplus(delta)
    batch, channels, length = u.shape
    d_state = A.shape[1]
    B = B.float()
    C = C.float()

    delta_a = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    if B.dim() == 3:
        delta_b_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    else:
        delta_b_u = torch.einsum("bdl,bdnl,bdl->bdln", delta, _expand_groups(B, channels), u)
    if C.dim() == 4:
        C = _expand_groups(C, channels)

    state = A.new_zeros((batch, channels, d_state))
    ys = []
    for i in range(length):
        state = delta_a[:, :, i] * state + delta_b_u[:, :, i]
        if C.dim() == 3:
            y = torch.einsum("bdn,bn->bd", state, C[:, :, i])
        else:
            y = torch.einsum("bdn,bdn->bd", state, C[:, :, :, i])
        ys.append(y)
    y = torch.stack(ys, dim=2)
    out = y if D is None else y + u * D.float()[:, None]
    if z is not None:
        out = out * F.silu(z.float())
    return out.to(dtype=dtype_in), state


def fwd_mamba(u, delta, A, B, C, D, z, delta_bias, delta_softplus):
    """``selective_scan_cuda.fwd``: [out, state], plus out * silu(z) when z is given (out itself is ungated)."""
    out, state = selective_scan_loop(u, delta, A, B, C, D, None, delta_bias, delta_softplus)
    if z is None:
        return [out, state]
    return [out, state, out * F.silu(z)]


def fwd_core(u, delta, A, B, C, D, delta_bias, delta_softplus, nrows=1):
    """``selective_scan_cuda_core.fwd`` (nrows only tiles the CUDA launch): returns [out, state]."""
    out, state = selective_scan_loop(u, delta, A, B, C, D, None, delta_bias, delta_softplus)
    return [out, state]


def fwd_oflex(u, delta, A, B, C, D, delta_bias, delta_softplus, nrows=1, oflex=True):
    """``selective_scan_cuda_oflex.fwd``: as core; oflex=True keeps a float32 output for half-precision inputs."""
    out, state = selective_scan_loop(u, delta, A, B, C, D, None, delta_bias, delta_softplus)
    return [out.float() if oflex else out, state]


def _no_backward(*_args, **_kwargs):
    raise NotImplementedError("selective_scan stand-in: forward only (the baseline measures inference)")


bwd = _no_backward
