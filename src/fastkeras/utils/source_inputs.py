"""keras.utils.get_source_inputs: the Input tensors a symbolic tensor is computed from."""


def get_source_inputs(tensor):
    """The list of Input KerasTensors `tensor` depends on (each once, in first-seen order);
    a tensor with no history is its own source, and anything not a KerasTensor comes back
    unchanged, as in Keras."""
    from ..layers.keras_tensor import KerasTensor
    if not isinstance(tensor, KerasTensor):
        return tensor
    if tensor._history is None:
        return [tensor]
    call = tensor._history[0]
    if not call.inputs:  # an InputLayer's call: the graph's start
        return list(call.outputs)
    sources = []
    for parent in call.inputs:
        for x in get_source_inputs(parent):
            if all(x is not seen for seen in sources):
                sources.append(x)
    return sources
