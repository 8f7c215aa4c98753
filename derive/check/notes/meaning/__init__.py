"""One model of meaning for the formulas in a student's notes.

A formula's text is parsed by a grammar of the notes' math (``grammar``), its symbols are
bound by role to one concrete, randomly drawn network (``instance``, ``bind``), and a claim
is judged by evaluating both sides numerically on that network under the readings the note's
own definitions allow (``conventions``, ``judge``). A claim that cannot be read, or whose
reading is uncertain, is "unknown", never wrong.
"""
