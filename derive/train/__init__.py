"""Training with a generated module: datasets, optimizers, the loop, progress, saved runs and
the ``train``/``predict`` commands.

May import: ``derive.emit``, ``derive.engine``, ``derive.errors``, ``derive.fileio`` and itself.
"""
