"""``derive check NOTES``: read the notes (``read``), split formulas into claims (``tex``,
``names``, ``expr``, ``claims``), build the network they describe (``network``) and judge each
claim by arithmetic (``arith``), derivatives and chain rules (``deriv``) at random points
(``numbers``), identities (``identities``, with the notes' own functions from ``functions``),
softmax with cross-entropy (``softmax``), stated shapes (``shapes``) and the batch form
(``matrix``: ``matrixread`` reads it, ``matrixeval`` evaluates it on a draw of
``matrixform``'s derivation, ``mistakes`` names the usual errors); ``walk`` goes through the
notes, ``state`` holds what the checks share, ``report`` writes the verdicts.
"""
