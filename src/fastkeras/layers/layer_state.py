"""What a Layer holds and reports: its losses (add_loss, regularizer penalties), its weights
in Keras's order (trainable then non-trainable, own then sublayers'), `trainable`, and
get/set_weights. A mixin of Layer (layers/layer.py), which creates the weights and calls."""

from __future__ import annotations

import numpy as np

from ..graph import current_graph


class LayerState:
    def add_loss(self, loss):
        """A scalar added to the model's loss (Keras: call it in call()). While a train or
        test step is traced it joins that step's loss; in an eager call it is kept in
        `self.losses` until the layer's next call."""
        graph = current_graph()
        if graph is not None and graph.notes.get("step"):
            graph.notes.setdefault("losses", []).append((self, loss))
        elif graph is None:
            self._eager_losses.append(np.asarray(loss, dtype="float32"))

    @property
    def losses(self):
        """The scalars add_loss() gave and the weight regularizers' penalties, this layer's
        then its sublayers': while a step is traced, those of the call being traced;
        otherwise those of the last eager call and the penalties of the current weights."""
        graph = current_graph()
        if graph is not None and graph.notes.get("step"):
            mine = {id(self)} | {id(layer) for layer in self.layers_flat}
            return [value for layer, value in graph.notes.get("losses", []) if id(layer) in mine]
        out = list(self._eager_losses)
        out.extend(np.asarray(w.regularizer(w.value), dtype="float32")
                   for w in self._own_weights if getattr(w, "regularizer", None) is not None)
        for layer in self._tracked_layers():
            out.extend(layer.losses)
        return out

    def _trace_regularizers(self, graph):
        """Once per traced step: each regularized weight's penalty joins the step's loss."""
        done = graph.notes.setdefault("regularized", set())
        for w in self._own_weights:
            if getattr(w, "regularizer", None) is not None and w.uid not in done:
                done.add(w.uid)
                graph.notes.setdefault("losses", []).append((self, w.regularizer(w)))

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._tracked_layers():
            layer.trainable = value

    @property
    def layers_flat(self):
        out = []
        for layer in self._tracked_layers():
            out.append(layer)
            out.extend(layer.layers_flat)
        return out

    @property
    def weights(self):
        """Layer by layer: own trainable then non-trainable weights, then each sublayer's."""
        return self._ordered_weights()

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = [w for w in self._own_weights if w.trainable]
        for layer in self._tracked_layers():
            out.extend(w for w in layer.trainable_weights if all(w is not o for o in out))
        return out

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self._ordered_weights()
        out = [w for w in self._own_weights if not w.trainable]
        for layer in self._tracked_layers():
            out.extend(w for w in layer.non_trainable_weights if all(w is not o for o in out))
        return out

    @property
    def variables(self):
        """The weights, then every SeedGenerator's state (Keras: random state is a variable
        but not a weight)."""
        out = self.weights
        for layer in [self] + self.layers_flat:
            out.extend(sg.state for sg in layer._seed_generators
                       if all(sg.state is not o for o in out))
        return out

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def _ordered_weights(self):
        """All weights, layer by layer (Keras get_weights order)."""
        out = [w for w in self._own_weights if w.trainable] + \
            [w for w in self._own_weights if not w.trainable]
        for layer in self._tracked_layers():
            out.extend(w for w in layer._ordered_weights() if all(w is not o for o in out))
        return out

    def get_weights(self):
        return [w.numpy() for w in self._ordered_weights()]

    # ---- saving (Keras 3's hooks: a layer may override them) -----------------------------
    def _own_variables(self):
        """This layer's own variables, trainable then non-trainable, each in creation
        order (Keras's `_trainable_variables + _non_trainable_variables`)."""
        return [w for w in self._own_weights if w.trainable] + \
            [w for w in self._own_weights if not w.trainable]

    def save_own_variables(self, store):
        """Writes this layer's own variables (not its sublayers') into `store` as "0",
        "1", ...; `model.save()` and `save_weights()` call it for every layer."""
        for i, variable in enumerate(self._own_variables()):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Reads back what save_own_variables wrote. Every value is checked (count and
        shapes) before any is assigned, so a mismatch leaves the layer as it was."""
        from ..saving.state_values import assign_checked
        assign_checked(self._own_variables(), store, f"Layer '{self.name}'",
                       built=self.built)

    def set_weights(self, weights):
        params = self._ordered_weights()
        if len(weights) != len(params):
            raise ValueError(f"Layer {self.name!r} expects {len(params)} weights, but the "
                             f"received list has {len(weights)} elements.")
        for var, value in zip(params, weights):
            value = np.asarray(value)
            if tuple(value.shape) != var.shape:
                raise ValueError(f"Layer {self.name!r} weight shape {var.shape} is not "
                                 f"compatible with provided weight shape {value.shape}.")
        for var, value in zip(params, weights):
            var.assign(np.asarray(value, dtype=var.dtype))

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but "
                             "the layer isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`.")
        return int(sum(np.prod(w.shape) for w in self.weights))
