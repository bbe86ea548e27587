"""The Khatri-Rao lemmas K1-K6 (ranks, kernels and the DLM condition of A o X)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from vanishing_minima import numeric as nm
from vanishing_minima.theory import derivations

from .. import verdicts
from ..core import CheckResult, Context, check
from ..evidence import Evidence, shown
from .common import agree
from .references import bad_volume_one_neuron_by_hand, khatri_rao_by_columns

#: A matrix in the evidence: its rows as tuples.
Matrix = tuple[tuple[float, ...], ...]


def _matrix(a: np.ndarray) -> Matrix:
    return tuple(map(tuple, a.tolist()))


@dataclass(frozen=True)
class K1SymbolicRow(Evidence):
    """K1 at one size with every entry a SymPy symbol."""

    sizes: tuple[int, int, int] = shown("sizes (d0, d1, N)")
    holds: bool = shown("holds")


@dataclass(frozen=True)
class K1Evidence(Evidence):
    """K1: the symbolic identity at several sizes and the shipped khatri_rao against numpy.kron."""

    symbolic: tuple[K1SymbolicRow, ...] = shown("symbolic")
    max_deviation_from_kron: float = shown("numeric_max_relative_deviation_from_kron")
    max_deviation_gram: float = shown("numeric_max_relative_deviation_gram")
    rule: str = shown("rule")


@dataclass(frozen=True)
class K2Violation(Evidence):
    """An instance where rank(A o X) exceeds min(N, rank A rank X)."""

    pattern: Matrix = shown("A")
    data: Matrix = shown("X")
    rank: int = shown("rank")
    bound: int = shown("bound")


@dataclass(frozen=True)
class K2Evidence(Evidence):
    """K2: the first violation of the rank inequality, if any."""

    violations: tuple[K2Violation, ...] = shown("violations")


@dataclass(frozen=True)
class K3Mismatch(Evidence):
    """An instance where K3's formula differs from the numerical rank of A o X."""

    pattern: Matrix = shown("A")
    d0: int = shown("d0")
    formula: int = shown("formula")
    rank: int = shown("rank")


@dataclass(frozen=True)
class K3Evidence(Evidence):
    """K3: instances checked, how many rank-deficient, and the first mismatch, if any."""

    instances: int = shown("instances")
    rank_deficient: int = shown("rank_deficient")
    mismatches: tuple[K3Mismatch, ...] = shown("mismatches")


@dataclass(frozen=True)
class K4Evidence(Evidence):
    """K4: the largest block X diag(A_i) e over the kernel vectors e drawn."""

    max_block_norm: float = shown("max_block_norm")


@dataclass(frozen=True)
class K5Evidence(Evidence):
    """K5: e_A's orthogonality, the fast against the SVD path, and against numpy's lstsq (relative)."""

    max_orthogonality: float = shown("max_orthogonality")
    max_fast_svd_difference: float = shown("max_fast_svd_difference")
    max_lstsq_difference: float = shown("max_lstsq_difference")


@dataclass(frozen=True)
class K6Evidence(Evidence):
    """K6: the LP decisions against exact arcs, independent volumes, and the sign test (counts)."""

    cone_agreements: int = shown("cone_agreements")
    cone_cases: int = shown("cone_cases")
    verified_certificates: int = shown("verified_certificates")
    #: (from the LPs, by hand) per data set.
    bad_volumes: tuple[tuple[float, float], ...] = shown("bad_volume_lp_vs_by_hand")
    #: (agreements, regions).
    unchanged_by_rounding: tuple[int, int] = shown("decisions_unchanged_by_rounding")
    #: (agreements, regions).
    sign_test_agrees: tuple[int, int] = shown("sign_test_agrees_with_all_sign_lps")


# --- supporting lemmas -----------------------------------------------------------------------
def _patterns(rng: np.random.Generator, d1: int, n: int, rho: float) -> np.ndarray:
    return np.where(rng.random((d1, n)) < rng.uniform(0.1, 0.9), 1.0, rho)


#: Sizes (d0, d1, N) at which K1 is checked with every entry a SymPy symbol.
K1_SYMBOLIC_SIZES = ((1, 1, 1), (2, 2, 3), (3, 2, 2), (2, 3, 2))


@check("K1")
def check_K1(ctx: Context) -> CheckResult:
    """K1 symbolically at several sizes, and the shipped khatri_rao against numpy.kron column by column
    and against K1's right-hand side: PROVED only if all agree (a wrong khatri_rao is INCONSISTENT)."""
    symbolic = [derivations.gram_identity(d0, d1, n) for d0, d1, n in K1_SYMBOLIC_SIZES]
    rng, worst_kron, worst_gram = ctx.rng, 0.0, 0.0
    for _ in range(ctx.n(50)):
        n, d0, d1 = rng.integers(2, 12), rng.integers(1, 5), rng.integers(1, 5)
        A, B = rng.standard_normal((d1, n)), rng.standard_normal((d1, n))
        X, Y = rng.standard_normal((d0, n)), rng.standard_normal((d0, n))
        K = nm.khatri_rao(A, X)
        ref = khatri_rao_by_columns(A, X)
        worst_kron = max(worst_kron, float(np.abs(K - ref).max() / np.abs(ref).max()))
        lhs = K.T @ nm.khatri_rao(B, Y)
        worst_gram = max(
            worst_gram,
            float(np.abs(lhs - (A.T @ B) * (X.T @ Y)).max() / max(1.0, np.abs(lhs).max())),
        )
    numeric_ok = worst_kron <= 1e-15 and worst_gram <= 1e-12
    holds = all(d.holds for d in symbolic) and numeric_ok
    sizes = ", ".join(f"({d0},{d1},{n})" for d0, d1, n in K1_SYMBOLIC_SIZES)
    figure = (
        f"symbolic at (d0, d1, N) = {sizes}, every entry a symbol: "
        f"{'holds' if all(d.holds for d in symbolic) else 'FAILS'}; "
        f"shipped khatri_rao vs numpy.kron per column: max relative deviation {worst_kron:.1e}, Gram identity "
        f"{worst_gram:.1e} on {ctx.n(50)} random sizes"
    )
    evidence = K1Evidence(
        symbolic=tuple(
            K1SymbolicRow(sizes=size, holds=d.holds) for size, d in zip(K1_SYMBOLIC_SIZES, symbolic)
        ),
        max_deviation_from_kron=worst_kron,
        max_deviation_gram=worst_gram,
        rule="proved iff every symbolic size holds, the shipped khatri_rao equals numpy.kron per column "
        "to 1e-15 and the Gram identity holds to 1e-12; otherwise inconsistent",
    )
    return CheckResult(
        claim="K1",
        verdict=verdicts.proof(holds),
        key_figure=figure,
        method="symbolic identity (SymPy) at several sizes, and the shipped function against an "
        "independent computation",
        evidence=evidence,
    )


@check("K2")
def check_K2(ctx: Context) -> CheckResult:
    rng, count, violations = ctx.rng, ctx.n(200), []
    for _ in range(count):
        n, d0, d1 = rng.integers(2, 15), rng.integers(1, 5), rng.integers(1, 5)
        A, X = _patterns(rng, d1, n, rng.choice([0.0, 0.3])), rng.standard_normal((d0, n))
        r = np.linalg.matrix_rank(nm.khatri_rao(A, X))
        bound = min(n, np.linalg.matrix_rank(A) * np.linalg.matrix_rank(X))
        if r > bound:
            violations.append(
                K2Violation(pattern=_matrix(A), data=_matrix(X), rank=int(r), bound=int(bound))
            )
    return agree(
        claim="K2",
        ok=not violations,
        figure=f"{count} random instances, {len(violations)} violations",
        method="exact rank inequality on random patterns and Gaussian X",
        evidence=K2Evidence(violations=tuple(violations[:1])),
    )


@check("K3")
def check_K3(ctx: Context) -> CheckResult:
    rng, count, mismatches, deficient = ctx.rng, ctx.n(200), [], 0
    for _ in range(count):
        n, d0, d1 = int(rng.integers(2, 13)), int(rng.integers(1, 4)), int(rng.integers(1, 5))
        A = _patterns(rng, d1, n, float(rng.choice([0.0, 0.3, -0.5])))
        X = rng.standard_normal((d0, n))
        g, r = nm.generic_rank(A, d0), int(np.linalg.matrix_rank(nm.khatri_rao(A, X)))
        deficient += g < n
        if g != r:
            mismatches.append(K3Mismatch(pattern=_matrix(A), d0=d0, formula=int(g), rank=r))
    return agree(
        claim="K3",
        ok=not mismatches,
        figure=f"{count} instances ({deficient} rank-deficient): formula = rank(A o X)",
        method="K3 formula (pruned enumeration) against the numerical rank for Gaussian X",
        evidence=K3Evidence(
            instances=count, rank_deficient=int(deficient), mismatches=tuple(mismatches[:1])
        ),
    )


@check("K4")
def check_K4(ctx: Context) -> CheckResult:
    rng, count, worst = ctx.rng, ctx.n(100), 0.0
    for _ in range(count):
        n, d0, d1 = rng.integers(3, 15), rng.integers(1, 4), rng.integers(1, 4)
        A, X = _patterns(rng, d1, n, 0.2), rng.standard_normal((d0, n))
        null = scipy.linalg.null_space(nm.khatri_rao(A, X))
        if null.shape[1]:
            e = null @ rng.standard_normal(null.shape[1])
            worst = max(worst, max(float(np.abs(X @ (a * e)).max()) for a in A))
    return agree(
        claim="K4",
        ok=worst < 1e-9,
        figure=f"{count} instances; max |X diag(A_i) e| over kernel vectors {worst:.1e}",
        method="kernel vectors of A o X annihilate every block X diag(A_i)",
        evidence=K4Evidence(max_block_norm=worst),
    )


@check("K5")
def check_K5(ctx: Context) -> CheckResult:
    """e_A = (I - P) y: orthogonal to the row space of A o X, equal to the residual of numpy's lstsq on A o X
    built column by column with numpy.kron (an independent route), and the fast and SVD paths agree."""
    rng, count, worst_orth, worst_paths, worst_lstsq = ctx.rng, ctx.n(100), 0.0, 0.0, 0.0
    for _ in range(count):
        n, d0, d1 = int(rng.integers(4, 30)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        A, X, y = _patterns(rng, d1, n, 0.2), rng.standard_normal((d0, n)), rng.standard_normal(n)
        K = nm.khatri_rao(A, X)
        e = nm.dlm_residual(A, X, y)
        M = khatri_rao_by_columns(A, X).T
        reference = y - M @ np.linalg.lstsq(M, y, rcond=None)[0]
        worst_orth = max(
            worst_orth, float(np.linalg.norm(K @ e) / (np.linalg.norm(K, 2) * np.linalg.norm(y)))
        )
        worst_paths = max(
            worst_paths,
            float(np.abs(e - nm.dlm_residual(A, X, y, method="svd")).max() / np.linalg.norm(y)),
        )
        worst_lstsq = max(worst_lstsq, float(np.abs(e - reference).max() / np.linalg.norm(y)))
    return agree(
        claim="K5",
        ok=worst_orth < 1e-10 and worst_paths < 1e-10 and worst_lstsq < 1e-10,
        figure=f"{count} instances; |(A o X) e_A| rel {worst_orth:.1e}; fast vs SVD path "
        f"{worst_paths:.1e}; vs numpy lstsq {worst_lstsq:.1e}",
        method="e_A orthogonal to the row space of A o X, and equal to an independent least-squares "
        "residual",
        evidence=K5Evidence(
            max_orthogonality=worst_orth,
            max_fast_svd_difference=worst_paths,
            max_lstsq_difference=worst_lstsq,
        ),
    )


@check("K6")
def check_K6(ctx: Context) -> CheckResult:
    """K6's LPs against exact arcs (d0 = 2), DLM certificates re-checked, and V(L_eps) at d1 = 1 from the
    LPs (exact enumeration) against an independent least-squares route (bad_volume_one_neuron_by_hand)."""
    rng, same, total, certs = ctx.rng, 0, 0, 0
    for _ in range(ctx.n(60)):
        n = int(rng.integers(2, 8))
        X, s = rng.standard_normal((2, n)), rng.choice([-1.0, 1.0], n)
        p = nm.arc_probability(s, X)
        if 0 < p < 1e-6:
            continue
        total += 1
        same += (p > 0) == (nm.cone_margin(s, X)[0] > 1e-6)
    sign_same = sign_total = 0
    for k in range(ctx.n(20)):
        X, y = rng.standard_normal((2, 10)), rng.integers(0, 2, 10).astype(float)
        cert = nm.dlm_in_region(nm.activation_pattern(rng.standard_normal((3, 2)), X, 0.3), X, y)
        certs += cert is not None  # each certificate is verified inside dlm_in_region
        # K6's sign test against every sign LP, on regions that hold DLMs (d0 = 3, N = 5) and V2-like
        # regions with dead points (d0 = 4, N = 9), for ReLU and LReLU of either sign
        rho = (0.0, 0.3, -0.5)[k % 3]
        d0, n = (3, 5) if k % 2 else (4, 9)
        X, y = rng.standard_normal((d0, n)), rng.integers(0, 2, n).astype(float)
        A = nm.activation_pattern(rng.standard_normal((3, d0)), X, rho)
        sign_total += 1
        sign_same += (nm.dlm_in_region(A, X, y) is None) == (
            nm.dlm_in_region(A, X, y, sign_test=False) is None
        )
    volumes, noisy_same, noisy_total = [], 0, 0
    for _ in range(ctx.n(6)):
        X, y = rng.standard_normal((2, 6)), rng.integers(0, 2, 6).astype(float)
        volumes.append(
            (
                nm.exact_volumes_in_the_plane(X, y, 1, 0.1, 0.0).bad,
                bad_volume_one_neuron_by_hand(X, y, 0.1, 0.0),
            )
        )
        # the decision must not depend on the residual's rounding: the SVD's e_A carries noise of order
        # 1e-16 where y - e_A is zero (dead points), the default path often none
        for signs in nm.plane_row_patterns(X)[0]:
            A = np.where(signs > 0, 1.0, 0.0)[None, :]
            if not A.any():
                continue
            noisy = nm.dlm_residual(A, X, y, method="svd")
            noisy_total += 1
            noisy_same += (nm.dlm_in_region(A, X, y) is None) == (
                nm.dlm_in_region(A, X, y, target_residual=noisy) is None
            )
    vol_agree = sum(abs(a - b) <= 1e-12 for a, b in volumes)
    ok = (
        same == total
        and vol_agree == len(volumes)
        and noisy_same == noisy_total
        and sign_same == sign_total
    )
    return agree(
        claim="K6",
        ok=ok,
        figure=f"LP cone decisions = exact arcs on {same}/{total}; {certs} verified DLM certificates; "
        f"DLM decisions with the sign test = all 3^d1 sign LPs on {sign_same}/{sign_total} regions; "
        f"V(L_eps) at d1 = 1 = an independent least-squares route on {vol_agree}/{len(volumes)}; "
        f"DLM decisions unchanged by the residual's rounding on {noisy_same}/{noisy_total} regions",
        method="LP feasibility with margin against exact d0 = 2 arcs; DLM certificates re-checked "
        "(pattern and output); the sign test's decisions against the LPs of all 3^d1 sign choices; "
        "the LP decision of DLM existence against a direct least-squares argument at d1 = 1, and with the "
        "SVD's residual (rounding noise) in place of the default one",
        evidence=K6Evidence(
            cone_agreements=int(same),
            cone_cases=total,
            verified_certificates=int(certs),
            bad_volumes=tuple(volumes),
            unchanged_by_rounding=(int(noisy_same), noisy_total),
            sign_test_agrees=(int(sign_same), sign_total),
        ),
    )
