"""A traced step that reads a variable after updating it sees the new value, as Keras's
eager (or StatelessScope) steps do, or fails loudly where no tensor holds that value (an
optimizer's native in-place update): graph/step_writes.py."""

import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from tests.fixtures import read_after_update_cases as cases

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures",
                       "keras_read_after_update.npz")
X = np.ones((4, 2), "float32")
Y = np.ones((4, 1), "float32")


class Stepper(keras.Model):
    """Holds a variable `v`; `step(self)` is the train step's body."""

    step = None

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.v = keras.Variable(np.float32(1.0), trainable=False, name="v")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        return type(self).step(self)


def _fit(step, epochs=2):
    model = type("S", (Stepper,), {"step": staticmethod(step)})()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, Y, batch_size=2, epochs=epochs, verbose=0)
    return model, history.history


def test_assign_then_read_sees_the_assigned_value():
    def step(m):
        m.v.assign(m.v + 1.0)
        return {"x": m.v * 2.0}
    model, history = _fit(step)
    # Keras: v = 2, 3 (epoch 1), 4, 5 (epoch 2); a log is the epoch's last step's.
    assert history["x"] == [6.0, 10.0]
    assert float(model.v.numpy()) == 5.0


def test_assign_add_and_sub_chain_in_trace_order():
    def step(m):
        before = m.v * 3.0
        m.v.assign_add(2.0)
        m.v.assign_sub(ops.multiply(m.v, 0.5))  # half of the new value
        return {"before": before, "after": m.v * 1.0}
    model, history = _fit(step, epochs=1)
    # v: 1 -> (1 + 2) / 2 = 1.5 -> (1.5 + 2) / 2 = 1.75
    assert history["before"] == [4.5] and history["after"] == [1.75]
    assert float(model.v.numpy()) == 1.75


def test_a_copy_made_before_an_update_keeps_the_old_value():
    # v * 1.0 is x * 1 to the planner (graph/passes.py drop_identities): dropping it would
    # hand the log's assign, which runs after the update, the variable itself.
    def step(m):
        before = m.v * 1.0
        m.v.assign(m.v + 1.0)
        return {"before": before}
    _, history = _fit(step)
    assert history["before"] == [2.0, 4.0]


def test_counter_read_after_its_increment():
    def step(m):
        m.optimizer.apply([ops.multiply(w, 0.0) for w in m.trainable_weights],
                          m.trainable_weights)
        return {"it": ops.cast(m.optimizer.iterations, "float32")}
    model, history = _fit(step)
    assert history["it"] == [2.0, 4.0]
    assert int(model.optimizer.iterations.numpy()) == 4


class GAN(keras.Model):
    def __init__(self, make_optimizer):
        super().__init__()
        self.g, self.d = cases.models(keras)
        self.d_opt, self.g_opt = make_optimizer(keras), make_optimizer(keras)

    def call(self, real):  # (fit's x is the real data)
        return self.d(real)

    def train_step(self, data):
        real, z = data
        d_w, g_w = self.d.trainable_weights, self.g.trainable_weights
        d_loss = ops.add(ops.mean(ops.square(ops.subtract(self.d(real), 1.0))),
                         ops.mean(ops.square(self.d(self.g(z)))))
        self.d_opt.apply(keras.GradientTape().gradient(d_loss, d_w), d_w)
        g_loss = ops.mean(ops.square(ops.subtract(self.d(self.g(z)), 1.0)))  # D updated
        self.g_opt.apply(keras.GradientTape().gradient(g_loss, g_w), g_w)
        return {"d_loss": d_loss, "g_loss": g_loss}


def _fit_gan(make_optimizer):
    model = GAN(make_optimizer)
    model.compile()
    model.fit(cases.REAL, cases.NOISE, batch_size=cases.BATCH, epochs=cases.EPOCHS,
              shuffle=False, verbose=0)
    return model


def test_gan_step_trains_the_generator_through_the_updated_discriminator():
    model = _fit_gan(cases.optimizer)
    want = np.load(FIXTURE)
    for i, w in enumerate(model.g.get_weights()):
        np.testing.assert_allclose(w, want[f"g_{i}"], rtol=2e-5, atol=2e-6)
    for i, w in enumerate(model.d.get_weights()):
        np.testing.assert_allclose(w, want[f"d_{i}"], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", sorted(cases.NATIVE_OPTIMIZERS))
def test_gan_step_with_native_optimizers_reads_the_updated_discriminator(name):
    # Adam's and SGD momentum's updates are native in-place kernels, which no tensor reads;
    # the step that reads the discriminator after its update is traced again with the
    # updates written as ops, and trains as Keras does.
    model = _fit_gan(cases.NATIVE_OPTIMIZERS[name])
    want = np.load(FIXTURE)
    for i, w in enumerate(model.g.get_weights()):
        np.testing.assert_allclose(w, want[f"{name}_g_{i}"], rtol=2e-5, atol=2e-6)
    for i, w in enumerate(model.d.get_weights()):
        np.testing.assert_allclose(w, want[f"{name}_d_{i}"], rtol=2e-5, atol=2e-6)
    prims = {ins.prim.name for ex in model._steps._executors.values()
             for ins in ex.plan.instrs}
    assert not prims & {"adam_update", "sgd_momentum_update"}  # written as ops


def test_gradient_through_a_read_after_a_write_is_refused():
    # TensorFlow's tape would differentiate the late read of v too; a traced step reads the
    # written value as a leaf, so that gradient would silently miss it.
    def late(m):
        m.v.assign(m.v * 2.0)
        loss = ops.multiply(m.v, 3.0)
        return {"g": keras.GradientTape().gradient(loss, m.v)}
    with pytest.raises(NotImplementedError, match="'.*v' after it was written"):
        _fit(late)


def test_gradient_through_reads_before_the_write_is_taken():
    def early(m):
        loss = ops.multiply(m.v, 3.0)
        g = keras.GradientTape().gradient(loss, m.v)
        m.v.assign(m.v * 2.0)
        return {"g": g, "v": ops.add(m.v, 0.0)}
    _, history = _fit(early)
    assert history["g"] == [3.0, 3.0] and history["v"] == [4.0, 16.0]
