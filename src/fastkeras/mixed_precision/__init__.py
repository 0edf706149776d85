"""keras.mixed_precision: the global dtype policy names. fastkeras computes in float32, so
only the 'float32' policy exists; 'mixed_float16'/'mixed_bfloat16' raise NotImplementedError."""

from ..dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy

Policy = DTypePolicy  # Keras keeps the TF-era names as aliases
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
