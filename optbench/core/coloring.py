"""Column colourings of a sparse symmetric Hessian: recover ∇²f from a few Hessian-vector products.

If columns j and k of H have no row in which both are nonzero, one product H(e_j + e_k)
delivers both columns without mixing them up. Colouring the columns so that same-coloured
columns never share a row (Curtis, Powell & Reid 1974, "CPR") lets p products recover the
whole matrix, p = number of colours:

    S = seed_matrix(colors)          n × p, S[j, colors[j]] = 1
    B = H S                          p Hessian-vector products, B[:, c] = H S[:, c]
    H[i, j] = B[i, colors[j]]        for every (i, j) in the pattern (direct recovery)

Two columns may share a colour only if they are not neighbours in the *column
intersection graph* (edge j–k when some row has nonzeros in both); for a symmetric
pattern P that graph is the pattern of P·P, so a CPR colouring is a distance-2 colouring
of the adjacency graph of P (Coleman & Moré 1983; Gebremedhin, Manne & Pothen 2005, §3–4).
Every row's nonzero columns need distinct colours, so ρ = max nonzeros in a row is a lower
bound on p; tridiagonal patterns need 3 colours, 2×2 block-diagonal ones 2, a band of
half-width b at most 2b + 1 — independently of n.

How the colours are found (:func:`color_columns`):

* ``cyclic`` — colour j ↦ j mod p for p = ρ, ρ + 1, …, 2b + 1 (b = half-bandwidth), the
  first p that is valid. Columns more than 2b apart never share a row, so p = 2b + 1 is
  always valid; when the first valid p equals ρ it is optimal. Fully vectorised: one
  validity check per candidate p, O(nnz) each (tridiagonal n = 10⁶ in tens of ms).
* ``largest-first`` — greedy distance-2 colouring in largest-degree-first order (degree in
  the column intersection graph, ties broken by a seeded random permutation): each column
  takes the smallest colour not used by an earlier neighbour (Gebremedhin et al. 2005,
  §4.1). Computed by Jones–Plassmann rounds (Jones & Plassmann 1993): every column whose
  earlier neighbours are all coloured is coloured in the same round, with numpy
  operations on the edge list; the result is exactly the sequential greedy colouring in
  that order, and the number of rounds is the longest chain of ever-later neighbours.
* ``natural`` — the same greedy in index order, a plain sequential loop (reference; slow
  for very large n).
* ``auto`` (default) — ``cyclic`` if it reaches the lower bound ρ, else the better of
  ``cyclic`` and ``largest-first``.

Symmetry allows fewer colours (Coleman & Moré 1984): :func:`star_color` finds a *star
colouring* — a proper colouring of the adjacency graph in which every path on four vertices
uses at least three colours — greedily (Gebremedhin, Manne & Pothen 2005, §4.2, a sequential
loop). Then every entry is still read off directly (:func:`recover_star`): for an edge i–j,
either colour(j) occurs only once among row i's columns, so H[i, j] = B[i, colour(j)], or
colour(i) occurs only once in row j, so H[i, j] = B[j, colour(i)] (otherwise the two
repeats and i, j would form a two-coloured path on four vertices). An arrowhead pattern
needs n CPR colours but a handful of star colours (4 from this greedy at n = 30). (Acyclic colourings with substitution, which need
still fewer, are not implemented.)

References: A. R. Curtis, M. J. D. Powell & J. K. Reid, "On the estimation of sparse
Jacobian matrices", IMA J. Appl. Math. 13 (1974); T. F. Coleman & J. J. Moré, "Estimation
of sparse Jacobian matrices and graph coloring problems", SIAM J. Numer. Anal. 20 (1983);
A. H. Gebremedhin, F. Manne & A. Pothen, "What color is your Jacobian? Graph coloring for
computing derivatives", SIAM Review 47 (2005); M. T. Jones & P. E. Plassmann, "A parallel
graph coloring heuristic", SIAM J. Sci. Comput. 14 (1993).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

METHODS = ("auto", "cyclic", "largest-first", "natural")
_BINCOUNT_MAX = 20_000_000  # validity check by a dense (row, colour) count up to this many cells


def symmetric_pattern(pattern: Any) -> sp.csr_matrix:
    """The boolean CSR pattern P ∪ Pᵀ ∪ I (sorted indices) used for colouring and recovery."""
    P = sp.csr_matrix(pattern)
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise ValueError(f"a Hessian sparsity pattern must be square, got shape {P.shape}")
    P = P.astype(bool)
    P = (P + P.T + sp.identity(P.shape[0], dtype=bool, format="csr")).tocsr()
    P.eliminate_zeros()
    P.sum_duplicates()
    P.sort_indices()
    return P


def _rows_of(P: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))


def is_valid(pattern: Any, colors: np.ndarray) -> bool:
    """True if no row of the symmetrised pattern P ∪ Pᵀ ∪ I has two nonzero columns of the same colour."""
    P = symmetric_pattern(pattern)
    colors = np.asarray(colors)
    if colors.shape != (P.shape[0],) or (colors.size and colors.min() < 0):
        return False
    return _valid(P, colors)


def _valid(P: sp.csr_matrix, colors: np.ndarray) -> bool:
    n = P.shape[0]
    if n == 0:
        return True
    p = int(colors.max()) + 1
    keys = _rows_of(P).astype(np.int64) * p + colors[P.indices]
    if n * p <= _BINCOUNT_MAX:
        return bool(np.bincount(keys, minlength=n * p).max() <= 1)
    keys.sort()
    return not bool(np.any(keys[1:] == keys[:-1]))


def _cyclic(P: sp.csr_matrix) -> np.ndarray:
    n = P.shape[0]
    i = np.arange(n)  # every row holds its diagonal, so first/last entries exist (sorted indices)
    bandwidth = int(max(np.max(i - P.indices[P.indptr[:-1]]), np.max(P.indices[P.indptr[1:] - 1] - i)))
    rho = int(np.max(np.diff(P.indptr))) if n else 1
    j = np.arange(n)
    for p in range(max(rho, 1), min(rho + 8, 2 * bandwidth + 1)):
        colors = j % p
        if _valid(P, colors):
            return colors
    return j % (2 * bandwidth + 1)  # columns more than 2b apart never share a row


def _intersection_graph(P: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Directed edge list (src, dst), src ≠ dst, of the column intersection graph P·P."""
    Pi = P.astype(np.int32)
    G = (Pi @ Pi).tocoo()
    keep = G.row != G.col
    return G.row[keep].astype(np.int64), G.col[keep].astype(np.int64)


def _greedy_rounds(n: int, src: np.ndarray, dst: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Sequential greedy colouring in order of increasing ``rank``, by Jones–Plassmann rounds."""
    colors = np.full(n, -1, dtype=np.int64)
    while True:
        uncolored = colors < 0
        if not uncolored.any():
            return colors
        dst_unc = uncolored[dst]
        blocked = np.zeros(n, dtype=bool)
        blocked[src[dst_unc & (rank[dst] < rank[src])]] = True
        ready = uncolored & ~blocked
        sel = ready[src] & ~dst_unc
        s, c = src[sel], colors[dst[sel]]
        mex = np.zeros(n, dtype=np.int64)
        if s.size:
            width = int(c.max()) + 2
            key = np.unique(s * width + c)
            s_u, c_u = key // width, key % width
            starts = np.flatnonzero(np.r_[True, s_u[1:] != s_u[:-1]])
            pos = np.arange(s_u.size) - np.repeat(starts, np.diff(np.r_[starts, s_u.size]))
            mex = np.bincount(s_u[c_u == pos], minlength=n)  # smallest colour not used
        colors[ready] = mex[ready]
        keep = colors[src] < 0
        src, dst = src[keep], dst[keep]


def _largest_first(P: sp.csr_matrix, seed: int = 0) -> np.ndarray:
    n = P.shape[0]
    src, dst = _intersection_graph(P)
    degree = np.bincount(src, minlength=n)
    tiebreak = np.random.default_rng(seed).permutation(n)
    order = np.lexsort((tiebreak, -degree))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return _greedy_rounds(n, src, dst, rank)


def _natural(P: sp.csr_matrix) -> np.ndarray:
    n = P.shape[0]
    Pi = P.astype(np.int32)
    G = (Pi @ Pi).tocsr()
    indptr, indices = G.indptr, G.indices
    colors = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        used = set(colors[indices[indptr[j]:indptr[j + 1]]].tolist())
        c = 0
        while c in used:
            c += 1
        colors[j] = c
    return colors


def hessian_coloring(pattern: Any, star_max_n: int = 200_000) -> tuple[sp.csr_matrix, np.ndarray, str]:
    """(symmetrised pattern, colours, kind) for recovering a Hessian: kind "cpr" or "star".

    CPR (:func:`color_columns`) unless it needs more than 3 colours (a star colouring of any
    path on four vertices needs 3, so tridiagonal and block-diagonal patterns stay CPR) and,
    for n ≤ ``star_max_n`` (the star greedy is a Python loop), :func:`star_color` needs fewer.
    """
    P = symmetric_pattern(pattern)
    colors = color_columns(P)
    n = P.shape[0]
    if n and n <= star_max_n and colors.max() + 1 > 3:
        star = star_color(P)
        if star.max() < colors.max():
            return P, star, "star"
    return P, colors, "cpr"


def recover_hessian(P: sp.csr_matrix, colors: np.ndarray, kind: str, products: np.ndarray) -> sp.csr_matrix:
    """Recovery matching :func:`hessian_coloring`'s kind, on its (prepared) pattern."""
    return (recover_star if kind == "star" else recover)(P, colors, products, prepared=True)


def color_columns(pattern: Any, method: str = "auto") -> np.ndarray:
    """A CPR column colouring of the symmetric sparsity ``pattern``: ``colors[j]`` ∈ {0, …, p − 1}.

    Same-coloured columns never have nonzeros in the same row of P ∪ Pᵀ ∪ I, so p Hessian-vector
    products recover H directly (see the module docstring for the methods).
    """
    if method not in METHODS:
        raise ValueError(f"colouring method must be one of {', '.join(METHODS)}, got {method!r}")
    P = symmetric_pattern(pattern)
    if P.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    if method == "natural":
        return _natural(P)
    if method == "largest-first":
        return _largest_first(P)
    colors = _cyclic(P)
    if method == "cyclic":
        return colors
    rho = int(np.max(np.diff(P.indptr)))
    if int(colors.max()) + 1 <= rho:
        return colors  # optimal: every row needs ρ distinct colours
    greedy = _largest_first(P)
    return greedy if greedy.max() < colors.max() else colors


def star_color(pattern: Any) -> np.ndarray:
    """A greedy star colouring (natural order) of the adjacency graph of the symmetric pattern.

    Vertex v takes the smallest colour not forbidden, where for each neighbour w of v:
    colour(w) is forbidden; and for each coloured neighbour x ≠ v of w, colour(x) is forbidden
    if w is uncoloured (x, v would end a path x–w–v–· later), or if w is coloured and x already
    has another neighbour y ≠ w of colour(w) (x–w pairs would make y–x–w–v two-coloured).
    (Gebremedhin, Manne & Pothen 2005, §4.2.) A sequential loop: O(Σ deg³), for moderate n.
    """
    P = symmetric_pattern(pattern)
    n = P.shape[0]
    indptr, indices = P.indptr, P.indices
    nbrs = [indices[indptr[v]:indptr[v + 1]] for v in range(n)]
    nbrs = [a[a != v].tolist() for v, a in enumerate(nbrs)]
    colors = [-1] * n
    for v in range(n):
        forbidden = set()
        for w in nbrs[v]:
            cw = colors[w]
            if cw >= 0:
                forbidden.add(cw)
            for x in nbrs[w]:
                cx = colors[x]
                if x == v or cx < 0:
                    continue
                if cw < 0:
                    forbidden.add(cx)
                elif any(colors[y] == cw for y in nbrs[x] if y != w):
                    forbidden.add(cx)
        c = 0
        while c in forbidden:
            c += 1
        colors[v] = c
    return np.asarray(colors, dtype=np.int64)


def recover_star(pattern: Any, colors: np.ndarray, products: np.ndarray, *, prepared: bool = False) -> sp.csr_matrix:
    """The symmetric CSR Hessian from ``products`` = H·seed_matrix(colors) for a *star* colouring.

    H[i, j] = products[i, colors[j]] where colour(j) is unique in row i, else products[j, colors[i]].
    """
    P = pattern if prepared else symmetric_pattern(pattern)
    B = np.asarray(products, dtype=float).reshape(P.shape[0], -1)
    colors = np.asarray(colors, dtype=np.int64)
    n, p = P.shape[0], B.shape[1]
    rows, cols = _rows_of(P), P.indices.astype(np.int64)
    keys = rows * p + colors[cols]
    unique = np.bincount(keys, minlength=n * p)[keys] == 1
    data = np.where(unique, B[rows, colors[cols]], B[cols, colors[rows]])
    H = sp.csr_matrix((data, P.indices.copy(), P.indptr.copy()), shape=(n, n))
    H = ((H + H.T) * 0.5).tocsr()
    H.sort_indices()
    return H


def seed_matrix(colors: np.ndarray) -> np.ndarray:
    """The n × p seed matrix S with S[j, colors[j]] = 1: column c of HS sums the columns of colour c."""
    colors = np.asarray(colors, dtype=np.int64)
    p = int(colors.max()) + 1 if colors.size else 0
    S = np.zeros((colors.size, p))
    S[np.arange(colors.size), colors] = 1.0
    return S


def recover(pattern: Any, colors: np.ndarray, products: np.ndarray, *, prepared: bool = False) -> sp.csr_matrix:
    """The symmetric CSR Hessian from ``products`` = H·seed_matrix(colors) (n × p), by direct recovery.

    H[i, j] = products[i, colors[j]] for (i, j) in the pattern; the two estimates of each
    off-diagonal pair, H[i, j] and H[j, i], are averaged so the result is exactly symmetric.
    ``prepared=True`` says ``pattern`` already is :func:`symmetric_pattern`'s output (saves its cost).
    """
    P = pattern if prepared else symmetric_pattern(pattern)
    B = np.asarray(products, dtype=float)
    colors = np.asarray(colors, dtype=np.int64)
    n = P.shape[0]
    if B.ndim == 1:
        B = B[:, None]
    if B.shape[0] != n:
        raise ValueError(f"products must have {n} rows, got shape {B.shape}")
    data = B[_rows_of(P), colors[P.indices]]
    H = sp.csr_matrix((data, P.indices.copy(), P.indptr.copy()), shape=(n, n))
    H = ((H + H.T) * 0.5).tocsr()
    H.sort_indices()
    return H
