"""A plain NumPy (float64) implementation of Keras 3 training for Dense stacks: the
independent oracle the trainer tests compare fastkeras's per-epoch losses with."""

import numpy as np

EPS = 1e-7


def _act(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z


def _act_grad(name, y, g):
    """dL/dz from dL/dy, with y = act(z)."""
    if name == "relu":
        return g * (y > 0)
    if name == "sigmoid":
        return g * y * (1 - y)
    if name == "tanh":
        return g * (1 - y * y)
    if name == "softmax":
        return y * (g - (g * y).sum(axis=1, keepdims=True))
    return g


def _loss(loss, y, p):
    """Per-sample losses and dL/dp for the batch mean (sum_over_batch_size)."""
    n = len(p)
    if loss == "binary_crossentropy":
        c = np.clip(p, EPS, 1 - EPS)
        per = -(y * np.log(c) + (1 - y) * np.log(1 - c)).mean(axis=1)
        inside = (p >= EPS) & (p <= 1 - EPS)
        d = (-(y / c) + (1 - y) / (1 - c)) * inside / p.shape[1]
    elif loss == "sparse_categorical_crossentropy":
        s = p.sum(axis=1, keepdims=True)
        q = p / s
        qc = np.clip(q, EPS, 1 - EPS)
        onehot = np.eye(p.shape[1])[y.reshape(-1)]
        per = -(onehot * np.log(qc)).sum(axis=1)
        dq = -(onehot / qc) * ((q >= EPS) & (q <= 1 - EPS))
        d = (dq - (dq * q).sum(axis=1, keepdims=True)) / s
    elif loss == "mean_squared_error":
        per = ((p - y) ** 2).mean(axis=1)
        d = 2 * (p - y) / p.shape[1]
    else:
        raise ValueError(loss)
    return per, d / n


class NumpyAdam:
    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps = learning_rate, beta_1, beta_2, epsilon
        self.t, self.m, self.v = 0, None, None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m += (g - m) * (1 - self.b1)
            v += (g * g - v) * (1 - self.b2)
            p -= alpha * m / (np.sqrt(v) + self.eps)


class NumpySGD:
    def __init__(self, learning_rate, momentum=0.0, nesterov=False):
        self.lr, self.mom, self.nesterov = learning_rate, momentum, nesterov
        self.m = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
        for p, g, m in zip(params, grads, self.m):
            m[...] = self.mom * m - self.lr * g
            p += (self.mom * m - self.lr * g) if self.nesterov else m


def forward(weights, activations, x):
    outs = [x]
    for i, act in enumerate(activations):
        outs.append(_act(act, outs[-1] @ weights[2 * i] + weights[2 * i + 1]))
    return outs


def train(weights, activations, loss, optimizer, x, y, batch_size, epochs):
    """Per-epoch mean training loss (batch means weighted by batch size), shuffle=False."""
    weights = [w.astype(np.float64) for w in weights]
    history = []
    for _ in range(epochs):
        total = 0.0
        for lo in range(0, len(x), batch_size):
            xb, yb = x[lo:lo + batch_size].astype(np.float64), y[lo:lo + batch_size]
            outs = forward(weights, activations, xb)
            per, g = _loss(loss, yb, outs[-1])
            total += per.mean() * len(xb)
            grads = [None] * len(weights)
            for i in reversed(range(len(activations))):
                g = _act_grad(activations[i], outs[i + 1], g)
                grads[2 * i] = outs[i].T @ g
                grads[2 * i + 1] = g.sum(axis=0)
                g = g @ weights[2 * i].T
            optimizer.step(weights, grads)
        history.append(total / len(x))
    return history, weights
