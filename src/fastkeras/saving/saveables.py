"""Which objects of a model hold saved state, and at which path of the weights file: Keras
3's walk (keras/src/saving/saving_lib.py `_save_state` / `_walk_saveable`), so that a file
written by either library lands on the same objects in the other.

From the model, depth first, each object once: its own variables at its path, then its
children. A Sequential's or functional model's children are first its `layers`; then, for
every object, its attributes in sorted order (private ones last) leaving out what a plain
Layer (or Model, Sequential) has itself: an attribute holding a layer or an optimizer
adds its name to the path, a list/tuple/dict of them adds the attribute's name then one
name per item, the item's class in snake case made unique within the container
("dense", "dense_1", ...; a nested container is "container", "container_1", ...)."""

from __future__ import annotations

import functools

from ..utils.naming import to_snake_case

# Attributes a fastkeras model sets that Keras's models do not have (compile() and fit()
# set them after __init__, so a reference instance does not show them).
_MODEL_INTERNALS = frozenset(("_compile_args", "_compiled_trainable_state",
                              "_optimizer_built_before_compile", "_watched_attrs"))
_WALKED_MODEL_ATTRIBUTES = frozenset(("layers", "optimizer"))
_skipsets: dict = {}


_saveable_classes: tuple = ()


def _saveable_types():
    """(Layer, Optimizer): what holds saved state; imported once, not at every save."""
    global _saveable_classes
    if not _saveable_classes:
        from ..layers.layer import Layer
        from ..optimizers import Optimizer
        _saveable_classes = (Layer, Optimizer)
    return _saveable_classes


# An item's name in a container is its class's name in snake case (a regex, per class once).
_snake_case_of = functools.lru_cache(maxsize=256)(to_snake_case)


# fastkeras's model classes, found in an object's MRO by module and name: saving does not
# import models/, which imports saving (model.save, keras.models.load_model).
_MODEL_CLASSES = {("fastkeras.models.sequential", "Sequential"), ("fastkeras.models.model", "Model")}


def _model_base(obj, names=("Sequential", "Model")):
    """The first of fastkeras's model classes `names` that `obj` is an instance of."""
    for cls in type(obj).__mro__:
        if (cls.__module__, cls.__name__) in _MODEL_CLASSES and cls.__name__ in names:
            return cls
    return None


_class_kinds: dict = {}


def _class_kind(obj):
    """(the reference class of `obj`'s walk, whether its class walks `layers` first),
    found in its MRO once per class: a checkpoint walks the same few classes every save."""
    cls = type(obj)
    kind = _class_kinds.get(cls)
    if kind is None:
        from ..layers.layer import Layer
        reference = _model_base(obj) or (Layer if isinstance(obj, Layer) else None)
        kind = _class_kinds[cls] = (reference, _model_base(obj, ("Sequential",)) is not None)
    return kind


def _reference_class(obj):
    return _class_kind(obj)[0]


def _skipset(cls):
    """The attributes Keras's walk passes over on an object of this kind: those a plain
    instance already has (Keras: `dir(Layer())`)."""
    if cls not in _skipsets:
        from ..layers.layer import Layer
        reference = cls(name="__fastkeras_saving_reference__")  # named: no counter used
        names = set(dir(reference))
        if cls is not Layer:
            names = (names | _MODEL_INTERNALS) - _WALKED_MODEL_ATTRIBUTES
        _skipsets[cls] = frozenset(names)
    return _skipsets[cls]


def _layers_first(obj):
    """Keras's Sequential and functional models walk their `layers` before anything."""
    return _class_kind(obj)[1] or getattr(obj, "_functional", None) is not None


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


_class_names: dict = {}


def _walked(names, skip):
    return [n for n in names if not (n.startswith("__") or n in skip)]


def _attribute_names(obj, skip):
    """dir(obj) less dunders and `skip`. dir() of an object that does not define __dir__ is
    its class's names and its __dict__'s: the class's part (hundreds of methods, nearly all
    skipped) is filtered once per class, and again if a class of its MRO gains or loses a
    name; a checkpoint walks the model at every save."""
    cls = type(obj)
    if cls.__dir__ is not object.__dir__ or not hasattr(obj, "__dict__"):
        return _walked(dir(obj), skip)
    key = (cls, skip, tuple([len(c.__dict__) for c in cls.__mro__]))
    class_names = _class_names.get(key)
    if class_names is None:
        class_names = _class_names[key] = frozenset(_walked(dir(cls), skip))
    # The instance's names less `skip` by a set difference first: most of them are skipped.
    own = _walked(obj.__dict__.keys() - skip, ())
    return sorted(class_names.union(own))


def _children(obj):
    """(attribute name, value) pairs in Keras's order."""
    cls = _reference_class(obj)
    if cls is None:  # an optimizer: its variables are its own, it has no children
        return
    first = _layers_first(obj)
    if first:
        yield "layers", obj.layers
    names = _attribute_names(obj, _skipset(cls))
    if first:
        names = [name for name in names if name != "layers"]
    for name in sorted(names, key=_name_key):  # the few left, not all of dir()
        try:
            value = getattr(obj, name)
        except Exception:  # a property that fails is not state (as Keras)
            continue
        yield name, value


def _join(path, name):
    return f"{path}/{name}" if path else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _walk(obj, path, visited):
    if id(obj) in visited:
        return
    visited.add(id(obj))
    yield path, obj
    saveable = _saveable_types()
    for name, child in _children(obj):
        if isinstance(child, saveable):
            yield from _walk(child, _join(path, name), visited)
        elif isinstance(child, (list, tuple, dict)):
            yield from _walk_container(child, _join(path, name), visited, set())


def _walk_container(container, path, visited, seen):
    if id(container) in seen:
        return
    seen.add(id(container))
    used = {}
    saveable = _saveable_types()
    for item in (container.values() if isinstance(container, dict) else container):
        if isinstance(item, saveable):
            name = _unique(_snake_case_of(type(item).__name__), used)
            yield from _walk(item, _join(path, name), visited)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            yield from _walk_container(item, _join(path, name), visited, seen)


def saveables(model, objects_to_skip=()):
    """(path, object) for every object whose state is saved, in Keras's order; the
    objects in `objects_to_skip` (and what only they reach) are left out."""
    return _walk(model, "", {id(o) for o in objects_to_skip})


def metadata(obj):
    name = getattr(obj, "name", None)
    return {"name": name} if isinstance(name, str) else None


def save_state(model, writer, objects_to_skip=(), assets=None):
    """Every saveable's `save_own_variables(store)` into `writer.make(path, metadata)` and,
    given an assets store (a `.keras` file; weights files have none, as Keras), its
    `save_assets(assets.make(path))`."""
    for path, obj in saveables(model, objects_to_skip):
        if hasattr(obj, "save_own_variables"):
            obj.save_own_variables(writer.make(path, metadata(obj)))
        if assets is not None and hasattr(obj, "save_assets"):
            obj.save_assets(assets.make(path))


def load_state(model, reader, objects_to_skip=(), assets=None):
    """Every saveable's `load_own_variables(reader.get(path))`, then (given an assets
    store) its assets, after its variables as Keras (a TF-IDF vocabulary takes the loaded
    weights); the failures as a list of (object, exception), the others loaded (the caller
    decides to undo or warn)."""
    failures = []
    for path, obj in saveables(model, objects_to_skip):
        try:
            if hasattr(obj, "load_own_variables"):
                obj.load_own_variables(reader.get(path))
            if assets is not None and hasattr(obj, "load_assets"):
                assets.load(obj, path)
        except Exception as e:  # collected and reported together, as Keras
            failures.append((obj, e))
    return failures


def state_variables(model):
    """Every variable a load may change: the model's (weights and random state) and its
    optimizer's."""
    out = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        out += [v for v in optimizer.variables if all(v is not w for w in out)]
    return out
