"""The derivation inside PyTorch and JAX: the same program as the NumPy module, printed for
``torch`` and ``jax.numpy``.

``render_target(net, "torch")`` is the source of ``generated/torch/<name>.py``: the derived
forward and backward steps written in torch, a ``torch.autograd.Function`` whose backward is
the derived one (not autograd), an ``nn.Module`` holding the parameters (same names and
initialisation as the NumPy module) and ``loss_and_grad``. ``render_target(net, "jax")`` is
``generated/jax/<name>.py``: the loss as a ``jax.custom_vjp`` function whose backward is the
derived one, jit-compatible. ``write_targets`` writes (or with ``check`` only names stale)
files atomically, like ``codegen.write_modules``; ``load_target`` executes the source in memory.

Both printers are SymPy's NumPy printer with the module renamed, and only the cases that the
library spells differently overridden (the ``Dialect`` for the code around them). The
printers know the IR's node types (Var, MatMul, Transpose, Elementwise, Sum) and nothing
about layer kinds, so a layer built from those nodes prints here as it does in NumPy.
"""

from __future__ import annotations

import types
from pathlib import Path

import sympy as sp

from derive.engine.derivation import derive
from derive.engine.graph import Network
from derive.engine.ir import Repeat, free_vars
from derive.engine.layers import m_symbol
from derive.errors import DeriveError
from derive.fileio import write_atomic

from . import codegen, convjax, convtorch, layercode
from .npprint import Dialect, NumpyPrinter

TARGETS = ("numpy", "torch", "jax")
EXTRAS = {"torch": "torch", "jax": "jax"}  # the module a target needs -> the extra to install


class TorchPrinter(NumpyPrinter):
    """torch spells a few things differently: no logaddexp with a Python number, clamp for a
    maximum with a number, ``.to`` for a cast."""

    lib = "torch"

    def _print_softplus(self, expr):
        return f"_softplus({self._print(expr.args[0])})"  # defined in the module

    def _print_log(self, expr):
        # log(m), a Python number (SymPy's log1p rewrite splits log(u / m) so): torch.log
        # takes tensors only
        if expr.args[0].free_symbols <= {m_symbol}:
            return f"math.log({self._print(expr.args[0])})"
        return super()._print_log(expr)

    def _extremum(self, expr, side):
        a, b = sorted(expr.args, key=lambda t: t.is_number)
        if b.is_number:
            return f"torch.clamp({self._print(a)}, {side}={self._print(b)})"
        fn = "maximum" if side == "min" else "minimum"
        return f"torch.{fn}({self._print(a)}, {self._print(b)})"

    def _print_Max(self, expr):
        return self._extremum(expr, "min")

    def _print_Min(self, expr):
        return self._extremum(expr, "max")

    def _print_Piecewise(self, expr):
        (pos, cond), (neg, _) = expr.args if len(expr.args) == 2 else ((None, None), (None, None))
        if pos is not None and pos.is_number and neg.is_number and expr.args[1].cond is sp.true:
            # torch.where of two Python numbers is float32 (0.01 would lose digits): one
            # branch as a tensor of the compared array's dtype
            ref = self._print(cond.lhs)
            neg_full = f"torch.full_like({ref}, {self._print(neg)})"
            return f"torch.where({self._print(cond)}, {self._print(pos)}, {neg_full})"
        return super()._print_Piecewise(expr)


class JaxPrinter(NumpyPrinter):
    """jax.numpy follows NumPy's names: only the module differs."""

    lib = "jnp"


class TorchDialect(Dialect):
    lib = "torch"
    printer = TorchPrinter

    def amax(self, a: str, axis: int) -> str:
        return f"{a}.amax(dim={axis}, keepdim=True)"  # torch's max returns (values, indices)

    def astype(self, code: str, ref: str) -> str:
        return f"({code}).to({ref}.dtype)"

    def broadcast(self, code: str, shape: str) -> str:
        return f"({code}).expand{shape}"

    def full(self, shape: str, value: str) -> str:
        return f"torch.full({shape}, {value}, dtype=Y.dtype, device=Y.device)"

    def total(self, code: str) -> str:
        return f"torch.sum({code})"  # a 0-d tensor: stays on the device, no host sync

    def scalar(self, code: str) -> str:
        return self.total(code)

    def dropout(self, mask: str, like: str, p: float) -> str:
        return f"_dropout_mask(rng, {like}, {p!r}, {mask!r})"

    def image(self, node, operands: list[str]) -> str:
        if isinstance(node, Repeat):
            return convtorch.repeat(operands[0], node.k)
        return super().image(node, operands)  # the kernels have NumPy's names

    def kernels(self, code: str) -> list[str]:
        return convtorch.helpers(code)


class JaxDialect(Dialect):
    lib = "jnp"
    printer = JaxPrinter

    def total(self, code: str) -> str:
        return f"jnp.sum({code})"  # a 0-d array: float() would fail under jit

    def scalar(self, code: str) -> str:
        return self.total(code)

    def dropout(self, mask: str, like: str, p: float) -> str:
        return f"_dropout_mask(rng, {like}, {p!r}, {mask!r})"

    def image(self, node, operands: list[str]) -> str:
        if isinstance(node, Repeat):
            return convjax.repeat(operands[0], node.k)
        return super().image(node, operands)

    def kernels(self, code: str) -> list[str]:
        return convjax.helpers(code)


DIALECTS = {"torch": TorchDialect(), "jax": JaxDialect()}


def render_target(net: Network, target: str, out_dir: str | Path | None = None) -> str:
    """The source of ``<out_dir>/<target>/<name>.py`` (``out_dir`` is the NumPy modules'
    folder, default ``generated/``): deterministic (same spec, same bytes)."""
    if target == "numpy":
        return codegen.render(net, out_dir)
    d = derive(net, fold_scale=True)
    prog = codegen.program(net, d, DIALECTS[target])
    base = codegen.DEFAULT_OUT if out_dir is None else out_dir
    source = net.source if net.source.startswith("<") else codegen.spec_reference(net.source, base)
    saved = ["X", *(n for n in prog.backward_cache if n != net.x.name)]
    return (
        codegen._environment()
        .get_template(f"{target}_module.py.j2")
        .render(
            net=net,
            source=source,
            target=target,
            prog=prog,
            params=tuple(net.params),
            backward_params=tuple(prog.backward_params),
            param_shapes={p: net.stored_shape(p) for p in net.params},
            cache_keys=["X", *net.masks, *net.values, *prog.saved],
            saved=tuple(saved),
            mask_rows=_mask_rows(net),
            running_shapes=layercode.running_shapes(net),
            running_updates=layercode.running_updates(net),
            uses_softplus=_uses(prog, "_softplus("),
            uses_math=target == "torch" and _uses(prog, "math."),
            batch_stats=tuple(q for q, *_ in net.running.values()),
            output=net.output,
            loss_reads=prog.loss_reads,
            q=codegen._quote,
            # a conv kernel is (channels, C, kh, kw) in params, its matrix in the equations
            as_matrix=lambda p: codegen._reshape(net.params[p].shape, net.stored_shape(p)),
            as_stored=lambda p: codegen._reshape(net.stored_shape(p), net.params[p].shape),
        )
    )


def _uses(prog: codegen.Program, call: str) -> bool:
    lines = prog.forward + prog.forward_y + prog.infer + prog.backward + prog.loss
    lines += prog.penalty
    return any(call in ln.code for ln in lines) or any(call in h for h in prog.helpers)


def _mask_rows(net: Network) -> dict[str, int]:
    """Each dropout mask's rows (it is (rows, m), like the quantity it multiplies)."""
    rows = {}
    for node in net.equations.values():
        for v in free_vars(node):
            if v.role == "mask":
                rows[v.name] = int(v.shape[0])
    return {k: rows[k] for k in net.masks}


def require(target: str, flag: str = "--target") -> None:
    """A one-line error naming the extra when the target's framework is not installed
    (``flag``: the option that asked for it, --target or --backend)."""
    if target not in EXTRAS:
        return
    import importlib.util

    if importlib.util.find_spec(EXTRAS[target]) is None:
        raise DeriveError(
            f'{EXTRAS[target]} is not installed: pip install "derive[{target}]"',
            where=f"{flag} {target}",
        )


def out_dir(base: Path, target: str) -> Path:
    """generated/ for NumPy, generated/<target>/ for the frameworks."""
    return base if target == "numpy" else base / target


def write_targets(nets: list[Network], base: Path, target: str, *, check=False) -> list[Path]:
    """``codegen.write_modules`` for any target: write ``<base>/<target>/<name>.py`` for each
    network; with ``check``, write nothing and return the stale files."""
    if target == "numpy":
        return codegen.write_modules(nets, base, check=check)
    folder = out_dir(base, target)
    stale = []
    for net in nets:
        path = folder / f"{net.name}.py"
        text = render_target(net, target, base)
        if (path.read_text() if path.exists() else None) != text:
            stale.append(path)
            if not check:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    write_atomic(path, text)
                except OSError as e:
                    raise DeriveError(f"cannot write: {e.strerror}", where=str(path)) from None
    return stale


def load_target(net: Network, target: str) -> types.ModuleType:
    """The generated module for ``target``, executed in memory (the same source as the file)."""
    require(target)
    module = types.ModuleType(f"derive_generated_{target}_{net.name}")
    module.__file__ = f"<derive:{target}:{net.name}>"
    exec(compile(render_target(net, target), module.__file__, "exec"), module.__dict__)  # ours
    return module


__all__ = ["TARGETS", "render_target", "write_targets", "load_target", "require", "out_dir"]
