"""Build the official LocalMamba / MSVMamba models from a checkout of their repositories.

Each preset is built the way the official code builds it:

* LocalVim / LocalVMamba: the function registered with timm's ``@register_model`` in
  ``classification/lib/models/local_vim.py`` / ``local_vmamba.py`` (what ``timm.create_model(name)`` calls).
* MSVMamba (master) / MSVMambav3 (v2 branch): ``models.build_vssm_model(config)`` with the config tree of the
  branch's ``config.py`` merged with the preset's YAML file, as ``main.py --cfg <file>`` does.

The CUDA / Triton pieces are replaced by the stand-ins in ``standins/`` before the official files are imported.
"""

import contextlib
import importlib
import os
import sys

import standins

LOCAL_VIM = ("local_vim_tiny", "local_vim_tiny_middle_cls_token", "local_vim_small", "local_vim_tiny_search")
LOCAL_VMAMBA = ("local_vssm_tiny", "local_vssm_small", "local_vssm_tiny_search", "local_vssm_small_search")
MSVMAMBA = {
    "msvmamba_nano": "configs/ms_vssm/vssm_nano_224_ms.yaml",
    "msvmamba_micro": "configs/ms_vssm/vssm_micro_224_ms.yaml",
    "msvmamba_tiny": "configs/ms_vssm/vssm_tiny_224_ms.yaml",
}
MSVMAMBA_V2 = {
    "msvmambav3_tiny": "configs/msv2/msvmambav3_tiny_224.yaml",
    "msvmambav3_small": "configs/msv2/msvmambav3_small_224.yaml",
    "msvmambav3_base": "configs/msv2/msvmambav3_base_224.yaml",
}
PRESETS = LOCAL_VIM + LOCAL_VMAMBA + tuple(MSVMAMBA) + tuple(MSVMAMBA_V2)

# Which checkout each family needs, as (argument name, what to clone).
CHECKOUT_FOR = {
    "local_vim": ("localmamba_dir", "https://github.com/hunto/LocalMamba"),
    "local_vmamba": ("localmamba_dir", "https://github.com/hunto/LocalMamba"),
    "msvmamba": ("msvmamba_dir", "https://github.com/YuHengsss/MSVMamba (branch master)"),
    "msvmamba_v2": ("msvmamba_v2_dir", "https://github.com/YuHengsss/MSVMamba (branch v2)"),
}


class CheckoutError(Exception):
    """A checkout folder is missing or is not the repository it should be."""


def family_of(preset):
    """The code family ('local_vim', 'local_vmamba', 'msvmamba', 'msvmamba_v2') of a preset name."""
    if preset in LOCAL_VIM:
        return "local_vim"
    if preset in LOCAL_VMAMBA:
        return "local_vmamba"
    if preset in MSVMAMBA:
        return "msvmamba"
    if preset in MSVMAMBA_V2:
        return "msvmamba_v2"
    raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")


def _require(path, what, checkout_arg):
    if not os.path.exists(path):
        raise CheckoutError(f"--{checkout_arg.replace('_', '-')}: {path} not found ({what})")
    return path


def _localmamba_module(checkout, module_name):
    arg = "localmamba_dir"
    classification = _require(os.path.join(checkout, "classification"), "classification/ of hunto/LocalMamba", arg)
    mamba_ssm_dir = _require(os.path.join(checkout, "mamba-1p1p1", "mamba_ssm"), "the bundled mamba-1p1p1", arg)
    standins.install_import_only()
    standins.install_selective_scan()
    standins.install_causal_conv1d()
    standins.install_mamba_ssm(mamba_ssm_dir)
    # lib/ and lib/models/ __init__ files import unrelated model zoos (NAS, DARTS, LightViT); the training script
    # imports local_vim / local_vmamba directly too, so only the folders are registered.
    standins.install_bare_package("lib", os.path.join(classification, "lib"))
    standins.install_bare_package("lib.models", os.path.join(classification, "lib", "models"))
    module = importlib.import_module(f"lib.models.{module_name}")
    multi_mamba = importlib.import_module("lib.models.mamba.multi_mamba")
    if multi_mamba.mamba_inner_fn_no_out_proj is None:
        raise CheckoutError("mamba_ssm.ops.selective_scan_interface did not import (see the stand-ins)")
    return module


def _build_local(preset, checkout, size):
    if preset in LOCAL_VIM:
        module = _localmamba_module(checkout, "local_vim")
        return getattr(module, preset)(pretrained=False, img_size=size)
    module = _localmamba_module(checkout, "local_vmamba")
    return getattr(module, preset)()


def _msvmamba_modules(checkout, v2):
    arg = "msvmamba_v2_dir" if v2 else "msvmamba_dir"
    classification = _require(os.path.join(checkout, "classification"), "classification/ of YuHengsss/MSVMamba", arg)
    standins.install_import_only()
    standins.install_selective_scan()
    standins.install_yacs()
    if v2:
        standins.install_linear_attn("models.linear_attn")
    sys.path.insert(0, classification)
    return classification, importlib.import_module("config"), importlib.import_module("models")


def _build_msvmamba(preset, checkout, size, config_file, v2):
    classification, config_module, models = _msvmamba_modules(checkout, v2)
    arg = "msvmamba_v2_dir" if v2 else "msvmamba_dir"
    cfg_path = _require(os.path.join(classification, config_file), f"the {preset} config", arg)
    config = config_module._C.clone()
    config_module._update_config_from_file(config, cfg_path)
    config.DATA.IMG_SIZE = size
    return models.build_vssm_model(config)


def model_class(family, checkout):
    """The official top-level model class of a family (``VisionMamba`` or the branch's ``VSSM``), imported from the
    checkout with the stand-ins in place; for building models from explicit constructor arguments."""
    checkout = os.path.abspath(checkout)
    sys.dont_write_bytecode = True
    with contextlib.redirect_stdout(sys.stderr):
        if family == "local_vim":
            return _localmamba_module(checkout, "local_vim").VisionMamba
        if family == "local_vmamba":
            return _localmamba_module(checkout, "local_vmamba").VSSM
        if family in ("msvmamba", "msvmamba_v2"):
            return _msvmamba_modules(checkout, family == "msvmamba_v2")[2].VSSM
    raise ValueError(f"unknown family {family!r}")


def build_official(preset, size, localmamba_dir=None, msvmamba_dir=None, msvmamba_v2_dir=None):
    """Import the official code for ``preset`` from its checkout and build the model (random init, train mode).
    Whatever the official code prints goes to stderr, so stdout stays free for the result line."""
    family = family_of(preset)
    dirs = {"localmamba_dir": localmamba_dir, "msvmamba_dir": msvmamba_dir, "msvmamba_v2_dir": msvmamba_v2_dir}
    arg, url = CHECKOUT_FOR[family]
    checkout = dirs[arg]
    if not checkout:
        raise CheckoutError(f"{preset} needs --{arg.replace('_', '-')} (a checkout of {url})")
    checkout = os.path.abspath(checkout)
    sys.dont_write_bytecode = True
    with contextlib.redirect_stdout(sys.stderr):
        if family in ("local_vim", "local_vmamba"):
            return _build_local(preset, checkout, size)
        if family == "msvmamba":
            return _build_msvmamba(preset, checkout, size, MSVMAMBA[preset], v2=False)
        return _build_msvmamba(preset, checkout, size, MSVMAMBA_V2[preset], v2=True)
