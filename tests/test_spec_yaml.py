"""The spec's YAML loader: alias bombs and recursive aliases refused, long values cut
short in messages, the 20-line cap of every error respected on the YAML/pydantic path."""

from __future__ import annotations

import pytest

from airank import SpecError, load_spec
from airank.cli import main
from airank.spec_checks import MAX_ALIAS_NODES, short_repr

LEVELS = "\n".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 6))
BOMB = f'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n{LEVELS}\n'


def write(tmp_path, text: str):
    f = tmp_path / "spec.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("key", ["name", "nodes", "description"])
def test_alias_bomb_is_refused(tmp_path, key, capsys):
    f = write(tmp_path, BOMB + f"{key}: [*l5, *l5]\n")
    assert len(f.read_bytes()) < 400
    with pytest.raises(SpecError) as info:
        load_spec(f)
    (issue,) = info.value.issues
    assert issue.code == "bad_yaml" and issue.loc == (str(f), "line 1")
    assert f"more than {MAX_ALIAS_NODES:,} beyond those written; airank refuses" in str(
        info.value)
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert len(err) < 800 and "Traceback" not in err


def test_recursive_alias_is_refused(tmp_path):
    f = write(tmp_path, "name: &a [x, *a]\n")
    with pytest.raises(SpecError, match="refers to a node that contains it"):
        load_spec(f)


def test_ordinary_aliases_still_load(tmp_path):
    f = write(tmp_path, """\
name: Aliased
nodes: [{code: index}]
indicators:
  - {code: a, parent: index, methods: &m {normalise: {method: minmax}}}
  - {code: b, parent: index, methods: *m}
""")
    s = load_spec(f)
    assert s.method("normalise", "b").method == "minmax"


def test_long_values_are_cut_short_in_messages(tmp_path):
    # a few thousand values through aliases (under the limit): one line each, not pages
    f = write(tmp_path, 'x: &x ["' + "y" * 50 + '", 1, 2, 3, 4, 5, 6, 7, 8, 9]\n'
              "z: &z [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\n"
              "name: [*z, *z, *z, *z, *z, *z, *z, *z, *z, *z]\n"
              "nodes: [" + ", ".join(["*z"] * 30) + "]\n")
    with pytest.raises(SpecError) as info:
        load_spec(f)
    text = str(info.value)
    assert len(info.value.issues) > 20 and text.count("\n") == 21
    assert max(len(line) for line in text.splitlines()) < 400
    assert "... and" in text.splitlines()[-1]


def test_short_repr():
    assert short_repr([1, 2]) == "[1, 2]"
    assert short_repr("abc") == "'abc'"
    long = short_repr(list(range(1000)))
    assert long == "[0, 1, 2, 3, 4, 5, 6, 7, ...]"
    assert len(short_repr({f"k{i}": "v" * 500 for i in range(50)})) <= 300
