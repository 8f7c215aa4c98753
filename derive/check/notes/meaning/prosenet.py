"""The network a note names in its prose: "For the final layer with sigmoid activation and
binary cross-entropy loss", "For ReLU activation in hidden layers".

Notes that derive backpropagation step by step often write no forward pass that applies an
activation and no cost at all, and say in a sentence which ones they mean. A sentence that
names the output (final, last) layer with one activation fixes the output's; one that names
the hidden layers with one activation fixes theirs; one that names a cross-entropy loss (or
cost) fixes the cost. Read only where the note's formulas say nothing of it (no activation
applied in a forward equation, no cost written), and only when the prose names one choice for
each role (a note comparing activations fixes nothing).
"""

from __future__ import annotations

import re

from .conventions import ACT_WORDS, _walk_atoms

_ACTS = {
    "sigmoid": r"sigmoid|logistic",
    "relu": r"relu",
    "tanh": r"tanh",
    "softmax": r"softmax",
    "identity": r"linear|identity",
}
_OUTPUT = re.compile(r"(?i)\b(?:final|output|last|top)\s+layers?\b")
_HIDDEN = re.compile(r"(?i)\bhidden\s+layers?\b")
_CE = re.compile(r"(?i)\b(?:binary\s+)?cross[- ]?entropy\s+(?:loss|cost)\b")
_SENTENCE = re.compile(r"[^.:;!?\n]+")


def _acts_in(sentence: str) -> set[str]:
    return {
        act
        for act, word in _ACTS.items()
        if re.search(rf"(?i)(?<![a-z])(?:{word})(?![a-z])", sentence)
    }


def _forward_names_activation(note) -> bool:
    for _lhs, rhs in note.forward:
        atoms = []
        _walk_atoms(rhs, atoms)
        if any(a.name in ACT_WORDS for a in atoms):
            return True
    return False


def apply(note, segments) -> bool:
    """Fix the output and hidden activations and the cost the prose names; whether it did."""
    if _forward_names_activation(note):
        return False
    output, hidden, costs = set(), set(), set()
    for seg in segments:
        if seg.kind != "text":
            continue
        for sentence in _SENTENCE.findall(seg.text):
            acts = _acts_in(sentence)
            if _CE.search(sentence):
                costs.add("ce")
            if len(acts) != 1:
                continue
            if _OUTPUT.search(sentence) and not _HIDDEN.search(sentence):
                output |= acts
            elif _HIDDEN.search(sentence) and not _OUTPUT.search(sentence):
                hidden |= acts
    done = False
    if len(output) == 1 and output <= set(_ACTS):
        note.output_options = sorted(output)
        done = True
    if len(hidden) == 1 and hidden - {"softmax"}:
        note.hidden_options = sorted(hidden)
        done = True
    if costs == {"ce"} and not note.cost_read and note.known_costs is None and done:
        note.known_costs = ["ce"]
    return done
