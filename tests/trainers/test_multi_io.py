"""Functional models with several inputs and outputs: x and y as lists, tuples or dicts
(matched by name), each input of its declared dtype, predict's list/dict, the *_on_batch
methods and validation, as in Keras 3 (the numbers against real Keras are in
tests/fixtures/semantics_cases.py: two_inputs_two_outputs, dict_outputs_sample_weight)."""

import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.trainers import sharding

rng = np.random.default_rng(5)
N = 40
X_NUM = rng.normal(size=(N, 3)).astype("float32")
X_CAT = rng.normal(size=(N, 2)).astype("float32")
Y_REG = rng.normal(size=(N, 1)).astype("float32")
Y_CLS = (rng.random((N, 1)) > 0.5).astype("float32")


def two_by_two(dict_inputs=False, dict_outputs=False, seed=0):
    """Inputs `num` (3) and `cat` (2), outputs `reg` (linear) and `cls` (sigmoid)."""
    num = keras.Input(shape=(3,), name="num")
    cat = keras.Input(shape=(2,), name="cat")
    h = keras.layers.Dense(4, activation="relu", name="h_num")(num) + \
        keras.layers.Dense(4, name="h_cat")(cat)
    reg = keras.layers.Dense(1, name="reg")(h)
    cls = keras.layers.Dense(1, activation="sigmoid", name="cls")(
        keras.ops.concatenate([h, cat], axis=-1))
    inputs = {"num": num, "cat": cat} if dict_inputs else [num, cat]
    outputs = {"r": reg, "c": cls} if dict_outputs else [reg, cls]
    model = keras.Model(inputs, outputs)
    r = np.random.default_rng(seed)
    model.set_weights([r.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _compiled(**kwargs):
    model = two_by_two(**{k: kwargs.pop(k) for k in ("dict_inputs", "dict_outputs")
                          if k in kwargs})
    model.compile(optimizer=keras.optimizers.SGD(0.05), **kwargs)
    return model


def test_fit_evaluate_predict_with_lists(backend):
    model = _compiled(loss=["mse", "binary_crossentropy"], metrics=[["mae"], ["accuracy"]])
    hist = model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS], batch_size=16, epochs=2, verbose=0)
    keys = ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]
    assert sorted(hist.history) == keys
    logs = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], verbose=0, return_dict=True)
    assert sorted(logs) == keys
    # Keras's list order: loss, each output's loss, then the other keys sorted.
    values = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], verbose=0)
    order = ["loss", "reg_loss", "cls_loss", "cls_accuracy", "reg_mae"]
    np.testing.assert_allclose(values, [logs[k] for k in order], rtol=1e-6)
    np.testing.assert_allclose(logs["loss"], logs["reg_loss"] + logs["cls_loss"], rtol=1e-5)
    pred = model.predict([X_NUM, X_CAT], batch_size=16, verbose=0)
    assert isinstance(pred, list) and [p.shape for p in pred] == [(N, 1), (N, 1)]
    for got in (model.predict((X_NUM, X_CAT), verbose=1, batch_size=7),
                model.predict_on_batch([X_NUM, X_CAT]), model([X_NUM, X_CAT])):
        for a, b in zip(got, pred):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dict_inputs_match_by_name_in_any_order(backend):
    model = two_by_two(dict_inputs=True)
    want = model.predict({"num": X_NUM, "cat": X_CAT}, verbose=0)
    got = model.predict({"cat": X_CAT, "num": X_NUM}, verbose=0)
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)
    assert [t.name for t in model.inputs] == ["cat", "num"]  # flat: sorted keys, as Keras
    assert model.input_shape == [(None, 2), (None, 3)]
    assert model.output_shape == [(None, 1), (None, 1)]
    assert model.output_names == ["reg", "cls"]
    # A list-input model takes a dict keyed by the Input names too.
    listed = two_by_two()
    for a, b in zip(listed.predict([X_NUM, X_CAT], verbose=0),
                    listed.predict({"cat": X_CAT, "num": X_NUM}, verbose=0)):
        np.testing.assert_array_equal(a, b)


def test_dict_input_missing_or_extra_keys():
    model = _compiled(dict_inputs=True, loss="mse")
    with pytest.raises(ValueError, match='Missing data for input "cat"'):
        model.fit({"num": X_NUM}, [Y_REG, Y_CLS], verbose=0)
    with pytest.warns(UserWarning, match=r"\['extra'\] that match no model input"):
        model.fit({"num": X_NUM, "cat": X_CAT, "extra": X_NUM}, [Y_REG, Y_CLS], verbose=0)
    # The model's dict was {"num", "cat"}: a list would be matched in sorted key order.
    with pytest.raises(ValueError, match="Pass a dict keyed by input name"):
        model.predict([X_NUM, X_CAT], verbose=0)


def test_wrong_number_of_inputs_names_them():
    model = two_by_two()
    with pytest.raises(ValueError, match=r"expects 2 inputs \['num', 'cat'\].*list of 3"):
        model.predict([X_NUM, X_CAT, X_CAT], verbose=0)
    with pytest.raises(ValueError, match=r"has 2 inputs \['num', 'cat'\].*one ndarray"):
        model.predict(X_NUM, verbose=0)
    with pytest.raises(ValueError, match=r"x\[1\]` has samples of shape \(3,\)"):
        model.predict([X_NUM, X_NUM], verbose=0)
    with pytest.raises(ValueError, match=r"(?s)cardinality.*'x' sizes: 40, 39\n'y' sizes: 40, 40"):
        model.compile(loss="mse")
        model.fit([X_NUM, X_CAT[:-1]], [Y_REG, Y_CLS], verbose=0)


def test_targets_as_list_tuple_or_dict_and_their_errors():
    model = _compiled(loss="mse")
    a = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], verbose=0)
    b = model.evaluate([X_NUM, X_CAT], (Y_REG, Y_CLS), verbose=0)
    c = model.evaluate([X_NUM, X_CAT], {"cls": Y_CLS, "reg": Y_REG}, verbose=0)
    d = model.evaluate([X_NUM, X_CAT], [Y_REG[:, 0], Y_CLS[:, 0]], verbose=0)  # rank 1
    np.testing.assert_allclose(a, b)
    np.testing.assert_allclose(a, c)
    np.testing.assert_allclose(a, d, rtol=1e-6)
    with pytest.raises(ValueError, match=r"2 outputs \['reg', 'cls'\], but `y` is a list of 3"):
        model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS, Y_CLS], verbose=0)
    with pytest.raises(ValueError, match=r"`y` has key 'zz', which matches no model output"):
        model.fit([X_NUM, X_CAT], {"reg": Y_REG, "zz": Y_CLS}, verbose=0)
    with pytest.raises(ValueError, match=r"`y` has no entry for output 'cls'"):
        model.fit([X_NUM, X_CAT], {"reg": Y_REG}, verbose=0)
    with pytest.raises(ValueError, match=r"2 outputs \['reg', 'cls'\]: pass `y` as a list"):
        model.fit([X_NUM, X_CAT], Y_REG, verbose=0)
    with pytest.raises(ValueError, match=r"`validation y\[1\]` contains NaN"):
        model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS], verbose=0,
                  validation_data=([X_NUM, X_CAT], [Y_REG, Y_CLS * np.nan]))


def test_dict_outputs_predict_a_dict_and_name_logs_by_key(backend):
    model = _compiled(dict_outputs=True, loss={"r": "mse", "c": "binary_crossentropy"},
                      metrics={"c": ["accuracy"]})
    hist = model.fit([X_NUM, X_CAT], {"r": Y_REG, "c": Y_CLS}, batch_size=8, verbose=0,
                     validation_split=0.25)
    assert sorted(hist.history) == ["c_accuracy", "c_loss", "loss", "r_loss",
                                    "val_c_accuracy", "val_c_loss", "val_loss", "val_r_loss"]
    assert model.output_names == ["cls", "reg"]  # the layers', in sorted-key order
    pred = model.predict([X_NUM, X_CAT], verbose=0)
    assert isinstance(pred, dict) and sorted(pred) == ["c", "r"]
    batch = model.predict_on_batch([X_NUM, X_CAT])
    np.testing.assert_allclose(batch["r"], pred["r"], rtol=1e-5, atol=1e-6)
    # y as a list follows the flat (sorted key) order: c, then r.
    np.testing.assert_allclose(
        model.evaluate([X_NUM, X_CAT], [Y_CLS, Y_REG], verbose=0),
        model.evaluate([X_NUM, X_CAT], {"c": Y_CLS, "r": Y_REG}, verbose=0))


def test_int32_input_keeps_its_dtype(backend):
    ids = keras.Input(shape=(1,), dtype="int32", name="ids")
    f = keras.Input(shape=(2,), name="f")
    table = np.arange(12, dtype="float32").reshape(6, 2)
    looked_up = keras.ops.reshape(keras.ops.take(table, ids, axis=0), (-1, 2))
    out = keras.layers.Dense(1, name="o")(keras.ops.concatenate([looked_up, f], axis=-1))
    model = keras.Model({"ids": ids, "f": f}, [out, keras.layers.Dense(1, name="o2")(f)])
    model.set_weights([np.array([[1], [0], [0], [0]], "float32"), np.zeros(1, "float32"),
                       np.zeros((2, 1), "float32"), np.zeros(1, "float32")])
    x = {"ids": np.array([[5], [2], [0]]), "f": np.zeros((3, 2), "float32")}
    np.testing.assert_array_equal(model.predict(x, verbose=0)[0][:, 0], [10, 4, 0])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, [np.zeros(3), np.zeros(3)], verbose=0)
    spec = next(iter(model._steps._executors))[2]
    assert spec == (((2,), "float32"), ((1,), "int32"))  # sorted keys: f, ids


def test_on_batch_methods_return_keras_order(backend):
    model = _compiled(loss={"reg": "mse", "cls": "binary_crossentropy"},
                      metrics={"reg": "mae", "cls": "accuracy"})
    values = model.train_on_batch([X_NUM, X_CAT], [Y_REG, Y_CLS])
    assert len(values) == 5
    logs = model.test_on_batch([X_NUM, X_CAT], [Y_REG, Y_CLS], return_dict=True)
    assert sorted(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss", "reg_mae"]
    again = model.test_on_batch([X_NUM, X_CAT], [Y_REG, Y_CLS])
    np.testing.assert_allclose(again, [logs[k] for k in ("loss", "reg_loss", "cls_loss",
                                                        "cls_accuracy", "reg_mae")])


def test_sample_weight_weighs_every_output(backend):
    sw = rng.uniform(0.5, 2.0, N).astype("float32")
    model = _compiled(loss=["mse", "mse"])
    weighted = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], sample_weight=sw, verbose=0,
                              return_dict=True)
    pred = model.predict([X_NUM, X_CAT], verbose=0)
    for name, p, y in (("reg_loss", pred[0], Y_REG), ("cls_loss", pred[1], Y_CLS)):
        want = np.sum(sw * ((p - y) ** 2)[:, 0]) / N  # sum_over_batch_size
        np.testing.assert_allclose(weighted[name], want, rtol=1e-5)
    # validation_data with weights, and validation_split (Keras splits the weights too)
    hist = model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS], sample_weight=sw, epochs=1, verbose=0,
                     validation_data=([X_NUM, X_CAT], [Y_REG, Y_CLS], sw))
    assert "val_reg_loss" in hist.history
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS], class_weight={0: 1.0}, verbose=0)
    # the same array given once per output weighs each output alike (test_weighting.py)
    per_output = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], sample_weight=[sw, sw],
                                verbose=0, return_dict=True)
    shared = model.evaluate([X_NUM, X_CAT], [Y_REG, Y_CLS], sample_weight=sw, verbose=0,
                            return_dict=True)
    assert per_output == pytest.approx(shared, rel=1e-6)


def test_single_input_single_output_keeps_the_array_path(backend):
    inp = keras.Input(shape=(3,), name="only")
    model = keras.Model(inp, keras.layers.Dense(1)(inp))
    assert not model._structured_io
    model.compile(optimizer="sgd", loss="mse")
    # [x], {name: x} and [y] are that one array, as in Keras.
    h1 = model.fit([X_NUM], [Y_REG], epochs=1, shuffle=False, verbose=0).history["loss"]
    model.predict(X_NUM, verbose=0)
    assert model._forward.runners  # the forward fast path
    np.testing.assert_allclose(model.predict({"only": X_NUM}, verbose=0),
                               model.predict([X_NUM], verbose=0))
    assert len(h1) == 1
    # A one-element list of outputs is one output (predict returns an array).
    listed = keras.Model([inp], [keras.layers.Dense(2)(inp)])
    assert not listed._structured_io and listed.predict(X_NUM, verbose=0).shape == (N, 2)


def test_multi_io_steps_are_not_sharded():
    model = _compiled(loss="mse")
    model.fit([X_NUM, X_CAT], [Y_REG, Y_CLS], batch_size=32, epochs=1, verbose=0)

    class Backend:
        supports_sharding = True
    assert sharding.shard_count(model, 64, Backend()) == 1


class GuideStep(keras.Model):
    """Keras's "customizing fit()" train_step on a two-output functional model."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.metrics[0].update_state(loss)


def test_custom_train_step_gets_the_structures(backend):
    base = two_by_two(dict_inputs=True)
    custom = GuideStep(inputs={"num": base.inputs[1], "cat": base.inputs[0]},
                       outputs=base.outputs)
    twin = two_by_two(dict_inputs=True)
    for m in (custom, twin):
        m.set_weights(base.get_weights())
        m.compile(optimizer=keras.optimizers.SGD(0.05), loss=["mse", "mse"])
    x = {"num": X_NUM, "cat": X_CAT}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        custom.fit(x, [Y_REG, Y_CLS], batch_size=8, epochs=1, shuffle=False, verbose=0)
    twin.fit(x, [Y_REG, Y_CLS], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(custom.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_layers_follow_keras_graph_order():
    """Keras orders a functional model's layers by depth (longest path to an output), ties
    by first visit from the outputs: the weights lists then match Keras's."""
    features = keras.Input(shape=(5,), name="features")
    side = keras.Input(shape=(3,), name="side")
    h = keras.layers.Dense(6, name="dense_a")(features)
    reg = keras.layers.Dense(1, name="reg")(keras.ops.concatenate([h, side], axis=-1))
    cls = keras.layers.Dense(1, name="cls")(
        keras.layers.Dense(4, name="dense_b")(side) + keras.layers.Dense(4, name="dense_c")(h))
    model = keras.Model({"side": side, "features": features}, [reg, cls])
    names = [layer.name for layer in model.layers if not layer.name.startswith("op_layer")]
    # As printed by Keras 3.15 for the same graph.
    assert names == ["features", "dense_a", "side", "dense_b", "dense_c", "reg", "cls"]
    assert [w.shape for w in model.get_weights()] == [
        (5, 6), (6,), (3, 4), (4,), (6, 4), (4,), (9, 1), (1,), (4, 1), (1,)]


def test_validation_losses_are_weighted_as_in_keras(backend):
    """Keras splits `sample_weight` with the data for validation_split, and takes a third
    element of validation_data as the validation weights; class weights train only."""
    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, keras.layers.Dense(1)(inp))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # weights stay put
    sw = rng.uniform(0.1, 3.0, N).astype("float32")
    split = model.fit(X_NUM, Y_REG, sample_weight=sw, validation_split=0.25, verbose=0)
    want = model.evaluate(X_NUM[30:], Y_REG[30:], sample_weight=sw[30:], verbose=0)
    np.testing.assert_allclose(split.history["val_loss"][0], want, rtol=1e-5)
    given = model.fit(X_NUM, Y_REG, validation_data=(X_NUM[:8], Y_REG[:8], sw[:8]), verbose=0)
    want = model.evaluate(X_NUM[:8], Y_REG[:8], sample_weight=sw[:8], verbose=0)
    np.testing.assert_allclose(given.history["val_loss"][0], want, rtol=1e-5)
    labels = (Y_REG > 0).astype("float32")
    classed = model.fit(X_NUM, labels, class_weight={0: 1.0, 1: 5.0}, validation_split=0.25,
                        verbose=0)
    want = model.evaluate(X_NUM[30:], labels[30:], verbose=0)
    np.testing.assert_allclose(classed.history["val_loss"][0], want, rtol=1e-5)
