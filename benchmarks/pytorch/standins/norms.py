"""Pure-PyTorch stand-in for ``mamba_ssm.ops.triton.layernorm`` (Triton kernels, GPU only).

``layer_norm_fn`` / ``rms_norm_fn`` follow the Triton kernel's forward: optionally add the residual in float32,
keep that sum as the new residual (in float32 when ``residual_in_fp32``), normalise in float32 (variance with 1/N,
``1 / sqrt(var + eps)``), scale by the weight, add the bias, and return the result in the input's dtype; with
``prenorm`` the new residual is returned too. ``RMSNorm`` has the same parameters (``weight``, ``bias`` = None) and
initialisation as the official module, so state_dicts match. Only the forward pass is provided.
"""

import torch


def _add_and_norm(x, weight, bias, residual, eps, prenorm, residual_in_fp32, is_rms_norm):
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    if residual is not None:
        if residual.shape != shape:
            raise ValueError(f"layer_norm_fn: residual {tuple(residual.shape)} does not match x {tuple(shape)}")
        residual_dtype = residual.dtype
    else:
        residual_dtype = torch.float32 if residual_in_fp32 else None
    summed = x2.float()
    if residual is not None:
        summed = summed + residual.reshape(-1, shape[-1]).float()
    if residual is not None or (residual_dtype is not None and residual_dtype != x.dtype):
        residual_out = summed.to(residual_dtype)
    else:
        residual_out = x2
    if is_rms_norm:
        normed = summed * (1 / torch.sqrt(summed.square().mean(dim=-1, keepdim=True) + eps))
    else:
        centred = summed - summed.mean(dim=-1, keepdim=True)
        normed = centred * (1 / torch.sqrt(centred.square().mean(dim=-1, keepdim=True) + eps))
    y = normed * weight.float()
    if bias is not None:
        y = y + bias.float()
    y = y.to(x.dtype).reshape(shape)
    return (y, residual_out.reshape(shape)) if prenorm else y


def layer_norm_fn(x, weight, bias, residual=None, eps=1e-6, prenorm=False, residual_in_fp32=False, is_rms_norm=False):
    """Fused (residual add +) LayerNorm, or RMSNorm with ``is_rms_norm``."""
    return _add_and_norm(x, weight, bias, residual, eps, prenorm, residual_in_fp32, is_rms_norm)


def rms_norm_fn(x, weight, bias, residual=None, prenorm=False, residual_in_fp32=False, eps=1e-6):
    """Fused (residual add +) RMSNorm."""
    return _add_and_norm(x, weight, bias, residual, eps, prenorm, residual_in_fp32, True)


class RMSNorm(torch.nn.Module):
    """``mamba_ssm``'s RMSNorm module: weight initialised to ones, no bias (registered as None)."""

    def __init__(self, hidden_size, eps=1e-5, device=None, dtype=None):
        super().__init__()
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.empty(hidden_size, device=device, dtype=dtype))
        self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.ones_(self.weight)

    def forward(self, x, residual=None, prenorm=False, residual_in_fp32=False):
        return rms_norm_fn(x, self.weight, self.bias, residual=residual, eps=self.eps, prenorm=prenorm,
                           residual_in_fp32=residual_in_fp32)
