"""`fastkeras bench`: workload definitions, the limit computation and one tiny end-to-end
run on the reference backend (no peers: these tests need neither keras, torch nor jax)."""

import argparse
import json

import pytest

from fastkeras.bench import ceiling, harness, inference, machine, report, timing
from fastkeras.bench.workloads import INFERENCE, WORKLOADS, make_data

CPUINFO = """\
processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model name	: AMD EPYC
cpu MHz		: 2400.000
flags		: fpu sse sse2 avx fma avx2
processor	: 1
vendor_id	: AuthenticAMD
cpu family	: 25
model name	: AMD EPYC
cpu MHz		: 2500.000
flags		: fpu sse sse2 avx fma avx2
"""


def test_training_flops_per_sample():
    assert WORKLOADS["W1"].flops_per_sample == 37_248
    # WORKLOADS.md prints 1,613,824, but its own expression
    # 3 * 2 * (784*256 + 256*256 + 256*10) evaluates to 1,612,800.
    assert WORKLOADS["W2"].flops_per_sample == 3 * 2 * (784 * 256 + 256 * 256 + 256 * 10)
    assert WORKLOADS["W2"].flops_per_sample == 1_612_800
    assert WORKLOADS["W3"].flops_per_sample == 37_871_616
    assert WORKLOADS["W2"].forward_flops_per_sample == 537_600


@pytest.mark.parametrize("wid", sorted(w for w in WORKLOADS if hasattr(WORKLOADS[w], "layers")))
def test_matmul_shapes_add_up_to_the_flop_count(wid):
    """The Dense-stack workloads (test_layer_workloads.py checks W4, W6 and variants)."""
    w = WORKLOADS[wid]
    shapes = w.matmul_shapes()
    assert len(shapes) == 3 * len(w.layers)
    assert sum(2 * m * k * n for m, k, n, _ in shapes) == w.flops_per_sample * w.batch_size
    fwd = w.matmul_shapes(4096, training=False)
    assert sum(2 * m * k * n for m, k, n, _ in fwd) == w.forward_flops_per_sample * 4096


def test_w5_uses_the_w2_model():
    iw = INFERENCE["W5"]
    assert (iw.model, iw.latency_calls, iw.batch_size) == ("W2", 2000, 4096)


def test_make_data_is_deterministic():
    x1, y1 = make_data(WORKLOADS["W2"], 64)
    x2, y2 = make_data(WORKLOADS["W2"], 64)
    assert x1.dtype == "float32" and x1.shape == (64, 784) and y1.shape == (64,)
    assert (x1 == x2).all() and (y1 == y2).all() and y1.max() < 10


def test_read_cpuinfo():
    info = machine.read_cpuinfo(CPUINFO)
    assert info["vendor"] == "AuthenticAMD" and info["family"] == 25
    assert info["cpuinfo_mhz"] == pytest.approx(2450.0)
    assert {"avx2", "fma"} <= set(info["flags"])


@pytest.mark.parametrize("flags, vendor, family, expected", [
    (["sse2", "avx", "avx2", "fma"], "AuthenticAMD", 25, 32),
    (["sse2", "avx", "avx2", "fma", "avx512f"], "GenuineIntel", 6, 64),
    (["sse2", "avx", "avx2", "fma", "avx512f"], "AuthenticAMD", 25, 32),   # Zen 4
    (["sse2", "avx", "avx2", "fma", "avx512f"], "AuthenticAMD", 26, 64),   # Zen 5
    (["sse2", "avx"], "GenuineIntel", 6, 16),
    (["sse2"], None, None, 8),
])
def test_flop_per_cycle(flags, vendor, family, expected):
    assert machine.flop_per_cycle(flags, vendor, family)[0] == expected


def test_peak_from_given_clock_and_flags():
    p = machine.peak(2, 2450.0, ["avx2", "fma"])
    assert p["flop_per_cycle"] == 32
    assert p["peak_gflops"] == pytest.approx(2 * 32 * 2.45)
    assert machine.peak(2, None, ["avx2", "fma"])["peak_gflops"] is None


def test_summarise_training_shares_and_ratios():
    w = WORKLOADS["W2"]
    r = {"framework": "fastkeras:cpu", "workload": "W2", "n_samples": 60000,
         "epoch_times": [2.0, 0.5, 0.7, 0.6]}
    harness.summarise_training(r, w, peak_gflops=200.0, ceiling={"gflops": 150.0})
    assert r["first_epoch_s"] == 2.0 and r["steady_epoch_s"] == 0.6
    assert r["samples_per_s"] == pytest.approx(100_000)
    assert r["gflops"] == pytest.approx(100_000 * 1_612_800 / 1e9)
    assert r["pct_peak"] == pytest.approx(100 * r["gflops"] / 200.0)
    assert r["pct_matmul_ceiling"] == pytest.approx(100 * r["gflops"] / 150.0)
    assert report._ratio_cells(200.0, {"keras": 100.0, "torch": None}, ["keras", "torch"]) \
        == ["2.00x", ""]
    assert report._ratio_cells(10.0, {"torch": 50.0}, ["torch"], higher_is_better=False) \
        == ["5.00x"]


def test_ceiling_runs_without_the_openblas_pins(monkeypatch):
    seen = {}

    def fake(cmd, env=None, timeout=None):
        seen["env"], seen["spec"] = env, json.loads(cmd[-1])
        return {"results": {}}

    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "262144")
    monkeypatch.setattr(harness, "run_subprocess", fake)
    r = harness.matmul_ceiling(["W1", "W5"])
    assert "OPENBLAS_CORETYPE" not in seen["env"] and "OPENBLAS_L2_SIZE" not in seen["env"]
    assert [s["id"] for s in seen["spec"]] == ["W1", "W5"]
    assert seen["spec"][1]["batch"] == 4096 and len(seen["spec"][1]["shapes"]) == 3
    assert r["unset_env"] == ["OPENBLAS_CORETYPE=Prescott", "OPENBLAS_L2_SIZE=262144"]


def test_ceiling_measure_small(monkeypatch):
    monkeypatch.setattr(ceiling, "_ROUND_S", 0.005)
    out = ceiling.measure([{"id": "W1", "batch": 32, "shapes": WORKLOADS["W1"].matmul_shapes()}])
    r = out["W1"]
    assert r["flops_per_step"] == 37_248 * 32 and r["samples_per_s"] > 0
    assert len(r["per_shape"]) == 9


def test_inference_runner_reference(monkeypatch):
    monkeypatch.setattr(timing, "_MIN_REPEAT_S", 0.0)
    monkeypatch.setattr(timing, "_MIN_REPEATS", 2)
    r = inference.run("fastkeras:reference", "W5", calls=5, batch=64)
    assert set(r["latency"]) == {"predict(x, verbose=0)", "model(x)", "predict_on_batch(x)"}
    assert all(v["mean_us"] > 0 for v in r["latency"].values())
    assert r["throughput"]["rows"] == 64 and r["throughput"]["samples_per_s"] > 0


def _args(argv):
    p = argparse.ArgumentParser()
    harness.add_arguments(p)
    return p.parse_args(argv)


def test_main_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = _args(["--samples", "256", "--epochs", "2", "--peers", "", "--backends",
                  "reference", "--workloads", "W1", "--json", str(out)])
    assert harness.main(args) == 0
    data = json.loads(out.read_text())
    (r,) = data["training"]
    assert "error" not in r, r
    assert r["framework"] == "fastkeras:reference" and len(r["epoch_times"]) == 2
    assert r["samples_per_s"] > 0 and r["n_samples"] == 256
    m = data["machine"]
    assert m["cores"] >= 1 and "flop_per_cycle" in m and "clock_source" in m
    assert data["matmul_ceiling"]["results"]["W1"]["samples_per_s"] > 0
    if data["machine"]["simd_flags"] and {"avx2", "fma"} <= set(data["machine"]["simd_flags"]):
        assert r["fma_gflops"] > 0  # read just before the run (bench/probe.py)
    text = capsys.readouterr().out
    assert "fastkeras:reference" in text and "numpy matmuls" in text


def test_bad_arguments():
    with pytest.raises(SystemExit):
        harness.main(_args(["--epochs", "1", "--peers", ""]))
    with pytest.raises(SystemExit):
        harness.main(_args(["--workloads", "W9", "--peers", ""]))
    with pytest.raises(SystemExit):
        harness.main(_args(["--peers", "tensorflow"]))


def test_run_subprocess_result_and_error():
    import sys
    ok = harness.run_subprocess([sys.executable, "-c", "print('RESULT {\"a\": 1}')"])
    assert ok["a"] == 1 and "error" not in ok
    assert ok["other_cpu_share"] is None or 0.0 <= ok["other_cpu_share"] <= 1.0
    bad = harness.run_subprocess([sys.executable, "-c", "raise ValueError('boom')"])
    assert bad["error"] == "ValueError: boom"


def test_rounds_merge_to_medians():
    from fastkeras.bench import rounds
    w = WORKLOADS["W1"]
    raw = [{"framework": "jax", "workload": "W1", "n_samples": 100, "label": "jax x",
            "epoch_times": [2.0, t, t], "other_cpu_share": s}
           for t, s in ((0.5, 0.01), (0.25, None), (1.0, 0.2))]
    runs = [harness.summarise_training(dict(r), w) for r in raw]
    m = rounds.merge(runs + [{"framework": "jax", "workload": "W1", "error": "boom"}])
    assert m["samples_per_s"] == pytest.approx(200.0)  # rates 200, 400, 100 per second
    assert m["steady_epoch_s"] == 0.5 and m["first_epoch_s"] == 2.0
    assert m["label"] == "jax x" and m["epoch_times"][1] == [2.0, 0.25, 0.25]
    assert m["other_cpu_share"] == 0.2 and len(m["rounds"]) == 4
    lat = [{"framework": "fastkeras:cpu", "latency": {"predict": {"mean_us": v, "median_us": v}},
            "throughput": {"call": "predict", "rows": 8, "samples_per_s": 10 * v}}
           for v in (3.0, 1.0, 2.0)]
    m = rounds.merge(lat)
    assert m["latency"]["predict"]["mean_us"] == 2.0
    assert m["throughput"] == {"call": "predict", "rows": 8, "samples_per_s": 20.0}
    failed = [{"framework": "torch", "error": "no torch"}, {"framework": "torch", "error": "x"}]
    assert rounds.merge(failed)["error"] == "no torch"


def test_main_rounds(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = _args(["--samples", "128", "--epochs", "2", "--peers", "", "--backends",
                  "reference", "--workloads", "W1", "--rounds", "2", "--no-limits",
                  "--json", str(out)])
    assert harness.main(args) == 0
    (r,) = json.loads(out.read_text())["training"]
    assert len(r["rounds"]) == 2 and len(r["epoch_times"]) == 2
    rates = sorted(x["samples_per_s"] for x in r["rounds"])
    assert r["samples_per_s"] == pytest.approx(sum(rates) / 2)
    assert "median over 2 rounds" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        harness.main(_args(["--rounds", "0", "--peers", ""]))


def test_fma_probe_measures_the_cores():
    from fastkeras.bench import probe
    m = machine.machine_limits(measure_clock=False)
    p = probe.FmaProbe(m["cores"], m["simd_flags"])
    try:
        if not p.available:  # needs x86-64 with AVX2 + FMA and a C compiler
            assert p.measure() is None
            pytest.skip("no AVX2+FMA or no C compiler: the probe is off")
        gflops = p.measure()
        # At least a tenth of the nominal peak at the cpuinfo clock, at most twice it.
        nominal = machine.peak(m["cores"], m["cpuinfo_mhz"], m["simd_flags"])["peak_gflops"]
        assert 0.1 * nominal < gflops < 2 * nominal
    finally:
        p.close()
    assert probe.FmaProbe(2, ["sse2"]).measure() is None


def test_low_fma_readings_are_named(capsys):
    from fastkeras.bench import probe
    rs = [{"workload": "W1", "framework": "jax", "fma_gflops": 180.0},
          {"workload": "W2", "framework": "fastkeras:cpu", "fma_gflops": 97.0},
          {"workload": "W2", "framework": "jax", "fma_gflops": 150.0},
          {"workload": "W3", "framework": "torch", "error": "x", "fma_gflops": None}]
    low = probe.low_readings(rs)
    assert [(r["framework"], k, round(s, 2)) for r, k, s in low] == [("fastkeras:cpu", None, 0.54)]
    report.print_notes(rs, [])
    assert "W2 fastkeras:cpu 97 GFLOP/s (54%)" in capsys.readouterr().out
    assert probe.low_readings([{"fma_gflops": None}]) == []
    # With --rounds each round is judged, not the merged median.
    from fastkeras.bench import rounds
    runs = [dict(rs[2], fma_gflops=g) for g in (150.0, 90.0, 160.0)]
    merged = rounds.merge(runs)
    assert merged["fma_gflops"] == 150.0
    low = probe.low_readings([rs[0], merged])
    assert [(r["framework"], k) for r, k, _ in low] == [("jax", 2)]
    report.print_notes([rs[0], merged], [])
    assert "W2 jax round 2 90 GFLOP/s (50%)" in capsys.readouterr().out


# W7: tabular wide-and-deep (two inputs, Embedding, BatchNormalization, Dropout).

def test_w7_definition():
    from fastkeras.bench.workloads import WideDeepWorkload
    w = WORKLOADS["W7"]
    assert isinstance(w, WideDeepWorkload)
    assert (w.n_samples, w.batch_size, w.vocab, w.embed_dim) == (131072, 256, 8000, 8)
    assert w.concat_dim == 16 + 8 * 8 == 80 and w.dims == (80, 256, 128, 1)
    assert w.flops_per_sample == 3 * 2 * (80 * 256 + 256 * 128 + 128 * 1) == 320_256
    assert w.forward_flops_per_sample == 106_752
    assert (w.loss, w.out_activation, w.dropout) == ("binary_crossentropy", "sigmoid", 0.2)
    assert (w.bn_momentum, w.bn_epsilon, w.predict_rows) == (0.99, 1e-3, 4096)


def test_w7_data():
    import numpy as np
    w = WORKLOADS["W7"]
    (x_num, x_cat), y = make_data(w)
    n = 131072
    assert x_num.dtype == np.float32 and x_num.shape == (n, 16)
    assert x_cat.dtype == np.int32 and x_cat.shape == (n, 8)
    assert y.dtype == np.float32 and y.shape == (n, 1) and set(np.unique(y)) == {0.0, 1.0}
    for j in range(8):  # column j owns ids [j*1000, (j+1)*1000), every one of them drawn
        col = x_cat[:, j]
        assert col.min() == j * 1000 and col.max() == (j + 1) * 1000 - 1
        assert len(np.unique(col)) == 1000
    assert 0.45 < y.mean() < 0.55  # the teacher's logits are symmetric about 0
    assert abs(float(x_num.mean())) < 0.01 and abs(float(x_num.std()) - 1) < 0.01
    # The labels are the teacher's: t_num, t_cat drawn first from numpy seed 0.
    rng = np.random.default_rng(0)
    t_num = rng.standard_normal(16).astype(np.float32)
    t_cat = rng.standard_normal(8000).astype(np.float32)
    assert (y[:, 0] == (x_num @ t_num + t_cat[x_cat].sum(axis=1) > 0)).all()
    (a, b), c = make_data(w, 512)
    (a2, b2), c2 = make_data(w, 512)
    assert a.shape == (512, 16) and (a == a2).all() and (b == b2).all() and (c == c2).all()


class _FakeKeras:
    """Records the Keras calls keras_wide_deep makes (no keras needed)."""

    def __init__(self, lacking=()):
        import types
        self.calls = []
        self.__name__ = "fakekeras"
        names = ("Embedding", "Flatten", "Concatenate", "Dense", "BatchNormalization", "Dropout")
        self.layers = types.SimpleNamespace(
            **{n: self._layer(n) for n in names if n not in lacking})
        self.optimizers = types.SimpleNamespace(Adam=lambda *a, **k: ("Adam", a, k))

    def _layer(self, name):
        def make(*args, **kwargs):
            def call(x):
                self.calls.append((name, args, kwargs, x))
                return name
            return call
        return make

    def Input(self, shape, dtype=None, name=None):
        self.calls.append(("Input", shape, dtype, name))
        return name

    def Model(self, inputs, outputs):
        calls = self.calls

        class M:
            def compile(self, **kw):
                calls.append(("compile", kw))
        self.calls.append(("Model", inputs, outputs))
        return M()


def test_w7_keras_model_calls():
    from fastkeras.bench import models
    k = _FakeKeras()
    models.keras_wide_deep(k, WORKLOADS["W7"])
    names = [c[0] for c in k.calls]
    assert names == ["Input", "Input", "Embedding", "Flatten", "Concatenate",
                     "Dense", "BatchNormalization", "Dropout",
                     "Dense", "BatchNormalization", "Dropout", "Dense", "Model", "compile"]
    assert k.calls[0][1:] == ((16,), None, "num") and k.calls[1][1:] == ((8,), "int32", "cat")
    assert k.calls[2][1] == (8000, 8) and k.calls[4][3] == ["num", "Flatten"]
    assert [c[1] for c in k.calls if c[0] == "Dense"] == [(256,), (128,), (1,)]
    assert [c[2]["activation"] for c in k.calls if c[0] == "Dense"] == ["relu", "relu",
                                                                         "sigmoid"]
    assert all(c[2] == {"momentum": 0.99, "epsilon": 1e-3} for c in k.calls
               if c[0] == "BatchNormalization")
    assert all(c[1] == (0.2,) for c in k.calls if c[0] == "Dropout")
    assert k.calls[-2][1] == ["num", "cat"]
    assert k.calls[-1][1]["loss"] == "binary_crossentropy"
    with pytest.raises(NotImplementedError, match=r"lacks keras\.layers\.Embedding, "
                                                  r"keras\.layers\.Dropout \(the W7"):
        models.keras_wide_deep(_FakeKeras(lacking=("Embedding", "Dropout")), WORKLOADS["W7"])


def test_w7_ceiling_spec_has_the_predict(monkeypatch):
    seen = {}

    def fake(cmd, env=None, timeout=None):
        seen["spec"] = json.loads(cmd[-1])
        return {"results": {}}

    monkeypatch.setattr(harness, "run_subprocess", fake)
    harness.matmul_ceiling(["W7"])
    train, pred = seen["spec"]
    assert train["id"] == "W7" and train["batch"] == 256 and len(train["shapes"]) == 9
    assert pred["id"] == "W7 predict" and pred["batch"] == 4096
    assert [s[:3] for s in pred["shapes"]] == [[4096, 80, 256], [4096, 256, 128], [4096, 128, 1]]


def _w7_result(fw, rate, predict_rate):
    return {"framework": fw, "workload": "W7", "label": fw, "n_samples": 131072,
            "epoch_times": [3.0, 131072 / rate, 131072 / rate],
            "predict": {"rows": 4096, "times": [4096 / predict_rate] * 5,
                        "samples_per_s": predict_rate, "call": f"{fw} predict"}}


def test_w7_summary_report_and_rounds(capsys):
    from fastkeras.bench import rounds
    w = WORKLOADS["W7"]
    r = harness.summarise_training(_w7_result("keras", 100_000, 500_000), w, 100.0,
                                   {"gflops": 50.0}, {"gflops": 40.0})
    assert r["gflops"] == pytest.approx(100_000 * 320_256 / 1e9)
    p = r["predict"]
    assert p["gflops"] == pytest.approx(500_000 * 106_752 / 1e9)
    assert p["pct_matmul_ceiling"] == pytest.approx(100 * p["gflops"] / 40.0)
    fk = harness.summarise_training(_w7_result("fastkeras:cpu", 50_000, 1_000_000), w)
    failed = {"framework": "fastkeras:numba", "workload": "W7",
              "error": "NotImplementedError: fastkeras lacks keras.layers.Embedding"}
    no_predict = harness.summarise_training(dict(_w7_result("torch", 80_000, 1),
                                                 predict={"error": "RuntimeError: x"}), w)
    rows = [failed, fk, r, no_predict]
    report.print_training(rows, ["keras", "torch"], {}, 3)
    report.print_predict(rows, ["keras", "torch"], {"W7 predict": {"samples_per_s": 2e5,
                                                                   "gflops": 21.4}})
    out = capsys.readouterr().out
    assert "error: NotImplementedError: fastkeras lacks keras.layers.Embedding" in out
    assert "W7 predict on 4096 rows" in out and "fastkeras:cpu predict" in out
    assert "2.00x" in out  # fastkeras's predict against keras's
    assert "torch                error: RuntimeError: x" in out
    # Without a predict (W1-W3) there is no predict table.
    report.print_predict([{"framework": "keras", "workload": "W1", "samples_per_s": 1.0}],
                         ["keras"], {})
    assert capsys.readouterr().out == ""
    merged = rounds.merge([harness.summarise_training(_w7_result("jax", v, 10 * v), w)
                           for v in (1000, 3000, 2000)])
    assert merged["samples_per_s"] == pytest.approx(2000)
    assert merged["predict"]["samples_per_s"] == pytest.approx(20_000)


def test_main_w7_on_the_reference_backend(tmp_path, capsys):
    """fastkeras's side of W7 either runs or is reported as an error naming what is
    missing; the run goes on either way."""
    out = tmp_path / "bench.json"
    args = _args(["--samples", "512", "--epochs", "2", "--peers", "", "--backends",
                  "reference", "--workloads", "W7,W1", "--no-limits", "--json", str(out)])
    assert harness.main(args) == 0
    w7, w1 = json.loads(out.read_text())["training"]
    assert w7["workload"] == "W7" and w1["workload"] == "W1" and "error" not in w1
    text = capsys.readouterr().out
    if "error" in w7:
        assert w7["error"] and f"W7       fastkeras:reference    error: {w7['error']}" in text
    else:
        assert w7["n_samples"] == 512 and w7["samples_per_s"] > 0
        assert "W7 predict on 4096 rows" in text


def test_w1_callback_variants_are_w1_with_validation_and_a_job_s_callbacks():
    w1, val, cb = WORKLOADS["W1"], WORKLOADS["W1VAL"], WORKLOADS["W1CB"]
    assert val.dims == cb.dims == w1.dims and val.batch_size == cb.batch_size == 32
    assert (val.validation_split, val.callbacks) == (0.1, ())
    assert cb.validation_split == 0.1 and set(cb.callbacks) == {
        "EarlyStopping", "ModelCheckpoint", "CSVLogger", "ReduceLROnPlateau"}
    assert not w1.keras_api_only and val.keras_api_only and cb.keras_api_only
    # Only frameworks with Keras's fit API run them.
    assert harness._applies("W1CB", "fastkeras:cpu") and harness._applies("W1CB", "keras")
    assert not harness._applies("W1CB", "jax") and not harness._applies("W1VAL", "torch")
    assert harness._applies("W1", "jax") and harness._applies("W5", "torch")


def test_variant_overhead_lines(capsys):
    """One printer for every variant against its base, per framework that ran both."""
    rows = [{"workload": "W1VAL", "framework": "fastkeras:cpu", "samples_per_s": 1000.0},
            {"workload": "W1CB", "framework": "fastkeras:cpu", "samples_per_s": 800.0},
            {"workload": "W1VAL", "framework": "keras", "samples_per_s": 100.0},
            {"workload": "W2", "framework": "torch", "samples_per_s": 300.0},
            {"workload": "W2OPT", "framework": "torch", "samples_per_s": 200.0},
            {"workload": "W2", "framework": "jax", "samples_per_s": 300.0},
            {"workload": "W2OPT", "framework": "jax", "error": "boom"}]
    report.print_variant_overhead(rows)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("W1CB against W1VAL (callbacks=EarlyStopping, ModelCheckpoint")
    assert lines[1].startswith("fastkeras:cpu") and "+25.0% time per epoch" in lines[1]
    assert lines[3].startswith("W2OPT against W2 (optimizer=AdamW(weight_decay=0.004")
    assert "metrics=accuracy, top-5" in lines[3]
    assert lines[4].startswith("torch") and "+50.0% time per epoch" in lines[4]
    # keras ran W1VAL only, jax's W2OPT failed: no line for either.
    assert len(lines) == 5
    report.print_variant_overhead(rows[:1] + rows[3:4])  # no pair at all: nothing
    assert capsys.readouterr().out == ""


# W2OPT: W2 with a training job's optimizer and metrics (issue [7]).

def test_w2opt_is_w2_with_adamw_cosine_clipnorm_and_metrics():
    w2, w = WORKLOADS["W2"], WORKLOADS["W2OPT"]
    assert w.dims == w2.dims and w.batch_size == w2.batch_size == 128
    assert (w.loss, w.n_samples, w.base) == (w2.loss, w2.n_samples, "W2")
    x, y = make_data(w, 64)
    x2, y2 = make_data(w2, 64)
    assert (x == x2).all() and (y == y2).all()
    o = w.optimizer
    assert w2.optimizer is None and w2.metrics == ()
    assert (o.initial_learning_rate, o.warmup_target, o.global_clipnorm) == (0.0, 1e-3, 1.0)
    assert (o.weight_decay, o.beta_1, o.beta_2, o.epsilon) == (0.004, 0.9, 0.999, 1e-7)
    # One epoch of warmup at W2's batch size (ragged last batch included), nine of decay.
    assert o.warmup_steps == -(-w2.n_samples // w2.batch_size) == 469
    assert o.decay_steps == 9 * 469
    assert w.metrics == ("accuracy", "top-5")
    # Every framework runs it (not a Keras-API-only variant).
    assert not w.keras_api_only
    assert all(harness._applies("W2OPT", fw) for fw in ("fastkeras:cpu", "keras", "torch", "jax"))
    assert w.differences(w2) == [f"optimizer={o}", "metrics=accuracy, top-5"]


def test_w2opt_schedule_is_keras_cosine_decay_with_warmup():
    import math
    o = WORKLOADS["W2OPT"].optimizer
    w, d = o.warmup_steps, o.decay_steps
    assert o.learning_rate(0) == 0.0
    assert o.learning_rate(w // 2) == pytest.approx(1e-3 * (w // 2) / w)
    assert o.learning_rate(w) == pytest.approx(1e-3)
    assert o.learning_rate(w + d // 3) == pytest.approx(
        1e-3 * 0.5 * (1 + math.cos(math.pi * (d // 3) / d)))
    assert o.learning_rate(w + d) == pytest.approx(0.0, abs=1e-15)
    assert o.learning_rate(10 * (w + d)) == pytest.approx(0.0, abs=1e-15)  # clamped


class _CompileRecorder:
    """The Keras names keras_compile_args uses, recording their arguments."""

    def __init__(self):
        import types
        rec = lambda name: (lambda *a, **k: (name, a, k))  # noqa: E731
        self.optimizers = types.SimpleNamespace(
            Adam=rec("Adam"), AdamW=rec("AdamW"),
            schedules=types.SimpleNamespace(CosineDecay=rec("CosineDecay")))
        self.metrics = types.SimpleNamespace(
            SparseTopKCategoricalAccuracy=rec("SparseTopKCategoricalAccuracy"),
            TopKCategoricalAccuracy=rec("TopKCategoricalAccuracy"))


def test_keras_compile_args():
    import dataclasses
    from fastkeras.bench.training_job import keras_compile_args
    k = _CompileRecorder()
    assert keras_compile_args(k, WORKLOADS["W2"]) == {
        "optimizer": ("Adam", (1e-3,), {}), "loss": "sparse_categorical_crossentropy"}
    w = WORKLOADS["W2OPT"]
    args = keras_compile_args(k, w)
    name, _, kw = args["optimizer"]
    schedule = kw.pop("learning_rate")
    assert name == "AdamW" and kw == {"weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
                                      "epsilon": 1e-7, "global_clipnorm": 1.0}
    assert schedule == ("CosineDecay", (), {"initial_learning_rate": 0.0, "decay_steps": 4221,
                                           "warmup_target": 1e-3, "warmup_steps": 469})
    assert args["metrics"] == ["accuracy", ("SparseTopKCategoricalAccuracy", (), {"k": 5})]
    dense = dataclasses.replace(w, loss="categorical_crossentropy")
    assert keras_compile_args(k, dense)["metrics"][1][0] == "TopKCategoricalAccuracy"
    with pytest.raises(ValueError, match="Unknown bench metric 'top5'"):
        keras_compile_args(k, dataclasses.replace(w, metrics=("top5",)))


def test_metric_counts_are_keras_accuracy_and_in_top_k():
    import numpy as np
    from fastkeras.bench.training_job import metric_counts
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((200, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 200)
    at = np.take_along_axis(logits, labels[:, None], 1)
    acc, top5, top1 = metric_counts(logits, labels, at, ("accuracy", "top-5", "top-1"))
    ranks = np.argsort(-logits, axis=1)  # no ties in random floats
    assert acc == (ranks[:, 0] == labels).sum() == top1
    assert top5 == (ranks[:, :5] == labels[:, None]).any(1).sum()
    assert 0 < acc < top5 < 200
    # A tie with the label's logit does not push it down (Keras's rank counts the greater).
    tie = np.array([[1.0, 1.0, 0.0]], np.float32)
    assert metric_counts(tie, np.array([1]), tie[:, 1:2], ("top-1",)) == [1]


def test_main_w2opt_on_the_reference_backend(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = _args(["--samples", "256", "--epochs", "2", "--peers", "", "--backends",
                  "reference", "--workloads", "W2,W2OPT", "--no-limits", "--json", str(out)])
    assert harness.main(args) == 0
    w2, opt = json.loads(out.read_text())["training"]
    assert "error" not in w2 and "error" not in opt, (w2, opt)
    assert opt["workload"] == "W2OPT" and opt["samples_per_s"] > 0
    m = opt["metrics"]
    assert set(m) == {"loss", "accuracy", "sparse_top_k_categorical_accuracy"}
    assert 0 <= m["accuracy"] <= m["sparse_top_k_categorical_accuracy"] <= 1
    assert "metrics" not in w2
    text = capsys.readouterr().out
    assert "W2OPT against W2" in text and "time per epoch" in text
