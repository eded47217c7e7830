"""Which suppressed counts a reader could work out exactly from the published cells.

The unknowns are the suppressed count cells; every additive group they appear in gives one
linear equation (items minus total = 0, with the published cells moved to the right-hand
side). A suppressed cell ``i`` is recoverable when the unit vector ``e_i`` lies in the row space
of the constraint matrix ``A`` over the unknowns, i.e. ``rank([A; e_i]) == rank(A)``.

Equivalently, ``e_i`` is in the row space exactly when its projection onto the row space has
length one (the ``i``-th diagonal entry of the projector ``A^T (A A^T)^+ A`` is 1). The system splits into connected
components (unknowns linked by shared equations); each is solved on its own. Small components
are padded to a common size and solved together in one batched eigendecomposition, so there is no Python
loop over the many small components that make up most tables.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np
from scipy.sparse import bmat, coo_matrix, csr_matrix, identity
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu
from threadpoolctl import ThreadpoolController

#: Components with at most this many unknowns and equations are solved in padded batches.
BATCH_LIMIT = 256
#: Bytes of workspace per batch (keeps memory bounded on the shared machine).
BATCH_BYTES = 64 * 1024 * 1024
#: A projection this close to one means the unit vector lies in the row space.
PROJECTION_TOLERANCE = 1e-6
#: Components with more equations than this are solved sparsely (:func:`_null_space_support`).
SPARSE_LIMIT = 256
#: Regularisation of the sparse projection, and the share of the largest null-vector entry
#: below which an unknown counts as never moved (recoverable).
KKT_REGULARISATION = 1e-12
NULL_SUPPORT_TOLERANCE = 1e-7
NULL_VECTOR_DRAWS = 2
#: Eigenvalues of ``A A^T`` below this fraction of the largest count as zero (rank deficiency).
GRAM_TOLERANCE = 1e-10

P = ParamSpec("P")
R = TypeVar("R")
#: The BLAS libraries loaded by numpy and scipy (inspected once).
_THREADPOOLS = ThreadpoolController()


@dataclass
class Recoverability:
    """The result of the rank test over every connected component."""

    #: Global ids of the suppressed cells a reader could recover exactly.
    recoverable: np.ndarray
    #: Global ids of every unknown taking part in some equation, and its component number.
    unknown_cells: np.ndarray
    component_of_unknown: np.ndarray
    n_components: int
    largest_component: int


def _pow2(n: np.ndarray) -> np.ndarray:
    """Smallest power of two >= n (at least 1)."""
    return np.left_shift(1, np.ceil(np.log2(np.maximum(n, 1))).astype(np.int64))


def _keep_eigen(eigenvalues: np.ndarray) -> np.ndarray:
    """Which eigenvalues of ``A A^T`` are non-zero (relative to the largest of each matrix)."""
    largest = np.maximum(eigenvalues[..., -1:], 1.0)
    return eigenvalues > largest * GRAM_TOLERANCE


def _row_space_projection(matrices: np.ndarray) -> np.ndarray:
    """For a stack of matrices ``(B, m, n)``, the diagonal of the projector onto each row space.

    With ``G = A A^T = Q L Q^T``, the projector onto the row space of ``A`` is
    ``A^T G^+ A``, so its diagonal is ``sum_k (A^T q_k)_i^2 / l_k`` over the non-zero ``l_k``.
    Working with the ``m x m`` Gram matrix is much cheaper than an SVD when, as here, there
    are fewer equations than unknowns.
    """
    gram = matrices @ np.swapaxes(matrices, 1, 2)
    eigenvalues, vectors = np.linalg.eigh(gram)
    keep = _keep_eigen(eigenvalues)
    scale = np.where(keep, 1.0 / np.where(keep, eigenvalues, 1.0), 0.0)
    projected = np.swapaxes(matrices, 1, 2) @ vectors  # (B, n, m)
    return np.einsum("bik,bk->bi", projected**2, scale)


def _null_space_support(
    rows: np.ndarray, cols: np.ndarray, coef: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """For one large component, which unknowns some null vector of ``A`` moves (not recoverable).

    Projects random vectors onto the null space of ``A`` by solving the sparse quasi-definite
    system ``[[I, A^T], [A, -eps I]] [v; y] = [w; 0]`` (``v = w - A^T (A A^T + eps I)^-1 A w``)
    with a sparse LU factorisation and two steps of iterative refinement. A recoverable cell
    has ``v_i = 0`` for every ``w`` (its unit vector is orthogonal to the null space); any
    other cell gets a clearly non-zero ``v_i`` for almost every random ``w``. Returns the
    largest ``|v_i|`` over the draws, relative to the largest entry of ``w``.
    """
    m, n = shape
    matrix = csr_matrix((coef, (rows, cols)), shape=shape)
    system = bmat(
        [[identity(n, format="csc"), matrix.T], [matrix, -KKT_REGULARISATION * identity(m)]],
        format="csc",
    )
    factors = splu(system)
    draws = np.random.default_rng(20240331).standard_normal((n + m, NULL_VECTOR_DRAWS))
    draws[n:] = 0.0
    solution = np.column_stack([factors.solve(draws[:, k]) for k in range(NULL_VECTOR_DRAWS)])
    for _ in range(2):
        residual = draws - system @ solution
        solution += np.column_stack(
            [factors.solve(residual[:, k]) for k in range(NULL_VECTOR_DRAWS)]
        )
    moved = np.abs(solution[:n]) / np.abs(draws[:n]).max(axis=0)
    return moved.max(axis=1)


def _sparse_row_space_projection(
    rows: np.ndarray, cols: np.ndarray, coef: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """:func:`_row_space_projection` for one large component held as a sparse matrix."""
    matrix = csr_matrix((coef, (rows, cols)), shape=shape)
    gram = (matrix @ matrix.T).toarray()
    eigenvalues, vectors = np.linalg.eigh(gram)
    keep = _keep_eigen(eigenvalues)
    projected = np.asarray(matrix.T @ vectors[:, keep])
    return (projected**2 / eigenvalues[keep]).sum(axis=1)


def _solve_bucket(
    comp_ids: np.ndarray,
    local_eq: np.ndarray,
    local_unknown: np.ndarray,
    coef: np.ndarray,
    entry_comp: np.ndarray,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Solve components of one padded ``shape``; return (component, local unknown) recovered."""
    m, n = shape
    per_matrix = 8 * (3 * m * n + 3 * m * m)
    chunk = max(1, BATCH_BYTES // per_matrix)
    position = np.full(entry_comp.max() + 1, -1, dtype=np.int64)
    found_comp: list[np.ndarray] = []
    found_unknown: list[np.ndarray] = []
    for start in range(0, len(comp_ids), chunk):
        batch = comp_ids[start : start + chunk]
        position[batch] = np.arange(len(batch))
        take = position[entry_comp] >= 0
        matrices = np.zeros((len(batch), m, n))
        matrices[position[entry_comp[take]], local_eq[take], local_unknown[take]] = coef[take]
        projection = _row_space_projection(matrices)
        hit_b, hit_i = np.nonzero(projection > 1 - PROJECTION_TOLERANCE)
        found_comp.append(batch[hit_b])
        found_unknown.append(hit_i)
        position[batch] = -1
    return np.concatenate(found_comp), np.concatenate(found_unknown)


def _local_index(comp: np.ndarray, n_comp: int) -> np.ndarray:
    """Number each item 0, 1, ... within its component (stable order)."""
    order = np.argsort(comp, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(comp, minlength=n_comp))[:-1]])
    local = np.empty(len(comp), dtype=np.int64)
    local[order] = np.arange(len(comp)) - starts[comp[order]]
    return local


def _solve_large(
    eq: np.ndarray, unknown: np.ndarray, coef: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Local numbers of the recoverable unknowns of one component too large to batch."""
    if shape[0] > SPARSE_LIMIT:
        return np.flatnonzero(
            _null_space_support(eq, unknown, coef, shape) < NULL_SUPPORT_TOLERANCE
        )
    projection = _sparse_row_space_projection(eq, unknown, coef, shape)
    return np.flatnonzero(projection > 1 - PROJECTION_TOLERANCE)


def _one_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with numpy's BLAS on one thread: for thousands of small solves on a
    shared machine, OpenBLAS's thread per core mostly waits (measured: 48 s of wall time
    against under 1 s of CPU on one thread)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _THREADPOOLS.limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper


@_one_blas_thread
def find_recoverable(
    eq: np.ndarray,
    cell: np.ndarray,
    coef: np.ndarray,
    unknown: np.ndarray,
    changed: np.ndarray | None = None,
) -> Recoverability:
    """Suppressed cells (``unknown[cell]`` True) that the equations determine exactly.

    ``eq``, ``cell`` and ``coef`` list the equations entry by entry (see
    :class:`pipeline.disclosure.groups.Equations`); ``unknown`` is a boolean per cell id.
    When ``changed`` (cell ids) is given, only the components holding one of those cells are
    solved: the others are unchanged since an earlier call found nothing recoverable in them.
    """
    mask = unknown[cell]
    eq_u, cell_u, coef_u = eq[mask], cell[mask], coef[mask].astype(np.float64)
    if len(eq_u) == 0:
        nothing = np.zeros(0, dtype=np.int64)
        return Recoverability(nothing, nothing, nothing, 0, 0)
    eq_ids, eq_local = np.unique(eq_u, return_inverse=True)
    cell_ids, cell_local = np.unique(cell_u, return_inverse=True)
    n_eq, n_cell = len(eq_ids), len(cell_ids)
    graph = coo_matrix(
        (np.ones(len(eq_u)), (eq_local, n_eq + cell_local)), shape=(n_eq + n_cell,) * 2
    )
    n_comp, labels = connected_components(graph, directed=False)
    eq_comp, cell_comp = labels[:n_eq], labels[n_eq:]
    eq_in_comp = _local_index(eq_comp, n_comp)
    cell_in_comp = _local_index(cell_comp, n_comp)
    eqs_per_comp = np.bincount(eq_comp, minlength=n_comp)
    cells_per_comp = np.bincount(cell_comp, minlength=n_comp)

    entry_comp = cell_comp[cell_local]
    entry_eq = eq_in_comp[eq_local]
    entry_unknown = cell_in_comp[cell_local]
    recovered_comp: list[np.ndarray] = []
    recovered_local: list[np.ndarray] = []

    wanted_comp = np.ones(n_comp, dtype=bool)
    if changed is not None:
        wanted_comp[:] = False
        wanted_comp[cell_comp[np.isin(cell_ids, changed)]] = True
    small = (eqs_per_comp <= BATCH_LIMIT) & (cells_per_comp <= BATCH_LIMIT) & wanted_comp
    bucket_m, bucket_n = _pow2(eqs_per_comp), _pow2(cells_per_comp)
    bucket_key = bucket_m * (4 * BATCH_LIMIT) + bucket_n
    for key in np.unique(bucket_key[small]):
        comps = np.flatnonzero(small & (bucket_key == key))
        shape = (int(key // (4 * BATCH_LIMIT)), int(key % (4 * BATCH_LIMIT)))
        take = np.isin(entry_comp, comps)
        got = _solve_bucket(
            comps,
            entry_eq[take],
            entry_unknown[take],
            coef_u[take],
            entry_comp[take],
            shape,
        )
        recovered_comp.append(got[0])
        recovered_local.append(got[1])
    for comp in np.flatnonzero(~small & wanted_comp):
        take = entry_comp == comp
        shape = (int(eqs_per_comp[comp]), int(cells_per_comp[comp]))
        hits = _solve_large(entry_eq[take], entry_unknown[take], coef_u[take], shape)
        recovered_comp.append(np.full(len(hits), comp))
        recovered_local.append(hits)

    comp_all = np.concatenate(recovered_comp) if recovered_comp else np.zeros(0, dtype=np.int64)
    local_all = np.concatenate(recovered_local) if recovered_local else np.zeros(0, dtype=np.int64)
    # map (component, local unknown) back to global cell ids; padding columns never match
    key_of_cell = cell_comp.astype(np.int64) * (cells_per_comp.max() + 1) + cell_in_comp
    wanted = comp_all.astype(np.int64) * (cells_per_comp.max() + 1) + local_all
    lookup = np.isin(key_of_cell, wanted)
    return Recoverability(
        recoverable=cell_ids[lookup],
        unknown_cells=cell_ids,
        component_of_unknown=cell_comp,
        n_components=int(n_comp),
        largest_component=int(cells_per_comp.max()),
    )
