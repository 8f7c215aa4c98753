"""derive: backpropagation derived by SymPy."""
