"""``derive check NOTES``: read the notes (``read``), split formulas into claims (``tex``,
``names``, ``expr``, ``claims``), build the network they describe (``network``) and judge each
claim by arithmetic (``arith``), derivatives and chain rules (``deriv``) at random points
(``numbers``); ``walk`` goes through the notes, ``state`` holds what the checks share, ``report``
writes the verdicts.
"""
