"""keras.utils.clear_session: forget the process-wide state that Keras scripts reset
between models (what fastkeras keeps of it: the automatic-name counters and the config
flags that Keras keeps in its global state)."""

import gc


def clear_session(free_memory=True):
    """Names restart at 'dense', 'dense_1', ...; the dtype policy and the flash-attention
    flag return to their defaults (Keras clears them with the rest of its global state).
    With `free_memory`, Python's garbage collector runs."""
    from .. import config, dtype_policies
    from .naming import reset_names
    reset_names()
    dtype_policies.set_dtype_policy(None)
    config.enable_flash_attention()
    if free_memory:
        gc.collect()
