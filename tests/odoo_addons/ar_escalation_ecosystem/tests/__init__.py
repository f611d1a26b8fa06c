from . import test_ecosystem
