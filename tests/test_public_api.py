"""The public surface: ``airank.__all__`` is sorted and lists exactly the public names."""

from __future__ import annotations

import types

import airank


def test_all_is_sorted_and_exact():
    assert airank.__all__ == sorted(airank.__all__)
    for name in airank.__all__:
        assert hasattr(airank, name), name
    public = {n for n, v in vars(airank).items()
              if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public <= set(airank.__all__), public - set(airank.__all__)


def test_errors_are_value_errors_and_pickle():
    import pickle

    err = airank.SpecError([airank.Issue(("nodes", "x", "weight"), "bad_weight", "bad", -1)])
    assert isinstance(err, ValueError) and isinstance(err, airank.AirankError)
    back = pickle.loads(pickle.dumps(err))
    assert back.issues == err.issues and str(back) == str(err)
