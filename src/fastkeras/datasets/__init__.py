"""Keras's data sets (keras.datasets), downloaded once into the Keras cache
(~/.keras/datasets, or $KERAS_HOME/datasets) from Keras's own URLs, hash-checked, and
returned as Keras returns them; plus one that ships inside the package:

digits: the UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin,
C. Kaynak, 1998; CC BY 4.0): 1,797 images of 8x8 pixels with values 0..16, labels 0..9.
"""

from . import (boston_housing, california_housing, cifar10, cifar100, digits, fashion_mnist,
               imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters"]
