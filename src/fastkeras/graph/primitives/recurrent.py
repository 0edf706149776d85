"""Recurrent cell primitives: one timestep's gates and state update of an LSTM or a GRU
(tanh candidate, sigmoid gates: Keras's defaults) as one kernel, and its gradient as another.
The recurrent layers' scan body binds them (layers/rnn/cells.py) in place of the chain of
slices, activations, products and sums that the same math takes as a composite; other
activations keep the composite.

  lstm_cell(x (B, 4u), inner (B, 4u), c_prev (B, u)) -> h (B, u), c (B, u), acts (B, 5u)
      x the input projection with the bias, inner = h_prev @ U; z = x + inner holds the
      gates side by side in Keras's order i, f, g, o:
      c = sigmoid(z_f) * c_prev + sigmoid(z_i) * tanh(z_g);  h = sigmoid(z_o) * tanh(c);
      acts = [sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o), tanh(c)]
  lstm_cell_grad(acts, c_prev, dh, dc) -> dz (B, 4u), dc_prev (B, u)
      the VJP of lstm_cell given its cotangents dh, dc (dz is x's and inner's cotangent)
  gru_cell(x (B, 3u), inner (B, 3u), h_prev (B, u)) -> h (B, u), acts (B, 3u)
      reset_after=True: x the input projection with the input bias, inner = h_prev @ U +
      recurrent bias, gates side by side in Keras's order z, r, h:
      z = sigmoid(x_z + inner_z); r = sigmoid(x_r + inner_r);
      hh = tanh(x_h + r * inner_h);  h = z * h_prev + (1 - z) * hh;  acts = [z, r, hh]
  gru_cell_grad(acts, inner, h_prev, dh) -> dx (B, 3u), dinner (B, 3u), dh_prev (B, u)
      the VJP of gru_cell given dh (dh_prev: the direct path only; inner's carries the rest)

`acts` are the step's activations, which the gradient reads instead of recomputing them:
the transcendentals are most of a step's elementwise cost, and the backward pass's copy of
each forward step is merged into the forward's (graph/cse.py), so they are computed once.
A cotangent of `acts` itself (nothing in the layers has one) is taken through the usual
activation gradients.

Row i of every output depends on row i of every operand only ("elementwise" rows). The
grad primitives have no VJP (second derivatives of a recurrent layer are not supported).
Native encoding: no attributes."""

from __future__ import annotations

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import require_float, require_same_dtype
from .elementwise import _sigmoid


def _check(name, specs, widths):
    """Operands (B, w*u) for w in `widths`, one float dtype; returns (B, u, dtype)."""
    dtype = require_same_dtype(name, specs)
    require_float(name, dtype)
    shapes = [tuple(s) for s, _ in specs]
    if any(len(s) != 2 for s in shapes):
        raise ValueError(f"{name}: expected 2-D (batch, features) operands, got {shapes}")
    batch, units = shapes[0][0], shapes[0][1] // widths[0]
    want = [(batch, w * units) for w in widths]
    if shapes != want:
        raise ValueError(f"{name}: operand shapes {shapes} do not fit a cell of {units} units "
                         f"over a batch of {batch} (expected {want})")
    return batch, units, dtype


def _split(x, parts):
    return np.split(x, parts, axis=1)


def _zeros_like(t):
    return t.graph.constant(np.zeros(t.shape, t.dtype))


def _blocks(t, parts):
    """t's `parts` equal column blocks, as graph slices."""
    size = t.shape[1] // parts
    return [bind("slice", t, axis=1, start=k * size, stop=(k + 1) * size) for k in range(parts)]


def _join(*blocks):
    return bind("concatenate", *blocks, axis=1)


# ---- LSTM ---------------------------------------------------------------------------------
def _lstm_rule(specs, attrs):
    b, u, dtype = _check("lstm_cell", specs, (4, 4, 1))
    return [((b, u), dtype), ((b, u), dtype), ((b, 5 * u), dtype)]


def _lstm_ref(x, inner, c_prev):
    zi, zf, zg, zo = _split(x + inner, 4)
    i, f, g, o = _sigmoid(zi), _sigmoid(zf), np.tanh(zg), _sigmoid(zo)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return o * tc, c, np.concatenate([i, f, g, o, tc], axis=1)


def _lstm_vjp(n, g):
    acts, c_prev = n.outputs[2], n.inputs[2]
    dh, dc = (t if t is not None else _zeros_like(o) for t, o in zip(g[:2], n.outputs))
    d_acts = None
    if g[2] is not None:  # through the activations: tanh(c)'s reaches c, the gates' z
        i, f, gg, o, tc = _blocks(acts, 5)
        gi, gf, ggg, go, gtc = _blocks(g[2], 5)
        dc = bind("add", dc, bind("tanh_grad", tc, gtc))
        d_acts = _join(bind("sigmoid_grad", i, gi), bind("sigmoid_grad", f, gf),
                       bind("tanh_grad", gg, ggg), bind("sigmoid_grad", o, go))
    dz, dc_prev = bind("lstm_cell_grad", acts, c_prev, dh, dc)
    if d_acts is not None:
        dz = bind("add", dz, d_acts)
    return [dz, dz, dc_prev]


def _lstm_grad_rule(specs, attrs):
    b, u, dtype = _check("lstm_cell_grad", specs, (5, 1, 1, 1))
    return [((b, 4 * u), dtype), ((b, u), dtype)]


def _lstm_grad_ref(acts, c_prev, dh, dc):
    i, f, g, o, tc = _split(acts, 5)
    dc = dc + dh * o * (1 - tc * tc)  # the cell's total cotangent: carried + through h
    dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
    return dz, dc * f


register(Primitive(
    "lstm_cell", _lstm_rule, _lstm_ref, vjp=_lstm_vjp, diff_inputs=(0, 1, 2),
    rows="per_row",
    doc="one LSTM step's gates and state (i, f, g, o; sigmoid gates, tanh candidate)"))
register(Primitive(
    "lstm_cell_grad", _lstm_grad_rule, _lstm_grad_ref, rows="per_row",
    doc="lstm_cell's VJP: (acts, c_prev, dh, dc) -> (dz, dc_prev)"))


# ---- GRU ----------------------------------------------------------------------------------
def _gru_rule(specs, attrs):
    b, u, dtype = _check("gru_cell", specs, (3, 3, 1))
    return [((b, u), dtype), ((b, 3 * u), dtype)]


def _gru_ref(x, inner, h_prev):
    xz, xr, xh = _split(x, 3)
    iz, ir, ih = _split(inner, 3)
    z, r = _sigmoid(xz + iz), _sigmoid(xr + ir)
    hh = np.tanh(xh + r * ih)
    return z * h_prev + (1 - z) * hh, np.concatenate([z, r, hh], axis=1)


def _gru_vjp(n, g):
    acts, (_, inner, h_prev) = n.outputs[1], n.inputs
    dh = g[0] if g[0] is not None else _zeros_like(n.outputs[0])
    dx, dinner, dh_prev = bind("gru_cell_grad", acts, inner, h_prev, dh)
    if g[1] is not None:  # through the activations: the candidate's reaches r too
        z, r, hh = _blocks(acts, 3)
        gz, gr, ghh = _blocks(g[1], 3)
        d_hh = bind("tanh_grad", hh, ghh)
        d_r = bind("sigmoid_grad", r, bind("add", gr, bind("multiply", d_hh,
                                                              _blocks(inner, 3)[2])))
        d_z = bind("sigmoid_grad", z, gz)
        dx = bind("add", dx, _join(d_z, d_r, d_hh))
        dinner = bind("add", dinner, _join(d_z, d_r, bind("multiply", d_hh, r)))
    return [dx, dinner, dh_prev]


def _gru_grad_rule(specs, attrs):
    b, u, dtype = _check("gru_cell_grad", specs, (3, 3, 1, 1))
    return [((b, 3 * u), dtype), ((b, 3 * u), dtype), ((b, u), dtype)]


def _gru_grad_ref(acts, inner, h_prev, dh):
    z, r, hh = _split(acts, 3)
    ih = _split(inner, 3)[2]
    dz = (dh * h_prev - dh * hh) * z * (1 - z)
    dhh = dh * (1 - z) * (1 - hh * hh)
    dr = dhh * ih * r * (1 - r)
    return (np.concatenate([dz, dr, dhh], axis=1), np.concatenate([dz, dr, dhh * r], axis=1),
            dh * z)


register(Primitive(
    "gru_cell", _gru_rule, _gru_ref, vjp=_gru_vjp, diff_inputs=(0, 1, 2), rows="per_row",
    doc="one GRU step (reset_after=True; z, r, h gates; sigmoid gates, tanh candidate)"))
register(Primitive(
    "gru_cell_grad", _gru_grad_rule, _gru_grad_ref, rows="per_row",
    doc="gru_cell's VJP: (acts, inner, h_prev, dh) -> (dx, dinner, dh_prev)"))
