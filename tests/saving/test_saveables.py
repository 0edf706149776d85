"""saveables.py's walk reads each object's attribute names as dir() would give them (the
class's part kept per class, saving/saveables.py `_attribute_names`): the same names for
every kind of object, and a name added to a class later is seen at the next save."""

import fastkeras as keras
from fastkeras.saving import saveables

L = keras.layers


class Holder(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(2, name="inner")
        self._private = L.Dense(3, name="private")
        self.items = [L.Dense(4, name="a"), {"k": L.Dense(5, name="b")}]

    def call(self, x):
        return self.inner(x)


class OwnDir(L.Layer):
    def __dir__(self):
        return list(super().__dir__()) + ["extra"]

    extra = 1


def _as_dir_gives(obj):
    skip = saveables._skipset(saveables._reference_class(obj))
    return [n for n in dir(obj) if not (n.startswith("__") or n in skip)]


def test_names_are_those_of_dir_for_every_kind_of_object():
    model = keras.Sequential([keras.Input((3,)), Holder(name="h"), L.Dense(1)])
    model.compile("adam", "mse")
    for obj in [model, model.layers[0], model.layers[1], OwnDir()]:
        skip = saveables._skipset(saveables._reference_class(obj))
        assert saveables._attribute_names(obj, skip) == _as_dir_gives(obj)
    paths = [p for p, _ in saveables.saveables(model)]
    assert paths == ["", "layers/holder", "layers/holder/inner", "layers/holder/items/dense",
                     "layers/holder/items/container/dense", "layers/holder/_private",
                     "layers/dense", "optimizer"]


def test_a_name_added_to_a_class_later_is_walked():
    class Later(L.Layer):
        def call(self, x):
            return x

    layer = Later(name="later")
    assert [p for p, _ in saveables.saveables(layer)] == [""]
    Later.shared = L.Dense(2, name="shared")  # a class attribute holding a layer
    try:
        assert [p for p, _ in saveables.saveables(layer)] == ["", "shared"]
    finally:
        del Later.shared
    assert [p for p, _ in saveables.saveables(layer)] == [""]
