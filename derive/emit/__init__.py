"""What is made from a derivation: text (``show``), LaTeX and Markdown documents, generated
NumPy modules, and the finite-difference check of a generated module.

Each target prints the derivation's program; none re-derives anything.

May import: ``derive.engine``, ``derive.errors``, ``derive.fileio`` and itself.
"""
