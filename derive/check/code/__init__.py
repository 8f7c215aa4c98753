"""``derive check FILE.py:FUNC``: load and call a student's backward function (``call``),
evaluate the derivation and its usual mistakes in NumPy (``evaluate``), run both at random
inputs (``run``), name each gradient's verdict (``judge``), write the derivation's steps the
notes' way (``steps``) and the report (``report``); ``main`` ties them together.
"""
