"""Small data sets that ship inside the package (no download).

digits: the UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin,
C. Kaynak, 1998; CC BY 4.0): 1,797 images of 8x8 pixels with values 0..16, labels 0..9.
"""

from . import digits

__all__ = ["digits"]
