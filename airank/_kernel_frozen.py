"""Frozen subtrees of the scoring kernel (:mod:`airank.kernel`): a group whose every
descendant weighs the same in all the replications of a batch scores the same in all of
them, so it is scored once and enters the batch as one column.

A robustness design seldom varies every weight: COINr's default perturbs pillar and
sub-index weights and leaves the indicators' alone. In the collapsed form
``index = g^-1(g(X) @ E.T)`` the effective weight of an indicator ``i`` under a frozen
group ``c`` is ``inner_i * share_c``: ``inner_i`` (its weight within ``c``, the product of
its shares from ``i`` up to ``c``) is the same in every replication, and only ``share_c``
(``c``'s weight in the index) varies. So ``g(X) @ E.T`` equals ``P @ E'.T``, where ``P``
holds, per frozen group, ``g(X) @ inner`` (computed once per batch shape) and ``E'`` are
the effective weights of the *reduced* tree: the frozen groups as its leaves. The
effective weights and the matrix product then run on (replications x leaves of the
reduced tree) instead of (replications x indicators) -- about six times fewer on the
ASEM example. The sums are regrouped, so scores agree with the full product to rounding
(a few 1e-15 relative on the ASEM and OGAI designs), not bit for bit; which subtrees
freeze depends on the batch's weights alone, so the same replications give the same
bytes however they are run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .kernel import Kernel

Array = np.ndarray
KEPT = 16  # reduced trees kept per bound matrix
_EVICTING = threading.Lock()  # one thread at a time drops and adds kept trees


@dataclass(frozen=True, eq=False)
class Reduced:
    """The reduced tree of one batch shape: its kernel, which original node each of its
    nodes is, which of its leaves are empty frozen groups (they weigh 0), and ``P``
    (units x its leaves, C order): the transformed indicators, then one column per
    frozen group."""

    kernel: Kernel
    node_map: Array
    empty: Array
    P: Array

    def weights(self, W: Array) -> Array:
        """The reduced tree's weights (R x its nodes) from the full ones ``W``."""
        Wr = W[:, self.node_map]
        if self.empty.any():
            Wr[:, self.empty] = 0.0
        return Wr


def frozen_cut(k: Kernel, const: Array) -> Array:
    """Group positions of the top-most frozen groups (never the index) under the
    per-node mask ``const`` (weights equal in every replication)."""
    n_groups = len(k.groups)
    frozen = np.zeros(n_groups, dtype=bool)
    group_of = _group_of(k)
    for gi in range(n_groups - 1):  # groups come bottom-up; the index is last
        kids = k.kids[gi]
        frozen[gi] = bool(const[kids].all()) and all(
            frozen[group_of[int(j)]] for j in kids if j >= k.n_ind)
    top = [gi for gi in range(n_groups - 1)
           if frozen[gi] and not frozen[k.parent[k.group_node[gi]]]]
    return np.array(top, dtype=np.int64)


def _group_of(k: Kernel) -> dict[int, int]:
    """Group position of every group's node position."""
    return {int(j): gi for gi, j in enumerate(k.group_node)}


def below(k: Kernel, gi: int, group_of: dict[int, int]) -> list[int]:
    """Every node position under group ``gi`` (its descendants)."""
    out: list[int] = []
    todo = [gi]
    while todo:
        g = todo.pop()
        for j in k.kids[g].tolist():
            out.append(j)
            if j >= k.n_ind:
                todo.append(group_of[j])
    return sorted(out)


def _ancestors(k: Kernel, j: int) -> list[int]:
    """Node positions of the groups above node ``j``, the index excluded."""
    out = []
    gi = int(k.parent[j])
    while gi < len(k.group_node):
        node = int(k.group_node[gi])
        out.append(node)
        gi = int(k.parent[node])
    return out


def reduce(k: Kernel, cut: Array, under_cut: list[list[int]], w: Array, T: Array
           ) -> Reduced:
    """The reduced tree of the frozen groups ``cut`` (from :func:`frozen_cut`; the nodes
    under each in ``under_cut``) under the constant weights in ``w`` (one weight row,
    nodes), with ``T`` the transformed indicators (units x indicators)."""
    from .kernel import Kernel

    under = np.zeros(len(k.nodes), dtype=bool)
    for b in under_cut:
        under[b] = True
    # inner weights: the full tree on rows where the cut group and its ancestors weigh 1
    # and everything else outside it 0, so that its share in the index is exactly 1
    rows = np.zeros((len(cut), len(k.nodes)))
    for r, (gi, b) in enumerate(zip(cut.tolist(), under_cut, strict=True)):
        rows[r, b] = w[b]
        node = int(k.group_node[gi])
        rows[r, [node, *_ancestors(k, node)]] = 1.0
    inner = k.effective(rows)  # (cuts, indicators)
    free = np.flatnonzero(~under[: k.n_ind])
    cut_nodes = k.group_node[cut]
    frozen = set(cut.tolist())
    groups = [gi for gi in range(len(k.groups))
              if gi == len(k.groups) - 1 or (not under[k.group_node[gi]] and gi not in frozen)]
    upper = [int(k.group_node[gi]) for gi in groups[:-1]]
    node_map = np.concatenate([free, cut_nodes, upper]).astype(np.int64)
    pos = {int(j): r for r, j in enumerate(node_map)}
    gpos = {gi: r for r, gi in enumerate(groups)}
    kids = tuple(np.array([pos[int(j)] for j in k.kids[gi]], dtype=np.int64)
                 for gi in groups)
    parent = np.array([gpos[int(k.parent[j])] for j in node_map], dtype=np.int64)
    n_leaves = free.size + cut.size
    red = Kernel(tuple(k.nodes[j] for j in node_map), tuple(k.groups[gi] for gi in groups),
                 n_leaves, kids, tuple(k.methods[gi] for gi in groups),
                 tuple(k.params[gi] for gi in groups), k.weights[node_map], parent,
                 np.arange(n_leaves, len(node_map), dtype=np.int64))
    P = np.empty((T.shape[0], n_leaves))
    P[:, : free.size] = T[:, free]
    P[:, free.size:] = T @ inner.T
    empty = np.zeros(len(node_map), dtype=bool)
    empty[free.size:n_leaves] = ~(inner > 0).any(axis=1)
    return Reduced(red, node_map, empty, np.ascontiguousarray(P))


def reduction(cache: dict[str, Any], k: Kernel, W: Array, T: Array,
              const: Array | None = None) -> Reduced | None:
    """The reduced tree of the batch ``W`` (R x nodes) for a bound matrix whose
    transformed indicators are ``T``; None when no group is frozen. ``const``: which
    columns of ``W`` are equal in every row, when the caller has found them already.
    ``cache`` (the bound matrix's) keeps which groups freeze under which constant
    columns, and the last :data:`KEPT` reduced trees by the weights they froze at."""
    if const is None:
        const = (W == W[:1]).all(axis=0)
    cuts: dict[bytes, tuple[Array, list[list[int]], Array]] = cache.setdefault("cuts", {})
    key = const.tobytes()
    if key not in cuts:
        cut = frozen_cut(k, const)
        group_of = _group_of(k)
        under_cut = [below(k, gi, group_of) for gi in cut.tolist()]
        cuts[key] = (cut, under_cut, np.array(sorted(j for b in under_cut for j in b),
                                              dtype=np.int64))
    cut, under_cut, under = cuts[key]
    if not cut.size:
        return None
    kept: dict[tuple[bytes, bytes], Reduced] = cache.setdefault("reduced", {})
    vkey = (key, W[0, under].tobytes())
    red = kept.get(vkey)
    if red is None:
        red = reduce(k, cut, under_cut, W[0], T)
        with _EVICTING:  # threads of one process (Dask workers) may share the cache
            while len(kept) >= KEPT:
                kept.pop(next(iter(kept)))
            kept[vkey] = red
    return red
