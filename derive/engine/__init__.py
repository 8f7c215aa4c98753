"""The engine: a network as named equations, and its backpropagation by the chain rule.

spec (TOML text) -> ``Network`` (equations over the IR's node types) -> ``derive()`` (reverse
mode, one rule per node type, every elementwise derivative from ``sympy.diff``) -> a
``Derivation``: the steps, deltas and gradients every other stage prints or runs.

May import: ``derive.errors``, ``derive.fileio`` and itself; never ``emit``, ``train``,
``check`` or ``cli`` (``tests/test_layout.py`` reads the imports to hold this).
"""
