"""Embedding, Identity and Lambda: id checks, sparse-row gradients, Lambda's safe loading."""

import json

import numpy as np
import pytest

import fastkeras as keras


def _embedding_model(input_dim=10):
    cat = keras.Input((3,), dtype="int32", name="cat")
    out = keras.layers.Dense(1)(keras.layers.Flatten()(
        keras.layers.Embedding(input_dim, 2, name="emb")(cat)))
    model = keras.Model(cat, out)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def test_ids_out_of_range_are_named_before_any_step_runs():
    model = _embedding_model()
    x = np.zeros((64, 3), np.int32)
    x[40, 1], x[50, 0] = 12, -1
    before = model.get_weights()
    for call in (lambda: model.fit(x, np.zeros((64, 1)), batch_size=16, verbose=0),
                 lambda: model.predict(x, verbose=0),
                 lambda: model.evaluate(x, np.zeros((64, 1)), verbose=0)):
        with pytest.raises(IndexError, match=r"'emb'.*row 40 holds id 12.*\[0, 10\)"):
            call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing ran


def test_embedding_gradient_touches_only_the_rows_seen(backend):
    model = _embedding_model(input_dim=50)
    x = np.random.default_rng(0).integers(0, 20, size=(32, 3)).astype(np.int32)
    table = model.get_layer("emb").get_weights()[0].copy()
    model.fit(x, np.ones((32, 1)), batch_size=8, epochs=1, verbose=0)
    after = model.get_layer("emb").get_weights()[0]
    seen = np.unique(x)
    assert not np.allclose(after[seen], table[seen])
    unseen = np.setdiff1d(np.arange(50), seen)
    np.testing.assert_array_equal(after[unseen], table[unseen])  # plain SGD: zero gradient


def test_embedding_argument_errors():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="input_dim"):
            keras.layers.Embedding(bad, 4)
    with pytest.raises(NotImplementedError, match="lora_rank"):
        keras.layers.Embedding(10, 4, lora_rank=2)


def test_identity_passes_through():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(np.asarray(keras.layers.Identity()(x)), x)


def _double(x):
    return keras.ops.multiply(x, 2.0)


def test_lambda_trains_and_named_functions_round_trip():
    keras.saving.register_keras_serializable(package="tests")(_double)
    layer = keras.layers.Lambda(_double, name="double")
    x = np.ones((4, 3), np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), 2 * x)
    clone = keras.layers.deserialize(json.loads(json.dumps(keras.layers.serialize(layer))))
    np.testing.assert_array_equal(np.asarray(clone(x)), 2 * x)


def test_a_lambda_holding_bytecode_is_refused_when_loaded():
    config = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
              "config": {"name": "l", "function": {"class_name": "__lambda__",
                                                   "config": {"code": "4wEAAAAA"}}}}
    with pytest.raises(ValueError, match="lambda"):
        keras.layers.deserialize(config)
    with pytest.raises(ValueError, match="lambda"):
        keras.layers.serialize(keras.layers.Lambda(lambda x: x))
