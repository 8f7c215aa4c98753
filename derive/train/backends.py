"""Where a training run's arrays live: NumPy (the generated module, on the CPU), PyTorch or JAX
(the generated torch or JAX module, on the CPU or a GPU).

``train()`` in ``derive.train.loop`` is one loop for all three. It reaches the arrays only
through an ``Ops`` (``module.ops``; ``NUMPY`` when a module has none): moving the data and the
parameters to the device once, gathering a shuffled epoch, the functions of the optimizers'
updates (``subtract``, ``multiply``, ``divide``, ``sqrt`` with ``out=``; JAX's arrays cannot
be written, so its updates make new ones), the finiteness check, and the copy back to NumPy
for saving. NumPy's ops are NumPy's own functions, so a NumPy run is what it always was.

``framework_module(net, "torch" | "jax", device)`` wraps the generated torch or JAX module
(``derive.emit.frameworks``) in the interface the loop uses: ``loss_and_grad`` returns the cost
as a float, ``predict`` NumPy predictions, and ``training_step`` takes the NumPy generator the
loop gives any module with dropout and draws the masks from it as the NumPy module draws them
(same numbers, in the same order), so a seeded torch or JAX run follows the NumPy run to float
tolerance. JAX's steps are jitted.
"""

from __future__ import annotations

import numpy as np

from derive.errors import DeriveError

BACKENDS = ("numpy", "torch", "jax")
DEVICES = ("cpu", "cuda")


class NumpyOps:
    name = "numpy"
    device = "cpu"
    device_name = "cpu"  # as --device names it
    inplace = True  # the optimizers write into their arrays (out=, +=)
    subtract = staticmethod(np.subtract)  # each takes out=
    multiply = staticmethod(np.multiply)
    divide = staticmethod(np.divide)
    sqrt = staticmethod(np.sqrt)
    zeros_like = staticmethod(np.zeros_like)
    empty_like = staticmethod(np.empty_like)

    def asarray(self, a, dtype=None):
        return np.asarray(a, dtype=dtype)

    def to_numpy(self, a) -> np.ndarray:
        return a

    def columns(self, a, order: np.ndarray):
        return a[:, order]

    def all_finite(self, params) -> bool:
        return all(np.isfinite(p).all() for p in params.values())

    def put(self, arrays: dict, key: str, value) -> None:
        """``arrays[key]`` takes ``value`` (a NumPy array): in place where the library can."""
        np.copyto(arrays[key], value)


NUMPY = NumpyOps()


def ops_of(module) -> NumpyOps:
    return getattr(module, "ops", NUMPY)


class TorchOps(NumpyOps):
    name = "torch"

    def __init__(self, device: str):
        import torch

        if device == "cuda" and not torch.cuda.is_available():
            raise DeriveError(
                "torch sees no CUDA device (torch.cuda.is_available() is False)",
                where="--device cuda",
                fix="install a CUDA build of torch on a machine with a GPU, or use --device cpu",
            )
        self.torch, self.device, self.device_name = torch, torch.device(device), device
        self.subtract, self.multiply, self.divide = torch.sub, torch.mul, torch.div  # out=
        self.sqrt, self.zeros_like, self.empty_like = torch.sqrt, torch.zeros_like, torch.empty_like

    def asarray(self, a, dtype=None):
        dtype = getattr(self.torch, np.dtype(dtype).name) if dtype is not None else None
        return self.torch.as_tensor(a, dtype=dtype, device=self.device)

    def to_numpy(self, a) -> np.ndarray:
        return a.detach().cpu().numpy()

    def columns(self, a, order):
        return a[:, self.torch.as_tensor(order, device=a.device)]

    def all_finite(self, params) -> bool:
        return all(bool(self.torch.isfinite(p).all()) for p in params.values())

    def put(self, arrays, key, value) -> None:
        arrays[key].copy_(self.torch.as_tensor(value))


class JaxOps(NumpyOps):
    name = "jax"
    inplace = False  # jax arrays cannot be written: the optimizers make new ones

    def __init__(self, device: str):
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)  # float64 runs are float64, as NumPy's
        platform = "gpu" if device == "cuda" else "cpu"
        try:
            self.device = jax.devices(platform)[0]
        except RuntimeError:
            raise DeriveError(
                f"jax sees no {device.upper()} device",
                where=f"--device {device}",
                fix='install jax with GPU support (pip install "jax[cuda12]"), or use --device cpu',
            ) from None
        self.jax, self.jnp, self.device_name = jax, jnp, device
        self.sqrt, self.zeros_like, self.empty_like = jnp.sqrt, jnp.zeros_like, jnp.zeros_like

    def asarray(self, a, dtype=None):
        return self.jax.device_put(self.jnp.asarray(a, dtype=dtype), self.device)

    def to_numpy(self, a) -> np.ndarray:
        return np.asarray(a)

    def columns(self, a, order):
        return a[:, order]

    def all_finite(self, params) -> bool:
        return all(bool(self.jnp.isfinite(p).all()) for p in params.values())

    def put(self, arrays, key, value) -> None:
        arrays[key] = self.asarray(value, dtype=arrays[key].dtype)


def draw_masks(module, rng: np.random.Generator, m: int, dtype) -> dict[str, np.ndarray]:
    """The dropout masks the NumPy module would draw from ``rng`` for a batch of ``m``: in the
    forward pass's order (``MASKS``), each ``(rng.random((rows, m)) >= p) / (1 - p)`` in
    ``dtype``, as NumPy arrays."""
    out = {}
    for k, p in module.MASKS.items():
        out[k] = (rng.random((module.MASK_ROWS[k], m)) >= p).astype(dtype) / (1 - p)
    return out


class FrameworkModule:
    """A generated torch or JAX module behind the interface of a generated NumPy module that
    ``train()`` uses (``init_params``, ``loss_and_grad``, ``training_step``, ``loss``,
    ``inference_loss``, ``predict`` and the constants), with its ``ops``."""

    def __init__(self, module, ops: NumpyOps):
        self.module, self.ops = module, ops
        for name in ("NAME", "INPUTS", "OUTPUTS", "COST", "REDUCTION", "OUTPUT", "PARAM_SHAPES"):
            setattr(self, name, getattr(module, name))
        for name in ("MASKS", "MASK_ROWS", "RUNNING_SHAPES"):
            if hasattr(module, name):
                setattr(self, name, getattr(module, name))
        steps = ["loss_and_grad", "loss", "predict", "training_step", "inference_loss"]
        self._fn = {s: getattr(module, s) for s in steps if hasattr(module, s)}
        if ops.name == "jax":
            self._fn = {s: ops.jax.jit(f) for s, f in self._fn.items()}
        # only what the module has (train() asks hasattr, as of a NumPy module)
        if "training_step" in self._fn:
            self.training_step = self._training_step
        if "inference_loss" in self._fn:
            self.inference_loss = self._inference_loss

    def init_params(self, seed=0, dtype=np.float64):
        self._dtype = np.dtype(dtype)  # the run's: the masks are drawn in it
        params = self.module.init_params(seed)  # float64, as the NumPy module draws them
        return {k: self.ops.asarray(self.ops.to_numpy(v), dtype) for k, v in params.items()}

    def loss_and_grad(self, params, X, Y):
        loss, grads = self._fn["loss_and_grad"](params, X, Y)
        return float(loss), grads

    def _training_step(self, params, X, Y, rng=None):
        masks = (self._masks(rng, X),) if hasattr(self, "MASKS") else ()
        loss, grads, running = self._fn["training_step"](params, X, Y, *masks)
        return float(loss), grads, running

    def _masks(self, rng, X):
        if rng is None:
            return None
        masks = draw_masks(self.module, rng, X.shape[1], getattr(self, "_dtype", np.float64))
        return {k: self.ops.asarray(v) for k, v in masks.items()}

    def loss(self, params, X, Y):
        return float(self._fn["loss"](params, X, Y))

    def _inference_loss(self, params, X, Y):
        return float(self._fn["inference_loss"](params, X, Y))

    def predict(self, params, X):
        return self.ops.to_numpy(self._fn["predict"](params, X))


def check(backend: str, device: str) -> None:
    """A one-line error for a backend or device this machine cannot run, before any work:
    the extra to install when the framework is missing."""
    from derive.emit.frameworks import require

    if backend not in BACKENDS:
        raise DeriveError(f"unknown backend {backend!r}", fix=f"use one of {', '.join(BACKENDS)}")
    if device not in DEVICES:
        raise DeriveError(f"unknown device {device!r}", fix=f"use one of {', '.join(DEVICES)}")
    if backend == "numpy" and device != "cpu":
        raise DeriveError(
            "the numpy backend runs on the CPU only",
            where=f"--device {device}",
            fix="use --backend torch or --backend jax for a GPU",
        )
    require(backend, "--backend")


def wrap(module, backend: str, device: str = "cpu"):
    """The generated torch or JAX ``module`` for ``train()`` on ``device``."""
    check(backend, device)
    ops = TorchOps(device) if backend == "torch" else JaxOps(device)
    return FrameworkModule(module, ops)


def framework_module(net, backend: str, device: str = "cpu"):
    """The generated ``backend`` module of ``net`` (built in memory) for ``train()``: the
    NumPy module itself for numpy, else the torch or JAX one wrapped."""
    from derive.emit.codegen import load_module
    from derive.emit.frameworks import load_target

    check(backend, device)
    if backend == "numpy":
        return load_module(net)
    return wrap(load_target(net, backend), backend, device)


__all__ = [
    "BACKENDS",
    "DEVICES",
    "NUMPY",
    "ops_of",
    "draw_masks",
    "check",
    "wrap",
    "framework_module",
    "FrameworkModule",
]
