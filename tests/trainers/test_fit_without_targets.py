"""fit(x) / evaluate(x) without targets, as Keras 3: the step's `data` is x packed as Keras
packs it (x alone; (x,) for a list of inputs; a stream's batch as yielded), a VAE's
train_step trains on it like real Keras's (fixture: make_keras_fit_without_targets.py),
a model whose only loss is add_loss() trains, and the compiled loss without y is refused."""

import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers, ops

F = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                         "keras_fit_without_targets.npz"))
X = F["x"]
BATCH, EPOCHS = 16, 3


def _vae_parts():
    inp = keras.Input((8,))
    h = layers.Dense(6, activation="relu")(inp)
    encoder = keras.Model(inp, [layers.Dense(2)(h), layers.Dense(2)(h)])
    z = keras.Input((2,))
    decoder = keras.Model(z, layers.Dense(8, activation="sigmoid")(
        layers.Dense(6, activation="relu")(z)))
    return encoder, decoder


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class VAE(keras.Model):
    """keras.io's VAE (no call(): its train_step calls the sub-models), smaller; `sample`
    False takes z = z_mean, the fixture's deterministic variant."""

    def __init__(self, encoder, decoder, sample=True):
        super().__init__()
        self.encoder, self.decoder, self.sample = encoder, decoder, sample
        self.sampling = Sampling()
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.kl_loss_tracker]

    def _losses(self, data):
        z_mean, z_log_var = self.encoder(data)
        z = self.sampling([z_mean, z_log_var]) if self.sample else z_mean
        rec = ops.mean(keras.losses.binary_crossentropy(data, self.decoder(z)))
        kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl = ops.mean(ops.sum(kl, axis=1))
        return rec + kl, kl

    def train_step(self, data):
        with keras.GradientTape() as tape:
            total, kl = self._losses(data)
        grads = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.kl_loss_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        total, kl = self._losses(data)
        self.total_loss_tracker.update_state(total)
        self.kl_loss_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}


def _fixture_vae(sample=False):
    encoder, decoder = _vae_parts()
    n = len(encoder.get_weights())
    w = [F[f"vae_w{i}"] for i in range(n + len(decoder.get_weights()))]
    encoder.set_weights(w[:n])
    decoder.set_weights(w[n:])
    vae = VAE(encoder, decoder, sample)
    vae.compile(optimizer=keras.optimizers.Adam(0.01))
    return vae


def test_vae_fit_x_matches_keras():
    vae = _fixture_vae()
    h = vae.fit(X, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], F["vae_loss"], rtol=1e-4, atol=1e-4)
    final = vae.encoder.get_weights() + vae.decoder.get_weights()
    for i, w in enumerate(final):
        np.testing.assert_allclose(w, F[f"vae_final{i}"], rtol=1e-4, atol=1e-4)
    logs = vae.evaluate(X, batch_size=BATCH, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "kl_loss"}
    np.testing.assert_allclose(logs["loss"], F["vae_eval"], rtol=1e-4, atol=1e-4)


def test_sampled_vae_trains():
    vae = _fixture_vae(sample=True)
    h = vae.fit(X, batch_size=BATCH, epochs=6, verbose=0)
    loss = np.array(h.history["loss"])
    assert np.isfinite(loss).all() and loss[-1] < loss[0]


def test_add_loss_only_model_trains_like_keras():
    class Penalty(layers.Layer):
        def call(self, t):
            self.add_loss(ops.mean(ops.square(t)))
            return t
    inp = keras.Input((8,))
    model = keras.Model(inp, Penalty()(layers.Dense(3)(inp)))
    model.set_weights([F["addloss_w0"], F["addloss_w1"]])
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    h = model.fit(X, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], F["addloss_loss"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.evaluate(X, batch_size=BATCH, verbose=0),
                               F["addloss_eval"], rtol=1e-4, atol=1e-5)


# ---- what the step receives: checked against real Keras 3 (JAX) by hand ----------------
def _describe(d):
    if d is None:
        return "None"
    if isinstance(d, (tuple, list)):
        return type(d).__name__ + "(" + ", ".join(_describe(e) for e in d) + ")"
    if isinstance(d, dict):
        return "dict(" + ", ".join(f"{k}={_describe(v)}" for k, v in d.items()) + ")"
    return f"T{tuple(d.shape)}"


class Recorder(keras.Model):
    """Records the structure of each traced step's data; it minimises its mean output
    (logged as "out": a key that is no metric's, so the step's value is what is logged)."""

    def train_step(self, data):
        self.seen.add(("train", _describe(data)))
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with keras.GradientTape() as tape:
            out = ops.mean(self(x, training=True))
        self.optimizer.apply(tape.gradient(out, self.trainable_weights), self.trainable_weights)
        return {"out": out}

    def test_step(self, data):
        self.seen.add(("test", _describe(data)))
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return {"out": ops.mean(self(x))}


def _recorder(multi=False):
    if multi:
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        m = Recorder([a, b], layers.Dense(2)(layers.Concatenate()([a, b])))
    else:
        i = keras.Input((3,))
        m = Recorder(i, layers.Dense(2)(i))
    m.seen = set()
    m.compile(optimizer="sgd")
    return m


X3 = np.random.default_rng(0).random((8, 3)).astype("float32")
X2 = np.random.default_rng(1).random((8, 2)).astype("float32")
SW = np.ones(8, "float32")


@pytest.mark.parametrize("kwargs, multi, want", [
    (dict(x=X3), False, {("train", "T(4, 3)")}),
    (dict(x=X3, sample_weight=SW), False, {("train", "T(4, 3)")}),  # Keras drops it
    (dict(x=[X3, X2]), True, {("train", "tuple(list(T(4, 3), T(4, 2)))")}),
    (dict(x={"a": X3, "b": X2}), True, {("train", "dict(a=T(4, 3), b=T(4, 2))")}),
    (dict(x=X3, validation_data=(X3,)), False, {("train", "T(4, 3)"), ("test", "T(4, 3)")}),
    (dict(x=X3, validation_data=X3), False, {("train", "T(4, 3)"), ("test", "T(4, 3)")}),
    (dict(x=X3, validation_data=(X3, None, SW)), False,
     {("train", "T(4, 3)"), ("test", "T(4, 3)")}),
    (dict(x=X3, validation_split=0.25), False,
     {("train", "T(4, 3)"), ("train", "T(2, 3)"), ("test", "T(2, 3)")}),
])
def test_array_data_reaches_the_step_as_keras_packs_it(kwargs, multi, want):
    m = _recorder(multi)
    h = m.fit(batch_size=4, verbose=0, shuffle=False, **kwargs)
    assert m.seen == want
    assert np.isfinite(h.history["out"]).all()


def test_steps_per_epoch_and_shuffle_without_targets():
    m = _recorder()
    before = m.get_weights()[0].copy()
    h = m.fit(X3, steps_per_epoch=2, epochs=3, shuffle=True, verbose=0)  # batch 4 from steps
    assert m.seen == {("train", "T(4, 3)")} and len(h.history["out"]) == 3
    assert not np.allclose(before, m.get_weights()[0])  # the step's loss trained it


def _batches(kind):
    for i in range(2):
        a, b, sw = X3[4 * i:4 * i + 4], X2[4 * i:4 * i + 4], SW[:4]
        yield {"x1": (a,), "xn": (a, None), "xns": (a, None, sw), "array": a,
               "list1": ([a, b],), "dict": {"a": a, "b": b}, "dict1": ({"a": a, "b": b},)}[kind]


class Batches(keras.utils.PyDataset):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return list(_batches(self.kind))[i]


@pytest.mark.parametrize("kind, want", [
    ("x1", "tuple(T(4, 3))"), ("xn", "tuple(T(4, 3), None)"),
    ("xns", "tuple(T(4, 3), None, T(4,))"), ("list1", "tuple(list(T(4, 3), T(4, 2)))"),
    ("dict1", "tuple(dict(a=T(4, 3), b=T(4, 2)))"),
])
def test_generator_batches_reach_the_step_as_yielded(kind, want):
    m = _recorder(multi=kind.startswith(("list", "dict")))
    m.fit(_batches(kind), verbose=0, shuffle=False)
    assert m.seen == {("train", want)}


@pytest.mark.parametrize("kind, want", [
    ("array", "tuple(T(4, 3))"),  # a PyDataset's lone array goes as (x,), Keras's
    ("x1", "tuple(T(4, 3))"), ("xns", "tuple(T(4, 3), None, T(4,))"),
    ("dict", "dict(a=T(4, 3), b=T(4, 2))"),
])
def test_pydataset_batches_reach_the_step_as_keras_gives_them(kind, want):
    m = _recorder(multi=kind.startswith("dict"))
    m.fit(Batches(kind), verbose=0, shuffle=False)
    m.evaluate(Batches(kind), verbose=0)
    assert m.seen == {("train", want), ("test", want)}


def test_evaluate_x_runs_the_custom_test_step():
    m = _recorder()
    logs = m.evaluate(X3, batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["out"], np.mean(m.predict(X3, verbose=0)), rtol=1e-5)
    assert m.seen == {("test", "T(8, 3)")}


def test_unpack_and_pack_x_y_sample_weight():
    from fastkeras.utils import pack_x_y_sample_weight, unpack_x_y_sample_weight
    a = np.ones((2, 1))
    assert unpack_x_y_sample_weight(a)[0] is a and unpack_x_y_sample_weight(a)[1:] == (None,
                                                                                     None)
    assert unpack_x_y_sample_weight([a, a])[1] is a
    assert pack_x_y_sample_weight(a) is a
    assert pack_x_y_sample_weight([a]) == ([a],)
    assert pack_x_y_sample_weight(a, None, a) is a  # no y: the weights are dropped
    assert len(pack_x_y_sample_weight(a, a, a)) == 3
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        unpack_x_y_sample_weight((a, a, a, a))


def test_builtin_step_without_targets_is_refused():
    i = keras.Input((3,))
    m = keras.Model(i, layers.Dense(1)(i))
    m.compile(optimizer="sgd", loss="mse")
    for call in (lambda: m.fit(X3, verbose=0), lambda: m.evaluate(X3, verbose=0),
                 lambda: m.fit(((X3[:4],) for _ in range(2)), verbose=0, shuffle=False)):
        with pytest.raises(ValueError, match="compiled loss and metrics need targets"):
            call()
    bare = keras.Model(i, layers.Dense(1)(i))
    bare.compile(optimizer="sgd")  # no loss at all, none added: Keras's error
    with pytest.raises(ValueError, match="No loss to compute"):
        bare.fit(X3, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` needs targets"):
        _recorder().fit(X3, class_weight={0: 1.0}, verbose=0)
