"""`fastkeras bench` W4 (small CNN), W6 (Embedding -> LSTM) and W6's GRU and transformer
variants: definitions, FLOP and byte counts, data, and the models in every framework.

fastkeras always runs; a peer's tests run where it is importable (Keras 3, torch, jax with
optax are not installed in the dev venv: run them with the peers' site-packages on
PYTHONPATH and KERAS_BACKEND=jax)."""

import dataclasses
import importlib.util
import json

import numpy as np
import pytest

from fastkeras.bench import ceiling, harness, inference, report, runners
from fastkeras.bench.layer_workloads import CnnWorkload, Gemm
from fastkeras.bench.models import model_family
from fastkeras.bench.workloads import WORKLOADS, make_data

LAYERED = ("W4", "W6", "W6GRU", "W6TF")


def _small(wid):
    """The workload with small sizes, for training steps in a test's time."""
    w = WORKLOADS[wid]
    if isinstance(w, CnnWorkload):
        return dataclasses.replace(w, id=wid + "S", image=(12, 12, 1), batch_size=16,
                                   latency_calls=5)
    return dataclasses.replace(w, id=wid + "S", seq_len=7, vocab=50, batch_size=16,
                               latency_calls=5)


def test_w4_definition_and_counts():
    w = WORKLOADS["W4"]
    assert (w.n_samples, w.image, w.filters, w.kernel, w.pool, w.classes, w.batch_size) == (
        16384, (28, 28, 1), (32, 64), 3, 2, 10, 128)
    assert w.loss == "sparse_categorical_crossentropy" and w.out_activation == "softmax"
    # 28 -conv3-> 26 -pool2-> 13 -conv3-> 11 -pool2-> 5 (floor)
    assert w.feature_maps() == [((26, 26, 32), (13, 13, 32)), ((11, 11, 64), (5, 5, 64))]
    assert w.flat_dim == 1600
    assert w.gemms() == [Gemm(676, 9, 32), Gemm(121, 288, 64), Gemm(1, 1600, 10)]
    assert w.forward_flops_per_sample == 2 * (676 * 9 * 32 + 121 * 288 * 64 + 1600 * 10) \
        == 4_881_920
    assert w.flops_per_sample == 14_645_760
    assert w.param_count == (9 * 32 + 32) + (9 * 32 * 64 + 64) + (1600 * 10 + 10) == 34_826
    act = 26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 10
    assert w.activation_bytes_per_sample == 4 * act
    assert w.bytes_per_sample() == 784 * 4 + 4 + 4 * 4 * act + 7 * 4 * 34_826 // 128
    # The W4 limit, ~16,000 samples/s, is this count at a ~234 GFLOP/s peak.
    assert 15_500 < 234e9 / w.flops_per_sample < 16_500


def test_w6_family_definitions_and_counts():
    w6, gru, tf = WORKLOADS["W6"], WORKLOADS["W6GRU"], WORKLOADS["W6TF"]
    for w in (w6, gru, tf):
        assert (w.n_samples, w.seq_len, w.vocab, w.embed_dim, w.batch_size) == (
            8192, 80, 10000, 64, 64)
        assert w.loss == "binary_crossentropy" and w.out_activation == "sigmoid"
    assert (w6.cell, gru.cell, tf.cell) == ("lstm", "gru", "transformer")
    # WORKLOADS.md: ~66k FLOPs per step x 80 steps = 5.3 MFLOP forward, ~16 training.
    assert w6.forward_flops_per_sample == 80 * 2 * (64 * 256 + 64 * 256) + 2 * 64 \
        == 5_243_008
    assert w6.flops_per_sample == 15_729_024
    assert gru.forward_flops_per_sample == 80 * 2 * (64 * 192 + 64 * 192) + 128
    per_token = 3 * 2 * 64 * 64 + 2 * (2 * 2 * 80 * 32) + 2 * 64 * 64 + 2 * 2 * 64 * 64
    assert tf.forward_flops_per_sample == 80 * per_token + 128 == 5_570_688
    assert (tf.heads, tf.key_dim, tf.ff_dim) == (2, 32, 64)
    # Keras's parameter counts (the fastkeras models below agree).
    assert w6.param_count == 640_000 + 4 * 64 * 128 + 256 + 65 == 673_089
    assert gru.param_count == 640_000 + 3 * 64 * 128 + 2 * 192 + 65 == 665_025
    assert tf.param_count == 670_401
    assert 14_000 < 234e9 / w6.flops_per_sample < 15_500   # the issue's ~14,600
    with pytest.raises(ValueError, match="Unknown sequence cell 'rnn'"):
        dataclasses.replace(w6, cell="rnn")


@pytest.mark.parametrize("wid", LAYERED)
def test_matmul_shapes_add_up_and_ceiling_times_them(wid, monkeypatch):
    w = WORKLOADS[wid]
    shapes = w.matmul_shapes()
    assert len(shapes) == 3 * len(w.gemms())
    flops = sum(ceiling.shape_flops(s) for s in shapes)
    assert flops == w.flops_per_sample * w.batch_size
    fwd = w.matmul_shapes(8, training=False)
    assert sum(ceiling.shape_flops(s) for s in fwd) == w.forward_flops_per_sample * 8
    monkeypatch.setattr(ceiling, "_ROUND_S", 0.002)
    r = ceiling.measure([{"id": wid, "batch": 8, "shapes": fwd}])[wid]
    assert r["flops_per_step"] == w.forward_flops_per_sample * 8 and r["gflops"] > 0
    assert len(r["per_shape"]) == len(fwd)


def test_ceiling_operands_repeat_and_batch():
    import numpy as np
    ops = ceiling._operands([[3, 4, 5, "", 2, 1], [6, 7, 8, "b", 1, 3], [2, 3, 4, "a"]],
                            np.random.default_rng(0))
    assert len(ops) == 2 + 1 + 1 and ops[0] is ops[1]      # the recurrent call, twice
    a, b, c = ops[2]
    assert a.shape == (3, 6, 7) and b.shape == (3, 7, 8) and c.shape == (3, 6, 8)
    assert not b.flags.c_contiguous                        # a transposed view
    a, b, c = ops[3]
    assert a.shape == (2, 3) and not a.flags.c_contiguous and c.shape == (2, 4)
    assert ceiling._offsets([[3, 4, 5, "", 2, 1], [6, 7, 8, "b", 1, 3]]) == [0, 2]


def test_w4_data():
    w = WORKLOADS["W4"]
    x, y = make_data(w, 256)
    assert x.dtype == np.float32 and x.shape == (256, 28, 28, 1)
    assert y.dtype == np.int32 and y.shape == (256,) and 0 <= y.min() and y.max() < 10
    assert len(np.unique(y)) == 10
    rng = np.random.default_rng(0)
    teacher = rng.standard_normal((784, 10)).astype(np.float32)
    assert (y == np.argmax(x.reshape(256, 784) @ teacher, axis=1)).all()
    x2, y2 = make_data(w, 64)     # the same teacher for any n: a prefix of the same draw
    assert (y2 == np.argmax(x2.reshape(64, 784) @ teacher, axis=1)).all()


def test_w6_data():
    w = WORKLOADS["W6"]
    x, y = make_data(w, 512)
    assert x.dtype == np.int32 and x.shape == (512, 80) and x.min() >= 1 and x.max() < 10000
    assert y.dtype == np.float32 and y.shape == (512, 1) and set(np.unique(y)) == {0.0, 1.0}
    assert 0.4 < y.mean() < 0.6
    teacher = np.random.default_rng(0).standard_normal(10000).astype(np.float32)
    assert (y[:, 0] == (teacher[x].sum(axis=1) > 0)).all()
    x2, y2 = make_data(WORKLOADS["W6TF"], 512)       # variants share W6's data
    assert (x2 == x).all() and (y2 == y).all()


@pytest.mark.parametrize("wid", LAYERED)
def test_fastkeras_builds_the_full_size_models(wid):
    import fastkeras as keras
    w = WORKLOADS[wid]
    model = model_family(w).keras(keras, w)
    assert model.count_params() == w.param_count
    x, _ = make_data(w, 2)
    out = np.asarray(model.predict(x, verbose=0))
    assert out.shape == ((2, 10) if wid == "W4" else (2, 1))
    assert np.isfinite(out).all() and ((out > 0) & (out < 1)).all()


@pytest.mark.parametrize("wid", LAYERED)
def test_fastkeras_runner_trains_and_times_one_row_predict(wid, monkeypatch):
    w = _small(wid)
    monkeypatch.setitem(WORKLOADS, w.id, w)
    monkeypatch.setattr(runners, "_LATENCY_MAX_S", 0.5)
    monkeypatch.setattr(inference, "_WARMUP_S", 0.0)
    r = runners.run("fastkeras:cpu", w.id, 2, 32)
    assert r["n_samples"] == 32 and len(r["epoch_times"]) == 2
    assert set(r["latency"]) == {"predict(x, verbose=0)", "model(x)", "predict_on_batch(x)"}
    assert all(v["mean_us"] > 0 and v["calls"] == 5 for v in r["latency"].values())


def test_require_layers_names_what_is_missing():
    import types
    from fastkeras.bench.sequence_models import keras_sequence
    fake = types.SimpleNamespace(__name__="fakekeras",
                                 layers=types.SimpleNamespace(Embedding=1, Dense=1))
    with pytest.raises(NotImplementedError, match=r"fakekeras lacks keras\.layers\."
                       r"MultiHeadAttention, keras\.layers\.LayerNormalization, "
                       r"keras\.layers\.Add, keras\.layers\.GlobalAveragePooling1D "
                       r"\(the W6TF model needs them\)"):
        keras_sequence(fake, WORKLOADS["W6TF"])


def test_slow_call_latency_is_capped():
    import time
    r = inference._latency(lambda: time.sleep(0.01), 1000, max_s=0.1)
    assert 5 <= r["calls"] < 20 and r["mean_us"] >= 1e4


def test_report_counts_limit_and_trained_latency(capsys):
    w = WORKLOADS["W6"]
    rows = [harness.summarise_training(
        {"framework": fw, "workload": "W6", "n_samples": 8192, "epoch_times": [9.0, t, t],
         "latency": {call: {"mean_us": us, "median_us": us, "calls": 500}}}, w, 234.0)
        for fw, t, call, us in (("fastkeras:cpu", 0.5, "predict(x, verbose=0)", 100.0),
                                ("torch", 2.0, "model(x) in inference_mode", 400.0))]
    rows.append({"framework": "jax", "workload": "W6", "n_samples": 8192,
                 "epoch_times": [1.0, 1.0], "latency_error": "RuntimeError: x"})
    harness.summarise_training(rows[-1], w)
    assert rows[0]["limit_samples_per_s"] == pytest.approx(234e9 / 15_729_024)
    assert rows[0]["pct_peak"] == pytest.approx(100 * 16384 / rows[0]["limit_samples_per_s"])
    report.print_training(rows, ["torch", "jax"], {}, 3, 234.0)
    report.print_trained_latency(rows, ["torch", "jax"])
    out = capsys.readouterr().out
    assert "15.73 MFLOP, >= 1.20 MB moved" in out
    assert "limit at peak 14,877 samples/s: %peak is the share of it reached" in out
    assert "W6 predict on 1 row with the trained model" in out
    assert "4.00x" in out                        # 400 us against fastkeras's 100
    assert "jax                  error: RuntimeError: x" in out


def _args(argv):
    import argparse
    p = argparse.ArgumentParser()
    harness.add_arguments(p)
    return p.parse_args(argv)


def test_main_w4_w6_on_the_cpu_backend(tmp_path, capsys, monkeypatch):
    for wid in ("W4", "W6"):   # few one-row calls: the test is about the wiring
        monkeypatch.setitem(WORKLOADS, wid, dataclasses.replace(WORKLOADS[wid],
                                                                latency_calls=3))
    monkeypatch.setattr(harness, "_train", _in_process_train)
    out = tmp_path / "bench.json"
    args = _args(["--samples", "128", "--epochs", "2", "--peers", "", "--backends", "cpu",
                  "--workloads", "W4,W6", "--no-limits", "--json", str(out)])
    assert harness.main(args) == 0
    w4, w6 = json.loads(out.read_text())["training"]
    for r, wid in ((w4, "W4"), (w6, "W6")):
        assert "error" not in r, r
        assert r["workload"] == wid and r["n_samples"] == 128 and r["samples_per_s"] > 0
        assert r["latency"]["predict(x, verbose=0)"]["calls"] == 3
    text = capsys.readouterr().out
    assert "W4 predict on 1 row with the trained model" in text
    assert "W6 predict on 1 row with the trained model" in text


def _in_process_train(fw, wid, args):
    """harness._train without the subprocess, so the test's monkeypatches hold."""
    return dict({"framework": fw, "workload": wid},
                **runners.run(fw, wid, args.epochs, args.samples))


# The peers, where importable.

def _peer_available(name):
    return importlib.util.find_spec(name) is not None


def _peer(name):
    if not _peer_available(name):
        pytest.skip(f"{name} is not installed here (a peer: pip install 'fastkeras[peers]')")


@pytest.mark.parametrize("fw", ["torch", "jax", "keras"])
@pytest.mark.parametrize("wid", ["W4", "W6"])
def test_peer_runner_trains_and_times_one_row_predict(fw, wid, monkeypatch):
    """The bench's W4 and W6 in each peer's runner (the variants' models are checked
    below: parameter counts, and the JAX forward pass against fastkeras's)."""
    _peer(fw)
    if fw == "jax":
        _peer("optax")
    w = _small(wid)
    monkeypatch.setitem(WORKLOADS, w.id, w)
    monkeypatch.setattr(runners, "_LATENCY_MAX_S", 0.5)
    monkeypatch.setattr(inference, "_WARMUP_S", 0.0)
    r = runners.run(fw, w.id, 2, 32)
    assert r["n_samples"] == 32 and len(r["epoch_times"]) == 2, r
    assert all(v["mean_us"] > 0 for v in r["latency"].values()), r


@pytest.mark.parametrize("wid", LAYERED)
def test_peer_models_have_keras_s_parameter_count(wid):
    w = WORKLOADS[wid]
    family = model_family(w)
    seen = 0
    if _peer_available("torch"):
        import torch
        model = family.torch(torch, w)
        # torch's LSTM keeps two biases (input and recurrent) where Keras keeps their sum.
        extra = 4 * w.units if getattr(w, "cell", "") == "lstm" else 0
        assert sum(p.numel() for p in model.parameters()) == w.param_count + extra
        x, _ = make_data(w, 3)
        assert tuple(model(family.torch_input(torch, x)).shape) == (
            (3, 10) if wid == "W4" else (3, 1))
        seen += 1
    if _peer_available("jax"):
        import jax
        params = family.jax_init(w)
        assert sum(int(np.prod(p.shape)) for p in jax.tree_util.tree_leaves(params)) \
            == w.param_count
        seen += 1
    if not seen:
        pytest.skip("neither torch nor jax is installed here")


@pytest.mark.parametrize("wid", LAYERED)
def test_jax_model_computes_the_fastkeras_model(wid):
    """The JAX peer's hand-written forward pass, given the fastkeras model's weights,
    gives its predictions: the peers run the same model."""
    _peer("jax")
    import jax
    import fastkeras as keras
    w = _small(wid)
    family = model_family(w)
    model = family.keras(keras, w, compile=False)
    x, _ = make_data(w, 4)
    params = _jax_params_from_keras(w, model.get_weights())
    act = jax.nn.sigmoid if w.out_activation == "sigmoid" else jax.nn.softmax
    got = np.asarray(act(family.jax_logits(w, params, x)))
    np.testing.assert_allclose(got, np.asarray(model.predict(x, verbose=0)),
                               rtol=1e-4, atol=1e-5)


def _jax_params_from_keras(w, weights):
    """Keras's get_weights() order -> the jax params of cnn_models / sequence_models."""
    import jax.numpy as jnp
    ws = [jnp.asarray(a) for a in weights]
    if isinstance(w, CnnWorkload):
        conv = [(ws[2 * i], ws[2 * i + 1]) for i in range(len(w.filters))]
        return {"conv": conv, "dense": (ws[-2], ws[-1])}
    p = {"emb": ws[0], "out": (ws[-2], ws[-1])}
    if w.cell != "transformer":
        p["kernel"], p["recurrent"], p["bias"] = ws[1:4]
        return p
    E, inner = w.embed_dim, w.heads * w.key_dim
    p["pos"] = ws[1]
    for i, name in enumerate("qkv"):
        p[name] = (ws[2 + 2 * i].reshape(E, inner), ws[3 + 2 * i].reshape(inner))
    p["o"] = (ws[8].reshape(inner, E), ws[9])
    p["ln1"] = (ws[10], ws[11])
    p["ff1"], p["ff2"] = (ws[12], ws[13]), (ws[14], ws[15])
    p["ln2"] = (ws[16], ws[17])
    return p
