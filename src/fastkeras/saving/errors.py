"""The error of a `.keras` file that cannot be read, shared by the archive reader
(keras_file.py) and the assets reader (assets_store.py) without either importing the other."""


class KerasFileError(ValueError):
    """A `.keras` file that cannot be read: not a zip, damaged, or unsafe."""
