"""Extra parity vectors for the LocalMamba TS port: the official hunto/LocalMamba model code (HEAD 75e5d1f), run on
CPU with pure-PyTorch stand-ins for the CUDA/Triton pieces (selective_scan_ref, causal conv via F.conv1d, RMSNorm),
official init + 0.05*N(0,1) noise, weights rounded to float16 so the file stays small (stored as F16, exact in f32).
Cases cover batch 2, non-native / non-square inputs (pos_embed + RoPE bicubic resize, the official v-reverse on
non-square grids, w2/w7 padding on odd grids) and the non-default official kwargs."""
# Usage: python3 make-extra-parity.py /path/to/hunto/LocalMamba extra-parity.safetensors
# Needs torch, einops, safetensors. Writes pure-PyTorch stand-ins for timm / mamba_ssm / triton / fvcore / mmseg /
# selective_scan_cuda_core into a temporary folder and imports the official model files from the checkout (git show).
import os, subprocess, sys, tempfile

OFFICIAL_COMMIT = '75e5d1f007c303509c77d179df38f7fa19c0d05c'
OFFICIAL_FILES = ['local_vim.py', 'local_vmamba.py', 'mamba/__init__.py', 'mamba/multi_mamba.py', 'mamba/local_scan.py', 'mamba/rope.py']
SHIMS = {'selective_scan_cuda_core.py': 'from mamba_ssm.ops.selective_scan_interface import selective_scan_ref\ndef fwd(u, delta, A, B, C, D, delta_bias, delta_softplus, nrows):\n    out, x = selective_scan_ref(u, delta, A, B, C, D, None, delta_bias, delta_softplus)\n    return out, x\n', 'mmseg/__init__.py': '', 'mmseg/models/__init__.py': '', 'mmseg/models/utils/__init__.py': "import torch.nn.functional as F\ndef resize(input, size=None, scale_factor=None, mode='nearest', align_corners=None, warning=True):\n    return F.interpolate(input, size, scale_factor, mode, align_corners)\n", 'timm/__init__.py': '', 'timm/models/vision_transformer.py': "def _cfg(**kw):\n    return dict(kw)\ndef _load_weights(model, path, prefix=''):\n    raise NotImplementedError\n", 'timm/models/__init__.py': '', 'timm/models/registry.py': 'def register_model(f):\n    return f\n', 'timm/models/layers/__init__.py': 'import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\ndef trunc_normal_(t, mean=0., std=1., a=-2., b=2.):\n    return nn.init.trunc_normal_(t, mean, std, a, b)\n\nclass DropPath(nn.Module):\n    def __init__(self, drop_prob=0.):\n        super().__init__()\n        self.drop_prob = drop_prob\n    def forward(self, x):\n        if self.drop_prob == 0. or not self.training:\n            return x\n        raise NotImplementedError\n\nclass PatchEmbed(nn.Module):\n    """timm PatchEmbed with strict_img_size=False, dynamic_img_pad=True, flatten, no norm."""\n    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768, strict_img_size=True, dynamic_img_pad=False, **kw):\n        super().__init__()\n        img = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)\n        self.patch_size = (patch_size, patch_size)\n        self.grid_size = (img[0] // patch_size, img[1] // patch_size)\n        self.num_patches = self.grid_size[0] * self.grid_size[1]\n        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size, bias=True)\n        self.dynamic_img_pad = dynamic_img_pad\n    def forward(self, x):\n        B, C, H, W = x.shape\n        if self.dynamic_img_pad:\n            pad_h = (self.patch_size[0] - H % self.patch_size[0]) % self.patch_size[0]\n            pad_w = (self.patch_size[1] - W % self.patch_size[1]) % self.patch_size[1]\n            x = F.pad(x, (0, pad_w, 0, pad_h))\n        x = self.proj(x)\n        return x.flatten(2).transpose(1, 2)\n', 'triton/__init__.py': 'def jit(f=None, **kw):\n    return f if f is not None else (lambda g: g)\ndef cdiv(a, b):\n    return -(-a // b)\n', 'triton/language.py': 'constexpr = object\n', 'mamba_ssm/__init__.py': '', 'mamba_ssm/ops/selective_scan_interface.py': "import torch\nimport torch.nn.functional as F\nfrom einops import rearrange\n\ndef selective_scan_ref(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):\n    u = u.float(); delta = delta.float()\n    if delta_bias is not None:\n        delta = delta + delta_bias[..., None].float()\n    if delta_softplus:\n        delta = F.softplus(delta)\n    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]\n    if B.dim() == 3:\n        B = B.unsqueeze(1)\n    if C.dim() == 3:\n        C = C.unsqueeze(1)\n    G = B.shape[1]\n    B = B.repeat_interleave(dim // G, dim=1)  # (b, d, n, l)\n    C = C.repeat_interleave(dim // G, dim=1)\n    x = A.new_zeros((batch, dim, dstate))\n    ys = []\n    deltaA = torch.exp(torch.einsum('bdl,dn->bdln', delta, A))\n    deltaB_u = torch.einsum('bdl,bdnl,bdl->bdln', delta, B.float(), u)\n    last = None\n    for i in range(u.shape[2]):\n        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]\n        y = torch.einsum('bdn,bdn->bd', x, C[:, :, :, i].float())\n        ys.append(y)\n    y = torch.stack(ys, dim=2)\n    out = y if D is None else y + u * rearrange(D, 'd -> d 1')\n    if z is not None:\n        out = out * F.silu(z)\n    return out, x\n\ndef mamba_inner_fn_no_out_proj(xz, conv1d_weight, conv1d_bias, x_proj_weight, delta_proj_weight, A, B=None, C=None, D=None,\n                               delta_bias=None, B_proj_bias=None, C_proj_bias=None, delta_softplus=True):\n    L = xz.shape[-1]\n    delta_rank = delta_proj_weight.shape[1]\n    d_state = A.shape[-1]\n    x, z = xz.chunk(2, dim=1)\n    k = conv1d_weight.shape[-1]\n    x = F.silu(F.conv1d(x, conv1d_weight, conv1d_bias, padding=k - 1, groups=x.shape[1])[..., :L])\n    x_dbl = F.linear(rearrange(x, 'b d l -> (b l) d'), x_proj_weight)\n    delta = delta_proj_weight @ x_dbl[:, :delta_rank].t()\n    delta = rearrange(delta, 'd (b l) -> b d l', l=L)\n    B = rearrange(x_dbl[:, delta_rank:delta_rank + d_state], '(b l) dstate -> b dstate l', l=L).contiguous()\n    C = rearrange(x_dbl[:, -d_state:], '(b l) dstate -> b dstate l', l=L).contiguous()\n    out, _ = selective_scan_ref(x, delta, A, B, C, D, z=z, delta_bias=delta_bias, delta_softplus=True)\n    return out\n", 'mamba_ssm/ops/__init__.py': '', 'mamba_ssm/ops/triton/__init__.py': '', 'mamba_ssm/ops/triton/layernorm.py': "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\nclass RMSNorm(nn.Module):\n    def __init__(self, hidden_size, eps=1e-5, device=None, dtype=None):\n        super().__init__()\n        self.eps = eps\n        self.weight = nn.Parameter(torch.ones(hidden_size))\n        self.register_parameter('bias', None)\n    def forward(self, x):\n        return rms_norm_fn(x, self.weight, None, eps=self.eps)\n\ndef _fused(x, weight, bias, residual, prenorm, residual_in_fp32, eps, rms):\n    if residual is not None:\n        x = x + residual\n    residual = x\n    if rms:\n        out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight\n    else:\n        out = F.layer_norm(x, (x.shape[-1],), weight, bias, eps)\n    if bias is not None and rms:\n        out = out + bias\n    return (out, residual) if prenorm else out\n\ndef rms_norm_fn(x, weight, bias, residual=None, prenorm=False, residual_in_fp32=False, eps=1e-6):\n    return _fused(x, weight, bias, residual, prenorm, residual_in_fp32, eps, True)\n\ndef layer_norm_fn(x, weight, bias, residual=None, prenorm=False, residual_in_fp32=False, eps=1e-6):\n    return _fused(x, weight, bias, residual, prenorm, residual_in_fp32, eps, False)\n", 'fvcore/__init__.py': '', 'fvcore/nn/__init__.py': 'FlopCountAnalysis = flop_count_str = flop_count = parameter_count = None\n'}


def prepare(repo):
    root = tempfile.mkdtemp(prefix='localmamba-official-')
    for rel, text in SHIMS.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)) or root, exist_ok=True)
        open(os.path.join(root, rel), 'w').write(text)
    os.makedirs(os.path.join(root, 'lm', 'mamba'), exist_ok=True)
    open(os.path.join(root, 'lm', '__init__.py'), 'w').close()
    for rel in OFFICIAL_FILES:
        src = subprocess.run(['git', '-C', repo, 'show', f'{OFFICIAL_COMMIT}:classification/lib/models/{rel}'],
                             check=True, capture_output=True, text=True).stdout
        open(os.path.join(root, 'lm', rel), 'w').write(src)
    sys.path.insert(0, root)


prepare(sys.argv[1])
import lm.local_vim as V, lm.local_vmamba as M  # noqa: E402

import json, sys, torch
from safetensors.torch import save_file

DIRS2 = [["h", "v_flip", "w2", "w7_flip"], ["h_flip", "v", "w2_flip", "w7"]]
VIM = dict(img_size=32, patch_size=8, depth=2, embed_dim=16, num_classes=10, rms_norm=True, residual_in_fp32=True,
           fused_add_norm=True, final_pool_type='mean', if_abs_pos_embed=True, bimamba_type='v2', drop_path_rate=0.0)
ROPE = dict(VIM, if_rope=True, if_rope_residual=True, directions=DIRS2)
MID = dict(VIM, if_cls_token=True, use_middle_cls_token=True, directions=DIRS2)
SEARCH = dict(VIM, if_rope=True, if_rope_residual=True, directions=None)
PLAIN = dict(img_size=24, patch_size=8, depth=2, embed_dim=16, num_classes=7, if_abs_pos_embed=True, drop_path_rate=0.0,
             ssm_cfg=dict(d_state=8, expand=1.5, dt_rank=3), directions=[["v", "w2_flip"], ["h", "v_flip", "w2"]])
VM_DIRS = [["h", "h_flip", "w7", "w7_flip"], ["h_flip", "v_flip", "w2", "w7"], ["v", "v_flip", "w2_flip", "w7_flip"],
           ["h", "v", "w2", "w2_flip"], ["h_flip", "v_flip", "w2_flip", "w7_flip"]]
VMAMBA = dict(patch_size=4, dims=[8, 12, 16, 24], depths=[1, 1, 2, 1], num_classes=10, directions=VM_DIRS, drop_path_rate=0.0,
              ssm_d_state=16, ssm_ratio=2.0, ssm_conv=3)
VSEARCH = dict(VMAMBA, dims=[8, 8, 12, 16], depths=[1, 1, 1, 1], directions=None)
VODD = dict(patch_size=2, dims=8, depths=[1, 2], num_classes=5, ssm_d_state=4, ssm_ratio=1.0, ssm_dt_rank=2,
            ssm_act_layer='gelu', drop_path_rate=0.0, directions=[["w2", "v"], ["h_flip", "w7", "v_flip"], ["v", "w2_flip"]])

CASES = [
    # name, family, kwargs, input shape
    ('vim_rope_resized', 'local_vim', ROPE, (2, 3, 40, 56)),     # grid 5x7: pos_embed + RoPE resized, non-square v
    ('vim_rope_padded', 'local_vim', ROPE, (1, 3, 35, 30)),      # grid 5x4 after dynamic padding
    ('vim_midcls_b2', 'local_vim', MID, (2, 3, 30, 27)),         # native 4x4 grid via padding
    ('vim_search_resized', 'local_vim', SEARCH, (2, 3, 24, 40)),  # grid 3x5
    ('vim_plain_ln', 'local_vim', PLAIN, (2, 3, 40, 32)),        # LayerNorm, last-token pool, ssm_cfg, K=2/3, grid 5x4
    ('vmamba_nonsquare', 'local_vmamba', VMAMBA, (2, 3, 36, 44)),  # grids 9x11, 5x6, 3x3, 2x2
    ('vmamba_search_ns', 'local_vmamba', VSEARCH, (1, 3, 40, 24)),
    ('vmamba_odd', 'local_vmamba', VODD, (2, 3, 18, 14)),          # int dims, gelu, ratio 1, grids 9x7 → 5x4
]

def build(family, kw):
    return (V.VisionMamba if family == 'local_vim' else M.VSSM)(**kw)

tensors, meta = {}, {}
for i, (name, family, kw, shape) in enumerate(CASES):
    torch.manual_seed(1000 + i)
    model = build(family, kw)
    with torch.no_grad():
        for k, p in model.state_dict().items():
            if not k.startswith('rope.'):
                p.add_(0.05 * torch.randn_like(p))
            p.copy_(p.half().float())
    model.eval()
    x = torch.randn(*shape).half().float()
    with torch.no_grad():
        y = model(x)
    for k, p in model.state_dict().items():
        tensors[f'{name}.param.{k}'] = p.half() if not k.startswith('rope.') else p.float()
    tensors[f'{name}.input'] = x.half()
    tensors[f'{name}.output'] = y.float()
    meta[name] = dict(family=family, config=kw)
    print(name, tuple(y.shape), y.abs().max().item(), file=sys.stderr)
save_file({k: v.contiguous() for k, v in tensors.items()}, sys.argv[2], metadata={'cases': json.dumps(meta), 'source': 'hunto/LocalMamba@75e5d1f, pure-PyTorch scan; see make-local-fixtures.py'})
