"""Call backward code written for a course's interface, not derive's convention.

The plain convention (``call.Caller``) passes X, Y, the parameters and forward values by name,
samples as columns. Course code asks for more: deeplearning.ai's ``L_model_backward(AL, Y,
caches)`` with ``caches`` a list of ``((A_prev, W, b), Z)`` per layer; CS231n's
``TwoLayerNet.loss(self, X, y, reg)`` on an instance holding ``self.params`` with samples as
rows, W (in, out), flat biases and integer labels; Nielsen's ``Network.backprop(self, x, y)``
with ``self.weights``/``self.biases`` lists, per example; functions taking lists of weights
and biases; layer objects; module globals. ``Interface`` recognises these from the signature
and the objects the class builds, and tries the *readings* the code may be written in:

- samples as columns or as rows (the weights' orientation follows what the class's own
  ``__init__`` made, or the layout: W (in, out) with rows);
- one-hot targets Y or integer labels;
- a regularization strength ``reg`` of c or 2c for a penalty c * sum(W**2) (``reg * sum`` or
  ``0.5 * reg * sum``), told apart by the loss the code returns;
- a batch, or one example at a time (checked at m = 1 only, and said so);
- a ``cache`` dict, or deeplearning.ai course 2's tuple ``(Z1, A1, W1, b1, Z2, ...)``.

``call.Caller`` uses an ``Interface`` when derive's convention cannot name every parameter,
and also when the convention's call raises (code written for rows under the convention's
names). A course's per-layer function (``linear_activation_backward(dA, cache, activation)``)
is called once per layer with the derivation's own dA of that layer.

``choose`` probes each reading at a sample count that is no dimension of the network and keeps
the first under which the code runs and returns every gradient in its parameter's shape (and,
when it returns a loss, the loss of the spec); the report says which reading was used and
what the others did. The returned gradients are read back whatever their container: a dict,
``(loss, grads)``, a tuple in some layer order, lists by layer (``(nabla_b, nabla_w)``),
or gradients stored on the objects (``layer.dCdw``).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import itertools
import re
import textwrap
from dataclasses import dataclass

import numpy as np

from derive.engine.graph import Network
from derive.errors import DeriveError

from .load import time_limit

_INPUT = {"x", "inputs", "input", "a0", "x_batch", "data", "features", "x_train"}
_TARGET = {"y", "targets", "target", "labels", "y_true", "t", "label", "y_train", "yb"}
_OUTPUT = {"al", "a_l", "a_out", "aout", "y_hat", "yhat", "output", "outputs", "probs",
           "a_last", "predictions", "y_pred", "out"}  # fmt: skip
_HIDDEN = {"a_h", "ah", "hidden", "a_hidden", "h"}
_PARAMS = {"params", "parameters", "parametres", "theta", "param", "model"}
_CACHE = {"cache", "forward", "fwd"}
_CACHES = {"caches"}
_WEIGHTS = {"weights", "ws", "w_list", "weight_list"}
_BIASES = {"biases", "bs", "b_list", "bias_list"}
_ACTS = {"activations", "acts", "a_list", "a_s", "as_"}
_ZS = {"zs", "z_list", "layers", "pre_activations", "z_s", "sums"}
_SAMPLES = {"m", "n_samples", "batch_size", "n", "num_samples"}
_DA = {"da", "da_l", "dal", "dout", "da_curr", "grad_a", "d_a", "delta_a"}
_DZ = {"dz", "dz_l", "delta", "dz_curr", "d_z"}
_ACT_NAME = {"activation", "act", "activation_name", "kind", "nl_kind", "activation_function"}
_REG = {"reg", "lam", "lambd", "lambda_", "lmbda", "reg_strength", "l2", "alpha_reg"}
_LR = {"learning_rate", "lr", "eta", "alpha", "step_size", "learningrate", "rate"}
# __init__ parameters of a network class, by what they hold
_INIT_IN = {"input_size", "input_dim", "num_features", "n_inputs", "n_input", "n_in", "inputs",
            "in_dim", "num_inputs", "d", "n_x", "input_dims", "n_features"}  # fmt: skip
_INIT_HIDDEN = {"hidden_size", "num_hidden", "hidden", "n_hidden", "hidden_dim", "n_h",
                "hidden_units"}  # fmt: skip
_INIT_HIDDENS = {"hidden_dims", "hidden_sizes", "hidden_layers", "hidden_layer_sizes"}
_INIT_OUT = {"output_size", "num_classes", "n_outputs", "n_output", "n_out", "outputs",
             "num_outputs", "out_dim", "output_dim", "n_classes", "n_y", "classes"}  # fmt: skip
_INIT_SIZES = {"sizes", "layer_sizes", "layers", "dims", "layer_dims", "layers_dims",
               "architecture", "shape", "topology"}  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """One way the code may be written: the layout of the samples, the form of the targets,
    the regularization strength passed, one example or a batch."""

    rows: bool = False
    labels: bool = False  # integer labels instead of one-hot Y
    reg: float | None = None
    per_example: bool = False
    cache_tuple: bool = False  # deeplearning.ai course 2's cache (Z1, A1, W1, b1, Z2, ...)

    def text(self, net: Network, with_reg: bool) -> str:
        parts = [
            f"samples as rows: X (m, {net.inputs})" if self.rows
            else f"samples as columns: X ({net.inputs}, m)",
            "integer labels y (m,)" if self.labels else None,
            f"reg = {self.reg:g}" if with_reg and self.reg is not None else None,
            "one example at a time (checked at m = 1 only)" if self.per_example else None,
            "cache = (Z1, A1, W1, b1, Z2, ...)" if self.cache_tuple else None,
        ]  # fmt: skip
        return ", ".join(p for p in parts if p)


@dataclass
class Layer:
    k: int
    W: str
    b: str | None
    z: str | None
    A: str


def layers_of(net: Network) -> list[Layer]:
    """The spec's dense layers W1, b1 -> z1 -> A1, ... (empty when the names differ)."""
    out, k = [], 1
    while f"W{k}" in net.params:
        z = f"z{k}" if f"z{k}" in net.values else None
        A = f"A{k}" if f"A{k}" in net.values else (z or "")
        out.append(Layer(k, f"W{k}", f"b{k}" if f"b{k}" in net.params else None, z, A))
        k += 1
    if out and not out[-1].A:
        out[-1].A = net.output
    named = {p for lay in out for p in (lay.W, lay.b) if p}
    return out if named == set(net.params) and all(lay.A for lay in out) else []


class Found(dict):
    """``{param: gradient}`` already read from the result (``Caller.read`` passes it on),
    with the loss the code returned, if any."""

    loss: float | None = None
    unused: list[str]


# ----------------------------------------------------------------------------- orientation
class Like(tuple):
    """The shape a student's array of a parameter has, and whether it holds the parameter
    transposed (W as (in, out)): a square W's shape alone cannot say."""

    flipped = False


def like(shape, flipped: bool = False) -> Like:
    out = Like(shape)
    out.flipped = flipped
    return out


def to_student(value: np.ndarray, like: tuple) -> np.ndarray:
    """A derive-layout parameter (W (out, in), b (n, 1)) in the shape ``like`` the student's
    own array has: as is, transposed, or flat."""
    shape = tuple(like)
    if getattr(like, "flipped", False) and value.ndim == 2 and value.T.shape == shape:
        return value.T.copy()
    if shape == value.shape:
        return value.copy()
    if shape == value.T.shape:
        return value.T.copy()
    if int(np.prod(shape)) == value.size:
        return value.reshape(shape).copy()
    return value.copy()


def from_student(grad, like_shape: tuple, shape: tuple):
    """A returned gradient in derive's layout, when it has the shape the student's own
    parameter has (else as it came: the judge names the shape)."""
    try:
        g = np.asarray(grad, dtype=np.float64)
    except (TypeError, ValueError):
        return grad
    flipped = getattr(like_shape, "flipped", False)
    if flipped and g.ndim == 2 and g.shape == tuple(like_shape) and g.T.shape == tuple(shape):
        return g.T
    if g.shape == tuple(shape):
        return g
    if g.shape == tuple(like_shape):
        if g.ndim == 2 and g.T.shape == tuple(shape):
            return g.T
        return g.reshape(shape)
    if g.ndim == 1 and g.size == int(np.prod(shape)) and _keeps(like_shape, g.shape):
        return g.reshape(shape)  # a flat bias gradient for a (1, n) bias: b - lr*db stays (1, n)
    return g


def _keeps(like: tuple, shape: tuple) -> bool:
    """Does ``param - lr * grad`` keep the student's parameter shape ``like``?"""
    try:
        return np.broadcast_shapes(tuple(like), tuple(shape)) == tuple(like)
    except ValueError:
        return False


# ----------------------------------------------------------------------------- the interface
class Interface:
    """Calls ``func`` the way its course interface asks (see the module doc)."""

    def __init__(self, func, name: str, path: str, net: Network, module, penalty_k: float | None,
                 only: str | None = None):  # fmt: skip
        self.func, self.name, self.path, self.net, self.module = func, name, path, net, module
        self.only = only  # the one gradient a function returns (`derivative_w2`)
        self.layers = layers_of(net)
        if not self.layers:
            raise _no(name, path, "the spec's parameters are not named W1, b1, W2, ... by layer")
        self.cls = None
        self.params = _parameters(func)
        if self.params and self.params[0] == "self":
            self.cls = _owner(module, name, func)
            if self.cls is not None:
                self.params = self.params[1:]
            elif not _standin_attributes(func, "self"):
                raise _no(name, path, "a method whose class derive cannot find")
        self.roles = {p: _role(p, func, self.layers) for p in self.params}
        for p, r in self.roles.items():  # `backprop(net, x, y)`: net.weights, net.biases, ...
            if r is None and _standin_attributes(func, p):
                self.roles[p] = "standin"
        lows = {p.lower(): p for p in self.roles}
        if "t" in lows and "y" in lows:  # X, Z, Y, T: Y the output, T the targets, Z hidden
            self.roles[lows["y"]] = "A_L"
            if "z" in lows and len(self.layers) == 2:
                self.roles[lows["z"]] = "A_h"
        unknown = [p for p, r in self.roles.items() if r is None and not _has_default(func, p)]
        if unknown:
            raise _no(name, path, f"the parameter `{unknown[0]}`")
        self.roles = {p: r for p, r in self.roles.items() if r is not None}
        self.penalty_k = penalty_k
        self.init_reg = False
        self.built = ""  # how the instance is made: TwoLayerNet(input_size=4, ...)
        self.reading = Reading()
        self.shown = ""
        self.rows_first = False
        self.first = ""  # a method called before the function: "forward(X) first"
        self.updates = False  # the gradients read from in-place updates of the parameters
        if self.cls is not None:  # what the class's own __init__ makes tells the orientation
            try:
                with contextlib.redirect_stdout(io.StringIO()), time_limit():
                    inst, _ = self._instance(self.reading)
            except DeriveError:
                raise
            except Exception as err:  # noqa: BLE001 - the student's __init__ failing
                raise _no(
                    name, path, f"{self.cls.__name__}(...) raised {type(err).__name__}: {err}"
                ) from None
            self.rows_first = _rows_by_weights(inst, self)
        self.readings = list(self._readings())

    def may_be_per_example(self) -> bool:
        """Code for one example takes it in lower case (``x``, Nielsen's ``backprop(x, y)``)
        or as layer objects; ``X`` in capitals is a batch."""
        return any(r == "objects" or (r == "X" and p == p.lower()) for p, r in self.roles.items())

    # -- readings
    def _readings(self):
        roles = set(self.roles.values())
        rows = [True, False] if self.rows_first else [False, True]
        data = {"X", "Y", "A_L", "A_h", "activations", "zs", "objects", "cache", "params"}
        if not (roles & data or self.cls or any(":" in r for r in roles)):
            rows = [False]
        tuples = [False, True] if "cache" in roles else [False]
        labels = [False, True] if ("Y" in roles and self.net.outputs > 1) else [False]
        with_reg = "reg" in roles or self.init_reg
        regs = [None]
        if with_reg:
            k = self.penalty_k
            regs = [k / 2, k] if k else [0.0]
        for r, lab, reg, tup in itertools.product(rows, labels, regs, tuples):
            yield Reading(rows=r, labels=lab, reg=reg, cache_tuple=tup)

    def describe(self) -> None:
        with_reg = "reg" in self.roles.values() or self.init_reg
        what = self.reading.text(self.net, with_reg)
        args = ", ".join(f"{p}={self._shown_role(r)}" for p, r in self.roles.items())
        owner = f"{self.built or self.cls.__name__ + '(...)'}." if self.cls else ""
        self.shown = f"{owner}{self.name.split('.')[-1]}({args}); {what}"
        if self.first:
            self.shown += f"; calls {self.first} (it sets what {self.name} reads on self)"
        if self.updates:
            self.shown += (
                "; it returns nothing and changes the parameters in place: each change read "
                "as W -= lr * dW with lr = 1"
                + (" (derive passes 1)" if "lr" in self.roles.values() else " (it takes none)")
            )

    def _shown_role(self, role: str) -> str:
        if "dZ" in self.roles.values():
            return {"dZ": "dZ of the layer", "cache": "(A_prev, W, b)"}.get(role, role)
        if "dA" in self.roles.values():
            return {"dA": "dA of the layer", "cache": "((A_prev, W, b), z)",
                    "act_name": "its activation"}.get(role, role)  # fmt: skip
        return {"X": "X", "Y": "labels" if self.reading.labels else "Y", "A_L": self.net.output,
                "caches": "[((A_prev, W, b), z) per layer]", "weights": "[W per layer]",
                "biases": "[b per layer]", "activations": "[X, A1, ...]", "zs": "[z per layer]",
                "objects": "[layer objects]", "reg": "reg", "lr": "1", "m": "m", "params": "params",
                "cache": "cache", "A_h": "A1", "standin": "a network object derive makes",
                }.get(role, role.split(":")[-1])  # fmt: skip

    # -- building the arguments
    def _instance(self, reading: Reading):
        """An instance of the class made by its own __init__ (arguments by name), its
        parameters then set to the drawn ones in the orientation __init__ gave them."""
        init = self.cls.__init__
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):
            sig = None
        kwargs = {}
        widths = self._widths()
        hidden = widths[:-1]
        for p in list(sig.parameters.values())[1:] if sig else []:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            low = p.name.lower()
            if low in _INIT_IN:
                kwargs[p.name] = self.net.inputs
            elif low in _INIT_OUT:
                kwargs[p.name] = self.net.outputs
            elif low in _INIT_HIDDEN and len(hidden) == 1:
                kwargs[p.name] = hidden[0]
            elif low in _INIT_HIDDENS:
                kwargs[p.name] = list(hidden)
            elif low in _INIT_SIZES:
                kwargs[p.name] = [self.net.inputs, *widths]
            elif low == "reg":
                self.init_reg = True
                kwargs[p.name] = reading.reg if reading.reg is not None else 0.0
            elif low == "dtype":
                kwargs[p.name] = np.float64
            elif p.default is p.empty:
                raise _no(
                    self.name,
                    self.path,
                    f"no value to build it with for `{p.name}` of {self.cls.__name__}.__init__",
                )
        shown = ", ".join(f"{k}={_shown_value(v)}" for k, v in kwargs.items())
        self.built = f"{self.cls.__name__}({shown})"  # before __init__ changes a list given
        inst = self.cls(**kwargs)
        return inst, kwargs

    def _widths(self) -> list[int]:
        return [self.net.params[lay.W].shape[0] for lay in self.layers]

    def _data(self, a, reading):
        return a.T.copy() if reading.rows else a.copy()

    def _targets(self, values, reading):
        Y = values["Y"]
        if reading.labels:
            return np.argmax(Y, axis=0)
        return self._data(Y, reading)

    def _bias_like(self, lay, reading):
        n = self.net.params[lay.b].shape[0]
        return (1, n) if reading.rows else (n, 1)

    def _w_like(self, lay, reading):
        s = tuple(self.net.params[lay.W].shape)
        return like(s[::-1], flipped=True) if reading.rows else like(s)

    def call(self, values: dict, reading: Reading):
        """(the result of the call, {param: the student's own shape of it}, the objects)."""
        net, likes = self.net, {}
        for lay in self.layers:
            likes[lay.W] = self._w_like(lay, reading)
            if lay.b:
                likes[lay.b] = self._bias_like(lay, reading)
        inst = None
        if self.cls is not None:
            inst, _ = self._instance(reading)
            likes.update(_set_instance_params(inst, self, values))
            self._run_first(inst, values, reading)
            before = {id(a): a.copy() for a in _instance_param_arrays(inst, self)}
        if {"dA", "dZ"} & set(self.roles.values()):
            return self._per_layer(values, reading, likes), likes, None
        objects = None
        args = {}
        for p, role in self.roles.items():
            if role == "X":
                args[p] = self._data(values["X"], reading)
            elif role == "Y":
                args[p] = self._targets(values, reading)
            elif role == "A_L":
                args[p] = self._data(values[self.layers[-1].A], reading)
            elif role == "A_h":
                args[p] = self._data(values[self.layers[0].A], reading)
            elif role == "m":
                args[p] = values["m"]
            elif role == "reg":
                args[p] = reading.reg if reading.reg is not None else 0.0
            elif role == "lr":
                args[p] = 1.0
            elif role == "caches":
                args[p] = [((self._data(self._prev(values, i), reading),
                             to_student(values[lay.W], likes[lay.W]),
                             to_student(values[lay.b], likes[lay.b]) if lay.b else None),
                            self._data(values[lay.z], reading))
                           for i, lay in enumerate(self.layers)]  # fmt: skip
            elif role == "weights":
                args[p] = [to_student(values[lay.W], likes[lay.W]) for lay in self.layers]
            elif role == "biases":
                args[p] = [to_student(values[lay.b], likes[lay.b]) for lay in self.layers]
            elif role == "activations":
                args[p] = [self._data(values["X"], reading)] + [
                    self._data(values[lay.A], reading) for lay in self.layers
                ]
            elif role == "zs":
                args[p] = [self._data(values[lay.z], reading) for lay in self.layers]
            elif role == "params":
                args[p] = {q: to_student(values[q], likes[q]) for q in net.params}
            elif role == "cache" and reading.cache_tuple:
                args[p] = tuple(
                    v
                    for lay in self.layers
                    for v in (
                        self._data(values[lay.z], reading) if lay.z else None,
                        self._data(values[lay.A], reading),
                        to_student(values[lay.W], likes[lay.W]),
                        to_student(values[lay.b], likes[lay.b]) if lay.b else None,
                    )
                )
            elif role == "cache":
                args[p] = {k: self._data(values[k], reading) for k in net.values} | {
                    "X": self._data(values["X"], reading)
                }
            elif role == "objects":
                objects = self._objects(values, reading, likes)
                args[p] = objects
            elif role.startswith("param:"):
                q = role[6:]
                args[p] = to_student(values[q], likes[q])
            elif role == "standin":
                args[p] = self._standin(p, values, reading, likes)
            elif role.startswith("value:"):
                args[p] = self._data(values[role[6:]], reading)
        bound = self.func.__get__(inst) if inst is not None else self.func
        result = bound(**args)
        if result is None and inst is not None and objects is None:
            result = self._updates(inst, before) or None
        return result, likes, (objects if objects is not None else inst)

    def _run_first(self, inst, values, reading) -> None:
        """Call the method of the class that sets what the function reads on ``self`` and the
        instance lacks (``self.a1``, made by ``forward(X)``), as the student's ``train`` does
        before ``backward``."""
        missing = {a for a in _self_attributes(self.func) if not hasattr(inst, a)}
        if not missing:
            return
        for meth_name, meth in vars(self.cls).items():
            if not inspect.isfunction(meth) or meth is self.func or meth_name.startswith("__"):
                continue
            if not missing & _self_attributes(meth, stored=True):
                continue
            params = _parameters(meth)[1:]
            if len(params) != 1 or _role(params[0], meth, self.layers) != "X":
                continue
            getattr(inst, meth_name)(self._data(values["X"], reading))
            self.first = f"{meth_name}(X) first"
            return

    def _updates(self, inst, before) -> dict | None:
        """When the function returned nothing and changed the parameters in place
        (``self.W2 += a1.T @ delta2``): the changes, read as ``W -= lr * dW`` with the
        learning rate derive passed (1), or 1 when the function takes none."""
        out = {}
        for container, key, _, q in _slots(inst, self):
            a = container[key]
            old = before.get(id(a))
            if isinstance(a, np.ndarray) and old is not None and not np.array_equal(a, old):
                out[q] = -(a - old)
        if not out:
            return None
        self.updates = True
        return out

    def _standin(self, p, values, reading, likes):
        """An object for the parameter ``p`` that is the network itself (``net.weights``,
        ``self.biases`` on a function outside its class): what the function reads of it,
        made from the drawn parameters, with Nielsen's ``cost_derivative(a, y)`` the spec's
        dC/dA of the output (derived, not the student's)."""
        net, obj = self.net, _StandIn()
        for attr in _standin_attributes(self.func, p):
            low = attr.lower()
            q = next((q for q in net.params if q.lower() == low), None)
            if q:
                setattr(obj, attr, to_student(values[q], likes[q]))
            elif low in _WEIGHTS | _BIASES:
                kind = "W" if low in _WEIGHTS else "b"
                setattr(obj, attr, [to_student(values[getattr(lay, kind)],
                                               likes[getattr(lay, kind)])
                                    for lay in self.layers])  # fmt: skip
            elif low in _PARAMS:
                setattr(obj, attr, {q: to_student(values[q], likes[q]) for q in net.params})
            elif low in _LAYER_COUNTS_ATTR:
                setattr(obj, attr, len(self.layers) + 1)
            elif low in _INIT_SIZES:
                setattr(obj, attr, [net.inputs, *self._widths()])
            elif low in _COST_PRIME and values.get("cost_derivative") is not None:
                setattr(obj, attr, _cost_prime(values["cost_derivative"], reading))
        return obj

    def _per_layer(self, values, reading, likes) -> dict:
        """deeplearning.ai's ``linear_activation_backward(dA, cache, activation)`` or
        ``linear_backward(dZ, cache)``: called for each layer with the derivation's own dA or
        dZ of that layer (without the 1/m, which the course's ``linear_backward`` applies),
        the layer's ``((A_prev, W, b), Z)`` (or ``(A_prev, W, b)``) and its activation's
        name; the dW and db of each call, by shape."""
        out = {}
        for i, lay in enumerate(self.layers):
            args = {}
            for p, role in self.roles.items():
                if role == "dA":
                    args[p] = self._data(values["steps"][lay.A], reading)
                elif role == "dZ":
                    args[p] = self._data(values["steps"][lay.z], reading)
                elif role in ("cache", "caches") and "dZ" in self.roles.values():
                    args[p] = (  # linear_backward's cache: the layer's (A_prev, W, b)
                        self._data(self._prev(values, i), reading),
                        to_student(values[lay.W], likes[lay.W]),
                        to_student(values[lay.b], likes[lay.b]) if lay.b else None,
                    )
                elif role in ("cache", "caches"):
                    args[p] = (
                        (
                            self._data(self._prev(values, i), reading),
                            to_student(values[lay.W], likes[lay.W]),
                            to_student(values[lay.b], likes[lay.b]) if lay.b else None,
                        ),
                        self._data(values[lay.z], reading),
                    )
                elif role == "act_name":
                    args[p] = self._spelled(
                        self.net.layers[i].activation if self.net.layers else ""
                    )
                elif role == "m":
                    args[p] = values["m"]
            got = self.func(**args)
            # the course returns (dA_prev, dW, db): from the end, so that a dA_prev of the
            # bias's shape (at m = 1) is not taken for db
            for g in reversed(got) if isinstance(got, tuple | list) else [got]:
                shape = np.shape(g)
                for q in (lay.W, lay.b):
                    if q and q not in out and shape in (likes[q], tuple(self.net.params[q].shape)):
                        out[q] = g
                        break
        return out

    def _spelled(self, name: str) -> str:
        """The activation's name as the function's own string constants spell it ('ReLU')."""
        tree = _source_tree(self.func)
        consts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)] if tree else []
        return next((c for c in consts if isinstance(c, str) and c.lower() == name.lower()), name)

    def _prev(self, values, i):
        return values["X"] if i == 0 else values[self.layers[i - 1].A]

    def _objects(self, values, reading, likes):
        """Layer objects for code that walks ``nn[l].w``, ``nn[l].a``: the class whose
        __init__ makes the attributes the function reads, one per layer."""
        attrs = _attributes_read(self.func, self.params)
        cls = _layer_class(self.module, self.func, attrs)
        if cls is None:
            raise _no(self.name, self.path, "layer objects whose class derive cannot find")
        out = []
        for i, lay in enumerate(self.layers):
            rows, cols = self.net.params[lay.W].shape
            try:
                obj = cls(rows, cols)
            except TypeError:
                obj = cls.__new__(cls)
            for a in attrs:
                low = a.lower()
                if low in ("w", "weights", "weight", "W".lower()):
                    setattr(obj, a, values[lay.W].copy())
                elif low in ("b", "bias", "biases") and lay.b:
                    setattr(obj, a, values[lay.b].copy())
                elif low in ("z", "net", "pre_activation"):
                    setattr(obj, a, values[lay.z].copy())
                elif low in ("a", "activation", "output", "out", "h"):
                    setattr(obj, a, values[lay.A].copy())
                elif low in ("input_value", "input", "inputs", "x", "a_prev", "prev"):
                    setattr(obj, a, self._prev(values, i).copy())
            out.append(obj)
        return np.array(out, dtype=object)

    def read(self, result, likes, objects) -> Found:
        if self.only and _arrayish(result):  # one gradient, returned alone
            q = self.only
            found = Found({q: from_student(result, likes[q], tuple(self.net.params[q].shape))})
            found.unused, found.loss = [], None
            return found
        return Reader(self.net, self.layers).read(result, likes, objects)


class Reader:
    """Reads what backward code returned into ``{param: gradient}`` in derive's layout:
    a dict, ``(loss, grads)``, a tuple in either layer order, lists by layer, or gradients
    stored on the instance or the layer objects. ``likes`` are the student's own shapes."""

    def __init__(self, net: Network, layers: list[Layer]):
        self.net, self.layers = net, layers

    def read(self, result, likes, objects) -> Found:
        net = self.net
        found = Found()
        found.unused, found.loss = [], None
        shapes = {p: tuple(net.params[p].shape) for p in net.params}
        if isinstance(result, tuple | list):
            scalars = [r for r in result if isinstance(r, int | float | np.number)
                       or (isinstance(r, np.ndarray) and r.ndim == 0)]  # fmt: skip
            if len(scalars) == 1 and len(result) == 2:
                try:
                    found.loss = float(scalars[0])
                except (TypeError, ValueError):
                    pass
                result = [r for r in result if r is not scalars[0]]
                result = result[0] if len(result) == 1 else result
        if isinstance(result, tuple | list) and any(_opaque(r) for r in result):
            result = [r for r in result if not _opaque(r)]  # `return net, nabla_b, nabla_w`
            result = result[0] if len(result) == 1 else result
        if isinstance(result, dict):
            for key, value in result.items():
                p = param_for(key, net)
                if p is None or p in found:
                    found.unused.append(str(key))
                else:
                    found[p] = from_student(value, likes[p], shapes[p])
            return found
        if result is None and objects is not None:
            return self._stored_on(objects, likes, shapes, found)
        if isinstance(result, tuple | list):
            if all(isinstance(r, list | tuple) for r in result):
                return self._by_layer_lists(result, likes, shapes, found)
            arrays = [np.asarray(r) if _arrayish(r) else None for r in result]
            if not any(a is None for a in arrays):
                return self._by_order(arrays, likes, shapes, found)
        return found

    def _by_layer_lists(self, lists, likes, shapes, found):
        """(nabla_b, nabla_w) or (W_grad, b_grad): each list by layer, told apart by sizes."""
        L = len(self.layers)
        for lst in lists:
            if len(lst) != L:
                continue
            for kind in ("W", "b"):
                names = [getattr(lay, kind) for lay in self.layers]
                if None in names:
                    continue
                if all(
                    np.size(g) == int(np.prod(shapes[q])) for g, q in zip(lst, names, strict=True)
                ):
                    for g, q in zip(lst, names, strict=True):
                        if q not in found:
                            found[q] = from_student(g, likes[q], shapes[q])
                    break
        return found

    def _by_order(self, arrays, likes, shapes, found):
        """A flat tuple: in the spec's order, or the layers reversed (output layer first),
        whichever fits every shape."""
        names = [p for lay in self.layers for p in (lay.W, lay.b) if p]
        rev = [p for lay in reversed(self.layers) for p in (lay.W, lay.b) if p]
        if len(arrays) != len(names):
            return found
        for order in (names, rev):
            if all(_fits_as(a, likes[q], shapes[q]) for a, q in zip(arrays, order, strict=True)):
                for a, q in zip(arrays, order, strict=True):
                    found[q] = from_student(a, likes[q], shapes[q])
                return found
        for a, q in zip(arrays, names, strict=True):
            found[q] = from_student(a, likes[q], shapes[q])
        return found

    def _stored_on(self, objects, likes, shapes, found):
        """Gradients the code stored on its layer objects (``nn[l].dCdw``) or instance."""
        if not isinstance(objects, np.ndarray | list):  # an instance: self.dW1, self.grad_b2
            for attr, value in vars(objects).items():
                p = param_for(attr, self.net)
                if p is not None and attr.lower() != p.lower() and p not in found:
                    found[p] = from_student(value, likes[p], shapes[p])
                elif isinstance(value, list) and len(value) == len(self.layers) and all(
                        hasattr(o, "__dict__") for o in value):  # fmt: skip
                    self._stored_on(value, likes, shapes, found)  # self.layers[l].dW
            return found
        for obj, lay in zip(list(objects), self.layers, strict=False):
            for attr, value in vars(obj).items():
                if re.fullmatch(r"(d\w*d|d_?|grad_?)w", attr, flags=re.I) and lay.W not in found:
                    found[lay.W] = from_student(value, likes[lay.W], shapes[lay.W])
                elif lay.b and re.fullmatch(r"(d\w*d|d_?|grad_?)b", attr, flags=re.I):
                    found[lay.b] = from_student(value, likes[lay.b], shapes[lay.b])
        return found


# ----------------------------------------------------------------------------- helpers
def param_for(key, net: Network) -> str | None:
    """The parameter a returned key names: dW1, W1, dw1, grad_W1, dC_dW1, dC/dW1 -> W1."""
    key = str(key).strip()
    lower = {p.lower(): p for p in net.params}
    if key in net.params:
        return key
    for stripped in (key, re.sub(r"^(grad_?|d[a-z]?[_/]?d|d_?)", "", key, flags=re.I)):
        if stripped.lower() in lower:
            return lower[stripped.lower()]
    return None


def _no(name, path, what) -> DeriveError:
    return DeriveError(
        f"cannot tell what to pass for {what} of `{name}`" if what.startswith("the parameter")
        else f"cannot call `{name}`: {what}",
        where=f"{path}:{name}",
        fix='pass --call, e.g. --call "backward(X, Y, params)"',
    )  # fmt: skip


def _parameters(func) -> list[str]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]  # fmt: skip


def _has_default(func, name) -> bool:
    p = inspect.signature(func).parameters.get(name)
    return p is not None and p.default is not p.empty


def _owner(module, name, func):
    parts = name.split(".")
    obj = module
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
    return obj if inspect.isclass(obj) else None


def _role(name: str, func, layers: list[Layer]) -> str | None:
    low = name.lower()
    if low in _INPUT:
        return "X"
    if low in _TARGET:
        return "Y"
    if low in _OUTPUT:
        return "A_L"
    if low in _HIDDEN and len(layers) == 2:
        return "A_h"
    if low in _PARAMS:
        return "params"
    if low in _CACHES:
        return "caches"
    if low in _CACHE:
        return "cache"
    if low in _SAMPLES:
        return "m"
    if low in _DA and "cache" in {p.lower() for p in _parameters(func)}:
        return "dA"
    if low in _DZ and "cache" in {p.lower() for p in _parameters(func)}:
        return "dZ"
    if low in _ACT_NAME:
        return "act_name"
    if low in _REG:
        return "reg"
    if low in _LR:
        return "lr"
    if _subscript_attributes(func, name):
        return "objects"
    if low in _WEIGHTS:
        return "weights"
    if low in _BIASES:
        return "biases"
    if low in _ACTS:
        return "activations"
    if low in _ZS:
        return "zs"
    for lay in layers:
        for q in (lay.W, lay.b):
            if q and low == q.lower():
                return f"param:{q}"
        for v in (lay.z, lay.A):
            if v and low == v.lower():
                return f"value:{v}"
    return None


def _source_tree(func):
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None


def _subscript_attributes(func, name) -> set[str]:
    """Attributes the function reads or writes on items of its parameter ``name``
    (``nn[l].w``): the parameter is a list of layer objects."""
    tree = _source_tree(func)
    out = set()
    for node in ast.walk(tree) if tree else ():
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Subscript)
                and isinstance(node.value.value, ast.Name) and node.value.value.id == name
                and not hasattr(np.ndarray, node.attr)):  # fmt: skip
            out.add(node.attr)
    return out


_LAYER_COUNTS_ATTR = {"num_layers", "n_layers", "nlayers", "number_of_layers", "depth"}
_COST_PRIME = {"cost_derivative", "cost_prime", "loss_prime", "loss_derivative",
               "cost_deriv", "dcost"}  # fmt: skip
_STANDIN = _WEIGHTS | _BIASES | _PARAMS | _LAYER_COUNTS_ATTR | _INIT_SIZES | _COST_PRIME


class _StandIn:
    """The network object a function is given (``backprop(net, x, y)``) when the file has no
    class that makes it: only what the function reads of it."""

    def __repr__(self) -> str:
        return "<network object made by derive>"


def _opaque(r) -> bool:
    """An object returned beside the gradients (the network itself), not a gradient."""
    return not isinstance(r, np.ndarray | np.number | int | float | list | tuple | dict) and (
        hasattr(r, "__dict__")
    )


def _standin_attributes(func, name) -> list[str]:
    """The attributes the function reads on its parameter ``name`` (``net.weights``), when
    they are a network's (weights, biases, W1, params, num_layers, cost_derivative, ...)."""
    tree = _source_tree(func)
    attrs = []
    for node in ast.walk(tree) if tree else ():
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == name):  # fmt: skip
            attrs.append(node.attr)
    attrs = list(dict.fromkeys(attrs))
    known = [a for a in attrs if a.lower() in _STANDIN or re.fullmatch(r"[WwBb]\d+", a)]
    return attrs if known and len(known) == len(attrs) else []


def _cost_prime(dc_da, reading):
    """``cost_derivative(a, y)`` in the student's layout (rows: transposed in and out)."""

    def cost_derivative(a, y):
        a, y = np.asarray(a), np.asarray(y)
        if reading.rows:
            return dc_da(a.T, y.T).T
        return dc_da(a, y)

    return cost_derivative


def _self_attributes(func, stored: bool = False) -> set[str]:
    """The attributes a method reads on ``self`` (or, with ``stored``, assigns)."""
    tree = _source_tree(func)
    want = ast.Store if stored else ast.Load
    return {n.attr for n in ast.walk(tree) if tree and isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"
            and isinstance(n.ctx, want)} if tree else set()  # fmt: skip


def _instance_param_arrays(inst, iface) -> list[np.ndarray]:
    return [c[k] for c, k, _, _ in _slots(inst, iface) if isinstance(c[k], np.ndarray)]


def _attributes_read(func, params) -> set[str]:
    out = set()
    for p in params:
        out |= _subscript_attributes(func, p)
    return out


def _layer_class(module, func, attrs):
    """A class, in the function's module or the modules it imports, whose __init__ sets
    most of the attributes the function uses."""
    seen = []
    for value in list(vars(module).values()) + list(func.__globals__.values()):
        if inspect.ismodule(value) and not value.__name__.startswith(("numpy", "builtins")):
            seen += [v for v in vars(value).values() if inspect.isclass(v)]
        elif inspect.isclass(value):
            seen.append(value)
    best = None
    for cls in dict.fromkeys(seen):
        tree = _source_tree(cls)
        if tree is None:
            continue
        made = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "self"}  # fmt: skip
        score = len(attrs & made)
        if score >= max(2, len(attrs) // 2) and (best is None or score > best[0]):
            best = (score, cls)
    return best[1] if best else None


def _shown_value(v) -> str:
    if v is np.float64:
        return "np.float64"
    return f"{v:g}" if isinstance(v, float) else repr(v)


def _fits_as(a: np.ndarray, like: tuple, shape: tuple) -> bool:
    """Has ``a`` the student's shape of a parameter, derive's, or the flat one?"""
    return a.shape in (like, shape) or (a.ndim == 1 and a.size == int(np.prod(shape)))


def _arrayish(r) -> bool:
    return isinstance(r, np.ndarray | float | int) and np.ndim(r) >= 1


def _rows_by_weights(inst, iface) -> bool:
    """Does the instance keep W1 as (in, out), the layout of code with samples as rows?"""
    for shape, q in _instance_arrays(inst, iface):
        if q.startswith("W"):
            s = tuple(iface.net.params[q].shape)
            return shape == s[::-1] and shape != s
    return False


def _instance_arrays(inst, iface):
    """(shape, param) for each array of the instance that holds a parameter."""
    out = []
    for _, _, shape, q in _slots(inst, iface):
        out.append((shape, q))
    return out


def _slots(inst, iface):
    """(container, key, shape, param): where the instance keeps each parameter. By name
    (``self.params['W1']``, ``self.W1``, ``self.weights[0]``), else by shape and order."""
    net, layers = iface.net, iface.layers
    shapes = {q: tuple(net.params[q].shape) for q in net.params}

    def fits(a, q):
        flat = a.ndim == 1 and a.size == int(np.prod(shapes[q])) and 1 in shapes[q]
        return a.shape in (shapes[q], shapes[q][::-1]) or flat

    out, done = [], set()
    attrs = vars(inst)
    for value in attrs.values():  # a dict of parameters, keyed by their names
        if isinstance(value, dict):
            for key, a in value.items():
                q = next((q for q in net.params if q.lower() == str(key).lower()), None)
                if q and isinstance(a, np.ndarray) and fits(a, q) and q not in done:
                    out.append((value, key, a.shape, q))
                    done.add(q)
    for attr, value in attrs.items():  # self.W1, self.b1
        q = next((q for q in net.params if q.lower() == attr.lower()), None)
        if q and isinstance(value, np.ndarray) and fits(value, q) and q not in done:
            out.append((attrs, attr, value.shape, q))
            done.add(q)
    for value in attrs.values():  # lists by layer: self.weights, self.biases
        if isinstance(value, list) and len(value) == len(layers) and value and all(
                isinstance(a, np.ndarray) for a in value):  # fmt: skip
            for kind in ("W", "b"):
                names = [getattr(lay, kind) for lay in layers]
                if None in names or any(q in done for q in names):
                    continue
                if all(fits(a, q) for a, q in zip(value, names, strict=True)):
                    for i, (a, q) in enumerate(zip(value, names, strict=True)):
                        out.append((value, i, a.shape, q))
                        done.add(q)
                    break
    for value in attrs.values():  # a list of layer objects: self.layers[0].W
        if not (isinstance(value, list) and len(value) == len(layers)):
            continue
        if not all(hasattr(o, "__dict__") and not isinstance(o, np.ndarray) for o in value):
            continue
        for obj, lay in zip(value, layers, strict=True):
            for key, a in vars(obj).items():
                if not isinstance(a, np.ndarray):
                    continue
                kind = "W" if key.lower() in ("w", "weights", "weight", "kernel") else (
                    "b" if key.lower() in ("b", "bias", "biases") else None)  # fmt: skip
                q = getattr(lay, kind) if kind else None
                if q and q not in done and fits(a, q):
                    out.append((vars(obj), key, a.shape, q))
                    done.add(q)
    rest = [q for q in net.params if q not in done]
    for attr, value in attrs.items():  # other arrays, by shape in the order __init__ made them
        if not rest or not isinstance(value, np.ndarray):
            continue
        q = next((q for q in rest if fits(value, q)), None)
        if q:
            out.append((attrs, attr, value.shape, q))
            rest.remove(q)
    return out


def _set_instance_params(inst, iface, values) -> dict[str, tuple]:
    """Put the drawn parameters into the instance where its __init__ put its own; the
    student's shape of each."""
    slots = _slots(inst, iface)
    missing = set(iface.net.params) - {q for *_, q in slots}
    if missing:
        names = ", ".join(sorted(missing))
        raise _no(
            iface.name, iface.path, f"the instance keeps no array derive can match to {names}"
        )
    # W kept as (in, out): told by the weights that are not square, and said of them all
    flipped = any(
        shape == tuple(iface.net.params[q].shape)[::-1] != tuple(iface.net.params[q].shape)
        for *_, shape, q in slots
        if q.startswith("W")
    )
    likes = {}
    for container, key, shape, q in slots:
        likes[q] = like(shape, flipped=flipped and q.startswith("W") and len(shape) == 2)
        container[key] = to_student(values[q], likes[q])
    return likes


_LAYER_COUNTS = {"l", "num_layers", "n_layers", "nlayers", "n_layer", "num_layer", "depth"}


def layer_count_hint(func, layers: int) -> str | None:
    """A line that takes the number of layers from an array's shape (``L = AL.shape[1]``,
    the number of samples as the columns), when the function has one."""
    tree = _source_tree(func)
    for node in ast.walk(tree) if tree else ():
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if (isinstance(target, ast.Name) and target.id.lower() in _LAYER_COUNTS
                and isinstance(value, ast.Subscript) and isinstance(value.value, ast.Attribute)
                and value.value.attr == "shape"):  # fmt: skip
            line = ast.unparse(node)
            return (
                f"`{line}` takes the number of layers from an array's shape, a count of "
                f"samples or units, where the network has {layers} layers (len(caches))"
            )
    return None
