"""Every public name of the Keras 3 namespaces that the finished issues cover either exists
in fastkeras or has its status in docs/api-coverage.md (by name, or by a `Prefix*` pattern
there). The names come from real Keras (tests/fixtures/make_keras_names.py)."""

import fnmatch
import json
import os
import re

import pytest

import fastkeras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = json.load(open(os.path.join(ROOT, "tests", "fixtures", "keras_names.json")))
DOC = open(os.path.join(ROOT, "docs", "api-coverage.md")).read()
DOC_TOKENS = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_.*]*)", DOC))

# The namespaces of the issues resolved or in hand ([3]-[7]).
MODULES = ("layers", "models", "initializers", "regularizers", "constraints", "activations",
           "random", "callbacks", "saving", "losses", "metrics", "optimizers")


def _documented(name):
    return any(tok == name or tok.endswith("." + name) or
               ("*" in tok and fnmatch.fnmatchcase(name, tok)) for tok in DOC_TOKENS)


@pytest.mark.parametrize("module", MODULES)
def test_every_keras_name_is_present_or_has_a_status(module):
    ours = getattr(fastkeras, module)
    missing = [n for n in NAMES[module] if not hasattr(ours, n) and not _documented(n)]
    assert not missing, (f"keras.{module} names neither in fastkeras.{module} nor in "
                         f"docs/api-coverage.md: {missing}")
