"""Modules that the official files import at module level but whose contents the CPU forward pass never runs.

* ``triton`` / ``triton.language``: the files define Triton kernels (``@triton.jit``, ``@triton.autotune``,
  ``tl.constexpr`` annotations) for GPU-only paths: LocalMamba's Triton local scan (replaced by its PyTorch
  ``local_scan`` in the code that runs), VMamba's Triton cross-scan (not used by the multi-scale ``vms`` path), and
  mamba's Triton LayerNorm (replaced by ``norms.py``). Decorating works; launching a kernel raises, so a path that
  would need Triton fails loudly instead of computing something else.
* ``fvcore.nn``: FLOP counting helpers, used only by the models' ``flops()`` methods.
* ``yacs.config``: the MSVMamba config tree (``config.py``). ``CfgNode`` here is a small dict with attribute access
  and the ``merge_from_file`` rules the configs rely on (keys must already exist; string values go through
  ``ast.literal_eval`` when they parse, as in yacs).
* ``linear_attn``: a module the MSVMamba v2 branch imports but does not ship; only its (unused) linear-attention
  variants need it.
"""

import ast
import copy
import types

import yaml


class TritonKernelStub:
    """What ``@triton.jit`` returns here: decorating works, launching raises."""

    def __init__(self, fn):
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "kernel")
        self.__doc__ = getattr(fn, "__doc__", None)

    def _fail(self, *_args, **_kwargs):
        raise RuntimeError(
            f"Triton kernel {self.__name__} was launched: Triton is GPU-only and the CPU baseline has no stand-in for it"
        )

    __call__ = _fail

    def __getitem__(self, _grid):
        return self._fail


def _decorator_or_factory(fn=None, **_kwargs):
    if fn is None:
        return lambda f: TritonKernelStub(f)
    return TritonKernelStub(fn)


def _pass_through_decorator(*_args, **_kwargs):
    return lambda f: f if isinstance(f, TritonKernelStub) else TritonKernelStub(f)


class _Config:
    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


def _next_power_of_2(n):
    n = int(n)
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def make_triton():
    """The ``triton`` and ``triton.language`` modules."""
    triton = types.ModuleType("triton")
    triton.__path__ = []
    triton.__version__ = "0.0-cpu-stub"
    triton.jit = _decorator_or_factory
    triton.autotune = _pass_through_decorator
    triton.heuristics = _pass_through_decorator
    triton.Config = _Config
    triton.cdiv = lambda a, b: (int(a) + int(b) - 1) // int(b)
    triton.next_power_of_2 = _next_power_of_2

    language = types.ModuleType("triton.language")

    class constexpr:  # noqa: N801 - the name the annotations use
        def __init__(self, value=None):
            self.value = value

    language.constexpr = constexpr

    def _any_name(name):
        if name.startswith("__"):
            raise AttributeError(name)
        return TritonKernelStub(types.SimpleNamespace(__name__=f"tl.{name}"))

    language.__getattr__ = _any_name
    triton.language = language
    return {"triton": triton, "triton.language": language}


def _unavailable(name):
    def fail(*_args, **_kwargs):
        raise NotImplementedError(f"{name} is not available in the CPU baseline (FLOP counting is not part of it)")

    return fail


def make_fvcore():
    """``fvcore`` and ``fvcore.nn`` with the four names the model files import."""
    fvcore = types.ModuleType("fvcore")
    fvcore.__path__ = []
    nn = types.ModuleType("fvcore.nn")
    for name in ("FlopCountAnalysis", "flop_count_str", "flop_count", "parameter_count"):
        setattr(nn, name, _unavailable(f"fvcore.nn.{name}"))
    fvcore.nn = nn
    return {"fvcore": fvcore, "fvcore.nn": nn}


def _decode(value):
    if isinstance(value, dict):
        return CfgNode({k: _decode(v) for k, v in value.items()})
    if isinstance(value, str):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


class CfgNode(dict):
    """A dict with attribute access: the part of ``yacs.config.CfgNode`` that ``config.py`` uses."""

    def __init__(self, init_dict=None):
        super().__init__()
        for key, value in (init_dict or {}).items():
            self[key] = CfgNode(value) if isinstance(value, dict) else value

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as err:
            raise AttributeError(name) from err

    def __setattr__(self, name, value):
        self[name] = value

    def __deepcopy__(self, memo):
        return CfgNode({k: copy.deepcopy(v, memo) for k, v in self.items()})

    def clone(self):
        return copy.deepcopy(self)

    def freeze(self):
        return None

    def defrost(self):
        return None

    def merge_from_other_cfg(self, other, prefix=""):
        for key, value in other.items():
            full = f"{prefix}{key}"
            if key not in self:
                raise KeyError(f"Non-existent config key: {full}")
            value = _decode(value)
            if isinstance(value, dict):
                if not isinstance(self[key], dict):
                    raise ValueError(f"Config key {full} is not a node")
                self[key].merge_from_other_cfg(value, prefix=f"{full}.")
            else:
                self[key] = value

    def merge_from_file(self, path):
        with open(path, "r") as handle:
            self.merge_from_other_cfg(CfgNode(yaml.safe_load(handle) or {}))

    def merge_from_list(self, pairs):
        if len(pairs) % 2 != 0:
            raise ValueError(f"merge_from_list needs key/value pairs, got {pairs}")
        for key, value in zip(pairs[0::2], pairs[1::2]):
            node = self
            *parents, leaf = key.split(".")
            for part in parents:
                node = node[part]
            if leaf not in node:
                raise KeyError(f"Non-existent config key: {key}")
            node[leaf] = _decode(value)


def make_yacs():
    """``yacs`` and ``yacs.config``."""
    yacs = types.ModuleType("yacs")
    yacs.__path__ = []
    config = types.ModuleType("yacs.config")
    config.CfgNode = CfgNode
    yacs.config = config
    return {"yacs": yacs, "yacs.config": config}


def make_linear_attn(module_name):
    """The missing ``linear_attn`` module of the MSVMamba v2 branch; its classes refuse to be built."""
    module = types.ModuleType(module_name)
    for name in ("GatedLinearAttention", "ConvLayer", "Stem", "PatchMerging"):

        def refuse(*_args, _name=name, **_kwargs):
            raise NotImplementedError(f"{module_name}.{_name}: the v2 branch does not ship linear_attn.py")

        setattr(module, name, type(name, (), {"__init__": refuse}))
    return {module_name: module}
