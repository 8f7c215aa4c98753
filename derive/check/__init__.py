"""Checking a student's work against the derivation: ``notes`` reads notes (Markdown, LaTeX or
plain text) and judges each claim; ``code`` calls a student's backward function and judges each
gradient it returns.

May import: ``derive.emit``, ``derive.engine``, ``derive.errors``, ``derive.fileio`` and itself.
"""
