"""derive: backpropagation derived by SymPy.

From Python (a notebook, a script): ``derive.load("seed")`` or ``derive.Network.from_layers``
give a ``derive.api.Network``. They are imported on first use, so ``import derive`` stays cheap
(no SymPy, no NumPy) for the command line.
"""

__all__ = ["load", "Network", "GradCheck"]


def __getattr__(name: str):
    if name in __all__:
        from derive import api

        return getattr(api, name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
