import numpy as np

import fastkeras as keras


def test_digits_ship_with_the_package():
    (x, y), (xt, yt) = keras.datasets.digits.load_data()
    assert x.shape[1:] == (8, 8) and len(x) + len(xt) == 1797
    assert x.max() == 16 and set(np.unique(y)) == set(range(10))
