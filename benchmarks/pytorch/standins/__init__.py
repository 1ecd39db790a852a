"""Pure-PyTorch stand-ins for the CUDA / Triton pieces of the official LocalMamba and MSVMamba code.

``install_*`` put modules into ``sys.modules`` under the names the official files import, before those files are
imported. Nothing here is copied from the official repositories; see each module's docstring for what it replaces
and why the replacement computes the same thing at the cost a CPU-only user of the official code pays.
"""

import os
import sys
import types

from . import causal_conv1d, import_stubs, norms, selective_scan


def _register(modules):
    for name, module in modules.items():
        sys.modules[name] = module


def _module(name, **attrs):
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def _bare_package(name, path):
    """A package whose ``__init__.py`` is not run (submodules still load from ``path``)."""
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{name}: expected a folder at {path}")
    package = types.ModuleType(name)
    package.__path__ = [path]
    package.__file__ = os.path.join(path, "__init__.py")
    return package


def install_selective_scan():
    """``selective_scan_cuda``, ``selective_scan_cuda_core`` and ``selective_scan_cuda_oflex``."""
    _register(
        {
            "selective_scan_cuda": _module(
                "selective_scan_cuda", fwd=selective_scan.fwd_mamba, bwd=selective_scan.bwd, __standin__=True
            ),
            "selective_scan_cuda_core": _module(
                "selective_scan_cuda_core", fwd=selective_scan.fwd_core, bwd=selective_scan.bwd, __standin__=True
            ),
            "selective_scan_cuda_oflex": _module(
                "selective_scan_cuda_oflex", fwd=selective_scan.fwd_oflex, bwd=selective_scan.bwd, __standin__=True
            ),
        }
    )


def install_causal_conv1d():
    """``causal_conv1d`` (Python package) and ``causal_conv1d_cuda`` (its extension)."""
    _register(
        {
            "causal_conv1d": _module(
                "causal_conv1d",
                causal_conv1d_fn=causal_conv1d.causal_conv1d_fn,
                causal_conv1d_update=causal_conv1d.causal_conv1d_update,
                __standin__=True,
            ),
            "causal_conv1d_cuda": _module(
                "causal_conv1d_cuda",
                causal_conv1d_fwd=causal_conv1d.causal_conv1d_fwd,
                causal_conv1d_bwd=causal_conv1d.causal_conv1d_bwd,
                causal_conv1d_update=causal_conv1d.causal_conv1d_update,
                __standin__=True,
            ),
        }
    )


def install_import_only():
    """``triton``, ``triton.language``, ``fvcore``, ``fvcore.nn`` (import-time needs only)."""
    _register(import_stubs.make_triton())
    _register(import_stubs.make_fvcore())


def install_yacs():
    """``yacs`` and ``yacs.config`` for MSVMamba's ``config.py``."""
    _register(import_stubs.make_yacs())


def install_linear_attn(module_name):
    """The missing ``linear_attn`` module of the MSVMamba v2 branch, under ``module_name``."""
    _register(import_stubs.make_linear_attn(module_name))


def install_mamba_ssm(mamba_ssm_dir):
    """``mamba_ssm`` from the checkout's bundled copy (``mamba-1p1p1/mamba_ssm``) without its ``__init__`` (which
    pulls in the language-model code), with the Triton LayerNorm module replaced by ``norms``. The official
    ``selective_scan_interface.py`` (``MambaInnerFnNoOutProj``) then runs as published, on top of the
    ``selective_scan_cuda`` / ``causal_conv1d_cuda`` stand-ins."""
    _register(
        {
            "mamba_ssm": _bare_package("mamba_ssm", mamba_ssm_dir),
            "mamba_ssm.ops.triton.layernorm": _module(
                "mamba_ssm.ops.triton.layernorm",
                RMSNorm=norms.RMSNorm,
                layer_norm_fn=norms.layer_norm_fn,
                rms_norm_fn=norms.rms_norm_fn,
                __standin__=True,
            ),
        }
    )


def install_bare_package(name, path):
    """Register ``name`` as a package rooted at ``path`` without running its ``__init__.py``."""
    _register({name: _bare_package(name, path)})
