"""keras.callbacks.TensorBoard: the event files are read back (record framing and CRCs
checked, events parsed with tensorboardX's protobuf classes) and held against fit's History,
the per-batch logs and the model's weights."""

import copy
import glob
import inspect
import io
import json
import os
import struct
import sys
from collections import defaultdict

import numpy as np
import pytest
from tensorboardX.proto.event_pb2 import Event  # the test extra installs tensorboardX
from tensorboardX.record_writer import masked_crc32c

import fastkeras as keras
from fastkeras.callbacks.tensorboard import TensorBoard

# Keras 3.15's keras/src/callbacks/tensorboard.py, TensorBoard.__init__.
KERAS_SIGNATURE = {"log_dir": "logs", "histogram_freq": 0, "write_graph": True,
                   "write_images": False, "write_steps_per_second": False,
                   "update_freq": "epoch", "profile_batch": 0, "embeddings_freq": 0,
                   "embeddings_metadata": None}


def _records(path):
    """The payloads of a TFRecord file, each CRC checked."""
    data, at, out = open(path, "rb").read(), 0, []
    while at < len(data):
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[at + 8:at + 12])[0] == masked_crc32c(header)
        payload = data[at + 12:at + 12 + length]
        assert struct.unpack("<I", data[at + 12 + length:at + 16 + length])[0] == \
            masked_crc32c(payload)
        out.append(payload)
        at += 16 + length
    return out


def read_run(log_dir, run):
    """{tag: [(step, Summary.Value), ...]} over every event file of log_dir/run."""
    files = sorted(glob.glob(os.path.join(log_dir, run, "events.out.tfevents.*")))
    assert files, f"no event file in {run}"
    tags = defaultdict(list)
    for path in files:
        events = [Event.FromString(r) for r in _records(path)]
        assert events[0].file_version == "brain.Event:2"
        for event in events[1:]:
            for value in event.summary.value:
                tags[value.tag].append((event.step, value))
    return tags


def scalars(tags, tag):
    return [(step, value.simple_value) for step, value in tags[tag]]


def f32(values):
    """Event files store scalars as float32."""
    return [float(np.float32(v)) for v in values]


def data(rows=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32").reshape(-1, 1)
    return x, y


def classifier():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


class BatchLogs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append(dict(logs))


def test_signature_and_defaults_are_keras():
    params = inspect.signature(TensorBoard).parameters
    assert {n: p.default for n, p in params.items()} == KERAS_SIGNATURE
    assert keras.callbacks.TensorBoard is TensorBoard


def test_epoch_scalars_equal_history(tmp_path):
    x, y = data()
    model = classifier()
    history = model.fit(x, y, batch_size=8, epochs=3, validation_data=data(16, seed=1),
                        verbose=0, callbacks=[TensorBoard(tmp_path)])
    train, val = read_run(tmp_path, "train"), read_run(tmp_path, "validation")
    assert set(train) == {"keras", "epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    for name in ("loss", "accuracy"):
        assert scalars(train, f"epoch_{name}") == list(zip(range(3), f32(history.history[name])))
        assert scalars(val, f"epoch_{name}") == \
            list(zip(range(3), f32(history.history["val_" + name])))
    assert scalars(train, "epoch_learning_rate") == list(zip(range(3), f32([0.001] * 3)))
    # Keras's evaluation summaries: each validation at optimizer.iterations (5 steps/epoch).
    assert scalars(val, "evaluation_loss_vs_iterations") == \
        list(zip([5, 10, 15], f32(history.history["val_loss"])))
    assert set(val) == {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
                        "evaluation_accuracy_vs_iterations"}


def test_write_graph_stores_the_model_config_as_keras_does(tmp_path):
    model = classifier()
    model.fit(*data(), epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    [(step, value)] = read_run(tmp_path, "train")["keras"]
    assert step == 0
    assert value.metadata.plugin_data.plugin_name == "graph_keras_model"
    assert value.metadata.plugin_data.content == b"1"
    assert json.loads(value.tensor.string_val[0]) == json.loads(model.to_json())


def test_write_graph_false_and_subclassed_models_write_no_config(tmp_path):
    classifier().fit(*data(), epochs=1, verbose=0,
                     callbacks=[TensorBoard(tmp_path / "a", write_graph=False)])
    assert "keras" not in read_run(tmp_path / "a", "train")

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    model = Subclassed()
    model.compile("sgd", "mse")
    model.fit(*data(), epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "b")])
    train = read_run(tmp_path / "b", "train")
    assert "keras" not in train and "epoch_loss" in train


@pytest.mark.parametrize("update_freq, expected_steps",
                         [("batch", list(range(1, 11))), (3, [3, 6, 9])])
def test_batch_scalars_every_update_freq(tmp_path, update_freq, expected_steps):
    seen = BatchLogs()
    tb = TensorBoard(tmp_path, update_freq=update_freq, write_steps_per_second=True)
    # 40 rows in batches of 8: 5 steps an epoch; the batch count runs on across epochs.
    classifier().fit(*data(), batch_size=8, epochs=2, validation_data=data(16, seed=1),
                     verbose=0, callbacks=[tb, seen])
    train = read_run(tmp_path, "train")
    for name in ("loss", "accuracy"):
        assert scalars(train, f"batch_{name}") == \
            [(s, f32([seen.logs[s - 1][name]])[0]) for s in expected_steps]
    per_second = scalars(train, "batch_steps_per_second")
    assert [s for s, _ in per_second] == expected_steps and all(v > 0 for _, v in per_second)
    assert [s for s, v in scalars(train, "epoch_steps_per_second") if v > 0] == [0, 1]
    assert not any(tag.startswith("batch_") for tag in read_run(tmp_path, "validation"))


def test_histograms_every_histogram_freq_with_keras_tags(tmp_path):
    model = classifier()
    weights = [w for layer in model.layers for w in layer.weights]
    model.fit(*data(), epochs=5, verbose=0, callbacks=[TensorBoard(tmp_path, histogram_freq=2)])
    train = read_run(tmp_path, "train")
    histograms = {tag for tag in train if tag.endswith("/histogram")}
    assert histograms == {f"{w.path}/histogram" for w in weights}
    for w in weights:
        series = train[f"{w.path}/histogram"]
        assert [step for step, _ in series] == [0, 2, 4]
        histo = series[-1][1].histo  # epoch 4: the final weights
        values = w.numpy().astype(np.float64)
        assert histo.num == values.size and sum(histo.bucket) == values.size
        np.testing.assert_allclose([histo.min, histo.max, histo.sum],
                                   [values.min(), values.max(), values.sum()], rtol=1e-6)
        assert len(histo.bucket) <= 31  # 30 buckets, plus tensorboardX's empty left edge


def test_write_images_draws_weights_as_keras_does(tmp_path):
    from PIL import Image
    model = classifier()
    model.fit(*data(), epochs=1, verbose=0,
              callbacks=[TensorBoard(tmp_path, histogram_freq=1, write_images=True)])
    train = read_run(tmp_path, "train")
    hidden, out = model.layers
    # Dense(1)'s bias squeezes to a scalar, which Keras does not draw.
    assert {t for t in train if t.endswith("/image")} == \
        {f"{w.path}/image" for w in (hidden.kernel, hidden.bias, out.kernel)}
    kernel = hidden.kernel.numpy()  # (4, 3): drawn transposed, wider than tall
    [(step, value)] = train[f"{hidden.kernel.path}/image"]
    assert step == 0 and (value.image.height, value.image.width) == (3, 4)
    pixels = np.asarray(Image.open(io.BytesIO(value.image.encoded_image_string)))[..., 0]
    np.testing.assert_array_equal(pixels, np.clip(kernel.T * 255.5, 0, 255).astype(np.uint8))
    [(_, bias)] = train[f"{hidden.bias.path}/image"]  # (3,): one column
    assert (bias.image.height, bias.image.width) == (3, 1)


def test_a_diverged_weight_still_gets_its_finite_histogram_and_image(tmp_path):
    model = classifier()
    kernel = model.layers[0].kernel
    values = kernel.numpy()
    values[0, 0] = np.nan
    kernel.assign(values)
    tb = TensorBoard(tmp_path, histogram_freq=1, write_images=True)
    tb.set_model(model)
    tb.on_epoch_end(0, {"loss": float("nan")})
    tb.on_train_end()
    train = read_run(tmp_path, "train")
    [(_, histo)] = train[f"{kernel.path}/histogram"]
    assert histo.histo.num == values.size - 1
    assert len(train[f"{kernel.path}/image"]) == 1


def test_predict_writes_the_model_config_to_a_readable_file(tmp_path):
    model = classifier()
    model.predict(data(4)[0], verbose=0, callbacks=[TensorBoard(tmp_path)])
    assert [step for step, _ in read_run(tmp_path, "train")["keras"]] == [0]


def test_evaluate_logs_at_optimizer_iterations_without_clobbering_fit(tmp_path):
    x, y = data()
    model = classifier()
    tb = TensorBoard(tmp_path)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[tb])
    loss, accuracy = model.evaluate(x, y, verbose=0, callbacks=[tb])
    val = read_run(tmp_path, "validation")
    assert scalars(val, "evaluation_loss_vs_iterations") == [(10, f32([loss])[0])]
    assert scalars(val, "evaluation_accuracy_vs_iterations") == [(10, f32([accuracy])[0])]
    assert "epoch_loss" not in val  # no validation data in that fit
    # The fit's event files survive the later evaluate (its own new files).
    train = read_run(tmp_path, "train")
    assert scalars(train, "epoch_loss") == list(zip(range(2), f32(history.history["loss"])))
    assert len(glob.glob(os.path.join(tmp_path, "train", "events.out.tfevents.*"))) == 2


def test_a_second_fit_restarts_the_batch_count_and_continues_epochs(tmp_path):
    model = classifier()
    tb = TensorBoard(tmp_path, update_freq="batch")
    model.fit(*data(16), batch_size=8, epochs=1, verbose=0, callbacks=[tb])
    model.fit(*data(16), batch_size=8, epochs=3, initial_epoch=2, verbose=0, callbacks=[tb])
    train = read_run(tmp_path, "train")
    assert [s for s, _ in scalars(train, "batch_loss")] == [1, 2, 1, 2]
    assert [s for s, _ in scalars(train, "epoch_loss")] == [0, 2]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"profile_batch": 5}, ValueError, "profile_batch=5"),
    ({"profile_batch": (2, 4)}, ValueError, "Profiling is not available"),
    ({"profile_batch": None}, ValueError, "profile_batch must be"),
    ({"embeddings_freq": 1}, NotImplementedError, "embeddings_freq=1"),
    ({"update_freq": "often"}, ValueError, "update_freq='often'"),
    ({"update_freq": 0}, ValueError, "update_freq=0"),
    ({"histogram_freq": -1}, ValueError, "histogram_freq=-1"),
    ({"histogram_freq": 1.5}, ValueError, "histogram_freq=1.5"),
])
def test_options_fastkeras_cannot_honour_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        TensorBoard(**kwargs)


def test_harmless_keras_defaults_are_accepted(tmp_path):
    tb = TensorBoard(tmp_path, profile_batch=0, embeddings_freq=0,
                     embeddings_metadata={"embedding": "meta.tsv"})
    assert tb.update_freq == "epoch" and tb.embeddings_metadata == {"embedding": "meta.tsv"}
    assert TensorBoard(update_freq="batch").update_freq == 1  # Keras's synonym
    assert copy.deepcopy(tb).log_dir == str(tmp_path)  # tuners copy callbacks


def test_missing_tensorboardx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install fastkeras\[tensorboard\]"):
        TensorBoard()
