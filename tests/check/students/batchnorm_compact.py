"""A correct backward pass for examples/batchnorm.toml, with batch norm's compact gradient as
courses write it: dz1 = (m dxhat - sum dxhat - xhat sum(dxhat xhat)) / (m sqrt(var + eps))."""

import numpy as np


def backward(X, Y, params, cache):
    m = X.shape[1]
    W3, gamma2 = params["W3"], params["gamma2"]
    A2, A3, xhat2, var2 = cache["A2"], cache["A3"], cache["xhat2"], cache["var2"]
    dz3 = (A3 - Y) / m
    dW3 = dz3 @ A2.T
    db3 = dz3.sum(axis=1, keepdims=True)
    dz2 = (W3.T @ dz3) * (cache["z2"] > 0)
    dgamma2 = (dz2 * xhat2).sum(axis=1, keepdims=True)
    dbeta2 = dz2.sum(axis=1, keepdims=True)
    dxhat = dz2 * gamma2
    total = dxhat.sum(axis=1, keepdims=True)
    along = (dxhat * xhat2).sum(axis=1, keepdims=True)
    dz1 = (m * dxhat - total - xhat2 * along) / (m * np.sqrt(var2 + 1e-5))
    dW1 = dz1 @ X.T
    db1 = dz1.sum(axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dgamma2": dgamma2, "dbeta2": dbeta2, "dW3": dW3, "db3": db3}
