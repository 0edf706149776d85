"""The Layer base class: its weights created, build-on-first-call, and the three ways to
call a layer (what it holds and reports: layers/layer_state.py).

* On KerasTensors (functional API): builds the layer, records a LayerCall and returns new
  KerasTensors whose shapes come from tracing `call` once on a scratch graph.
* On graph Tensors (while a step is traced): runs `call`, which records primitives.
* On arrays (eager): runs `call` through the eager ops; models override this with the
  compiled predict plan.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import numpy as np

from .. import initializers, ops, regularizers
from ..ops.random import SeedGenerator
from ..graph import Graph, Tensor, Variable, bind, current_graph
from ..utils.naming import to_snake_case, unique_name
from ..saving.object_config import (auto_config, automatic_config, build_config,
                                    build_shapes, built_at_init, dtype_policy_config,
                                    policy_name, recording_build, shape_record)
from .input_spec import check_layer_inputs
from .keras_tensor import SPEC_BATCH as _SPEC_BATCH, SPEC_UNKNOWN as _SPEC_UNKNOWN
from .keras_tensor import KerasTensor, LayerCall
from .layer_state import LayerState
from .masks import attach_output_masks, mask_arguments



def shown_shape(x):
    """x's shape for an error message: the batch axis as None while a layer is traced only
    for its output shape (its placeholder's batch of _SPEC_BATCH is not the user's)."""
    shape = tuple(x.shape)
    graph = current_graph()
    if graph is not None and graph.name == "spec" and shape:
        return (None,) + shape[1:]
    return shape


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for item in x:
            out.extend(_flatten(item))
        return out
    return [x]


def _map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map_structure(fn, i) for i in x)
    return fn(x)


def _compute_dtype(layer_type, dtype):
    """The dtype a layer computes in: float32 (Keras's default policy). Other float types
    are refused here, when the layer is made, rather than deep inside a kernel later."""
    if dtype is None:
        return "float32"
    dtype = policy_name(dtype, layer_type)  # Keras 3 writes a DTypePolicy config
    name = getattr(dtype, "name", dtype)
    name = name if isinstance(name, str) else np.dtype(name).name
    if name == "float32":
        return name
    if name in ("float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16"):
        raise NotImplementedError(f"{layer_type}: dtype={name!r} is not supported yet by "
                                  "fastkeras; layers compute in float32 (mixed precision is "
                                  "planned). Leave `dtype` unset or pass 'float32'.")
    raise ValueError(f"{layer_type}: invalid layer dtype {dtype!r}; fastkeras layers compute "
                     "in 'float32'.")


def _layers_in(value, strict):
    """The Layers in `value` (itself, or in a list/tuple/dict, recursively); with `strict`,
    none unless every leaf is a Layer."""
    found = []

    def walk(v):
        if isinstance(v, Layer):
            found.append(v)
            return True
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, (list, tuple)):
            return all([walk(i) for i in v])
        return False

    only_layers = walk(value)
    return found if only_layers or not strict else []


class _Building(threading.local):
    depth = 0  # > 0 while some layer's build() runs on this thread


class _CallContext(threading.local):
    training = None  # the `training` of the layer call in progress on this thread
    scopes = ()  # the layers whose call or build is in progress, outermost first


@contextlib.contextmanager
def name_scope(layer):
    """Keras's name scope: weights a layer creates while `layer` calls or builds it get
    `layer`'s name in their path ("sequential/dense/kernel"); entered once per layer."""
    outer = _context.scopes
    if outer and outer[-1] is layer:
        yield
        return
    _context.scopes = outer + (layer,)
    try:
        yield
    finally:
        _context.scopes = outer


def _weight_path(layer, name):
    """The path of `layer`'s weight `name`: the enclosing scopes, the layer, the name."""
    scopes = [l.name for l in _context.scopes if l is not layer]
    return "/".join(scopes + [layer.name, name])


_building, _context = _Building(), _CallContext()


@functools.lru_cache(maxsize=None)
def _accepts_training(layer_type) -> bool:
    import inspect  # deferred: a heavy import, needed once per layer type
    params = inspect.signature(layer_type.call).parameters
    return "training" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


class Layer(LayerState):
    input_spec = None  # an InputSpec (or list/dict of them) each call checks (input_spec.py)

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        # Only a class without its own get_config() needs Keras's automatic config.
        object.__setattr__(obj, "_auto_config", auto_config(cls, args, kwargs) if getattr(
            cls.get_config, "_default_config", False) else None)
        object.__setattr__(obj, "_build_shapes_dict", None)
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = recording_build(cls.__dict__["build"])

    def __init__(self, activity_regularizer=None, trainable=True, name=None, dtype=None,
                 input_shape=None, input_dim=None, **kwargs):
        kwargs.pop("batch_input_shape", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments: "
                            f"{sorted(kwargs)}")
        object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_own_weights", [])
        object.__setattr__(self, "_eager_losses", [])
        object.__setattr__(self, "_seed_generators", [])
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = _compute_dtype(type(self).__name__, dtype)
        self.built = False
        self._calls: list[LayerCall] = []
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None

    # ---- tracking ------------------------------------------------------------------------
    def __setattr__(self, name, value):
        """Tracks sublayers as Keras does: a layer, or the layers in a list, tuple or dict
        (its values; nested too). A public attribute's list or dict is looked at again
        when the layers are read, so layers appended to it later are tracked too; a
        private one's (`_name`) is tracked only when it holds nothing but layers."""
        if isinstance(value, SeedGenerator):
            if value not in self._seed_generators:
                self._seed_generators.append(value)
        elif name != "_outer" and isinstance(value, (Layer, list, tuple, dict)):
            private = name.startswith("_")
            self._track(_layers_in(value, strict=private))
            if not private and isinstance(value, (list, dict)):
                watched = self.__dict__.setdefault("_watched_attrs", [])
                if name not in watched:
                    watched.append(name)
        object.__setattr__(self, name, value)

    def _track(self, layers):
        for layer in layers:
            if layer is not self and all(layer is not t for t in self._layers):
                self._layers.append(layer)

    def _tracked_layers(self):
        """The direct sublayers, with any added since to a watched list or dict."""
        for name in self.__dict__.get("_watched_attrs", ()):
            value = self.__dict__.get(name)
            if isinstance(value, (list, dict)):
                self._track(_layers_in(value, strict=False))
        return self._layers

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   name=None, regularizer=None, constraint=None):
        graph = current_graph()
        if graph is not None and graph.notes.get("step") and not _building.depth:
            # call() runs once per compiled step: a weight made there would be a new one at
            # every trace, invisible to the optimizer and the state block already built.
            raise ValueError(
                f"Layer {self.name!r} ({type(self).__name__}) created a weight "
                f"{name or ''!r} inside call() after it was built. fastkeras compiles call() "
                "into the train and predict steps, so every weight must exist before: create "
                "it in build(input_shape) (or __init__) with self.add_weight().")
        shape = tuple(int(d) for d in (shape or ()))
        init = initializers.get(initializer)
        var = Variable(init, shape=shape, dtype=dtype or self.dtype, trainable=trainable,
                       name=name)
        var.path = _weight_path(self, var.name)
        var.regularizer = regularizers.get(regularizer)
        from .. import constraints  # deferred: constraints import ops, as this module does
        var.constraint = constraints.get(constraint)
        self._own_weights.append(var)
        return var

    # ---- building and calling ------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def _maybe_build(self, inputs):
        check_layer_inputs(self, inputs)  # self.input_spec, as Keras: before build and call
        if self.built and self.__dict__.get("_build_shapes_dict") is None and \
                not self._calls and not built_at_init(type(self)):
            # Built without build() (a weightless layer): Keras builds it at its first
            # call, and keeps those shapes as its "build_config".
            object.__setattr__(self, "_build_shapes_dict",
                               {"input_shape": shape_record(build_shapes(inputs))})
        if not self.built:
            shapes = build_shapes(inputs)
            _building.depth += 1
            try:
                with name_scope(self):
                    self.build(shapes)
            finally:
                _building.depth -= 1
            self.built = True
            check_layer_inputs(self, inputs)  # again: build() may have set input_spec

    def __call__(self, inputs, *args, **kwargs):
        # Keras's call context: a call given `training` passes it on to the layers its
        # call() calls without one (a subclassed model's `self.dropout(x)` trains in fit).
        outer = _context.training
        if kwargs.get("training") is None and outer is not None:
            if _accepts_training(type(self)):
                kwargs["training"] = outer
        _context.training = kwargs.get("training", outer)
        try:
            with name_scope(self):
                return self._call(inputs, *args, **kwargs)
        finally:
            _context.training = outer

    def _call(self, inputs, *args, **kwargs):
        flat = _flatten(inputs)
        # Keras's masks: read off the inputs before they are converted (layers/masks.py).
        kwargs, previous_mask = mask_arguments(self, inputs, args, kwargs)
        if any(isinstance(x, KerasTensor) for x in flat):
            outputs = self._symbolic_call(inputs, *args, **kwargs)
            attach_output_masks(self, inputs, outputs, previous_mask)
            return outputs
        if not any(isinstance(x, Tensor) for x in flat):
            self._eager_losses.clear()  # losses are those of the latest call
            inputs = _map_structure(lambda x: x if isinstance(x, Variable) else
                                    np.asarray(x, dtype=self.dtype if np.asarray(x).dtype.kind == "f"
                                               else None), inputs)
        else:
            inputs = self._autocast(inputs)
        self._maybe_build(inputs)
        outputs = self.call(inputs, *args, **self._call_kwargs(kwargs))
        graph = current_graph()
        if graph is not None and graph.notes.get("step"):
            self._trace_regularizers(graph)
        if self.activity_regularizer is not None:
            for out in _flatten(outputs):  # Keras 3.15: the penalty per sample of the batch
                penalty = self.activity_regularizer(out)
                if len(out.shape):
                    penalty = ops.divide(penalty, float(out.shape[0]))
                self.add_loss(penalty)
        attach_output_masks(self, inputs, outputs, previous_mask)
        return outputs

    def _autocast(self, inputs):
        """Keras's autocast: floating inputs of another float type (an Input(dtype='float64'))
        are cast to the layer's dtype; integer inputs pass as they are."""
        def cast(t):
            if isinstance(t, Tensor) and t.dtype != self.dtype and t.dtype.startswith("float"):
                return bind("cast", t, dtype=self.dtype)
            return t
        return _map_structure(cast, inputs)

    def _call_kwargs(self, kwargs):
        """kwargs for call(), without `training` when call() does not take it."""
        if "training" in kwargs and not _accepts_training(type(self)):
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        return kwargs

    def _symbolic_call(self, inputs, *args, **kwargs):
        self._maybe_build(inputs)
        unknown = any(d is None for kt in _flatten(inputs) if isinstance(kt, KerasTensor)
                      for d in kt.shape[1:])
        traced_out = self._trace_spec(inputs, args, kwargs, _SPEC_UNKNOWN[0])
        flat_out = _flatten(traced_out)
        shapes = [tuple(t.shape[1:]) for t in flat_out]
        if unknown:  # an output axis that follows an unknown input axis is unknown (None)
            again = [tuple(t.shape[1:]) for t in _flatten(
                self._trace_spec(inputs, args, kwargs, _SPEC_UNKNOWN[1]))]
            shapes = [tuple(d if d == e else None for d, e in zip(s, t))
                      for s, t in zip(shapes, again)]
        outputs = [KerasTensor((None,) + shape, t.dtype) for shape, t in zip(shapes, flat_out)]
        call = LayerCall(self, _flatten(inputs), dict(kwargs), outputs, structure=inputs,
                         args=args)
        for i, kt in enumerate(outputs):
            kt._history = (call, i)
        self._calls.append(call)
        it = iter(outputs)
        return _map_structure(lambda _: next(it), traced_out)

    def _trace_spec(self, inputs, args, kwargs, unknown_size):
        """call() traced on placeholders: the batch axis as _SPEC_BATCH rows, any other
        unknown axis as `unknown_size`."""
        graph = Graph("spec")
        with graph:
            def placeholder(kt):
                shape = tuple(_SPEC_BATCH if (d is None and i == 0) else
                              (unknown_size if d is None else d) for i, d in enumerate(kt.shape))
                return graph.placeholder(shape, kt.dtype)
            traced_in = self._autocast(_map_structure(placeholder, inputs))
            # KerasTensors among the keyword arguments (a mask) are traced as placeholders.
            traced_kwargs = {k: _map_structure(
                lambda v: placeholder(v) if isinstance(v, KerasTensor) else v, v)
                for k, v in self._call_kwargs(kwargs).items()}
            return self.call(traced_in, *args, **traced_kwargs)

    # ---- masking (layers/masks.py) -------------------------------------------------------
    @property
    def supports_masking(self):
        """Whether the layer puts compute_mask()'s mask on its outputs: as Keras, True for
        a class that overrides compute_mask(), unless the layer sets it."""
        value = self.__dict__.get("_supports_masking")
        if value is None:
            return type(self).compute_mask is not Layer.compute_mask
        return value

    @supports_masking.setter
    def supports_masking(self, value):
        object.__setattr__(self, "_supports_masking", bool(value))

    def compute_mask(self, inputs, previous_mask):
        return previous_mask

    def compute_output_shape(self, input_shape):
        kt = KerasTensor(input_shape)
        graph = Graph("spec")
        with graph:
            x = graph.placeholder(tuple(_SPEC_BATCH if d is None else d for d in kt.shape))
            self._maybe_build(x)
            y = self.call(x)
        return (None,) + tuple(y.shape[1:])

    # ---- functional-API conveniences -----------------------------------------------------
    @property
    def input(self):
        if not self._calls:
            raise AttributeError(f"Layer {self.name!r} has never been called and thus has no "
                                 "defined input.")
        ins = self._calls[0].inputs
        return ins[0] if len(ins) == 1 else ins

    @property
    def output(self):
        if not self._calls:
            raise AttributeError(f"Layer {self.name!r} has never been called and thus has no "
                                 "defined output.")
        outs = self._calls[0].outputs
        return outs[0] if len(outs) == 1 else outs

    # ---- config --------------------------------------------------------------------------
    def get_config(self):
        """name, trainable, dtype; a class that does not override get_config() also gets
        its constructor's arguments (Keras's automatic config), when they are plain values."""
        config = {"name": self.name}
        if getattr(type(self).get_config, "_default_config", False):
            config = automatic_config(self)
        config.update(trainable=self.trainable, dtype=dtype_policy_config(self.dtype))
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    get_config._default_config = True

    @classmethod
    def from_config(cls, config):
        if isinstance(config.get("dtype"), dict):  # Keras passes a DTypePolicy's name
            config = {**config, "dtype": policy_name(config["dtype"], cls.__name__)}
        try:
            return cls(**config)
        except NotImplementedError:
            raise  # fastkeras lacks an option: say so, not "cannot deserialize"
        except Exception as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config="
                            f"{config}.\n\nException encountered: {e}") from e

    def get_build_config(self):
        """The shapes the layer was built for (Keras's "build_config"), None if unbuilt."""
        return build_config(self.__dict__.get("_build_shapes_dict"))

    def build_from_config(self, config):
        """Creates the weights from get_build_config()'s record (Keras's default)."""
        if config and config.get("input_shape") is not None:
            self.build(config["input_shape"])
        elif config and config.get("shapes_dict"):
            self.build(**config["shapes_dict"])

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


Layer.build = recording_build(Layer.build)
