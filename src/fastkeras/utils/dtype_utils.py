"""Keras's dtype names: `standardize_dtype` and the float/int predicates of keras.backend."""

# What Keras 3 accepts as a dtype name, and its Python-type shorthands.
ALLOWED_DTYPES = frozenset((
    "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
    "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2",
    "complex64", "complex128"))
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string",
                  "int": "int32", complex: "complex64"}


def standardize_dtype(dtype):
    """The Keras name of `dtype` (a name, a NumPy dtype or type, or a Python type); None
    gives floatx(). An unknown dtype raises ValueError."""
    if dtype is None:
        from ..config import floatx
        return floatx()
    try:
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    except TypeError:  # an unhashable argument: not a dtype
        raise ValueError(f"Invalid dtype: {dtype}") from None
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))
