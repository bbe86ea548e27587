r"""The claim registry: one object per item of the claim catalogue (``shared/paper/CLAIMS.md``).

Each :class:`Claim` carries its paper reference, its kind, its statement in LaTeX (generated from the
SymPy expression of :mod:`.bounds` where the claim is a formula), the assumptions it is stated under,
the claims it builds on, and the public bound functions that evaluate it.

>>> REGISTRY["T9"].reference
'Theorem 9'
>>> REGISTRY["T9"].assumptions
('A1', 'A2', 'A3')
>>> [c.id for c in by_kind(Kind.ASYMPTOTIC_THEOREM)]
['T6', 'T10', 'S6']

The catalogue numbers items as the paper does; the paper has no Definition 2 (item 2 is Lemma 2), so
the definitions are D1, D3, D4 and D5.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy as sp

from . import bounds

__all__ = ["Kind", "Claim", "REGISTRY", "get", "by_kind", "GAMMA"]


class Kind(str, Enum):
    """What sort of statement a claim is; decides what evidence can check it."""

    ASSUMPTION = "assumption"
    DEFINITION = "definition"
    EXACT_LEMMA = "exact lemma"
    ASYMPTOTIC_THEOREM = "asymptotic theorem"
    PROBABILISTIC_THEOREM = "probabilistic theorem"
    NUMERICAL_CLAIM = "numerical claim"


@dataclass(frozen=True)
class Claim:
    """One item of the catalogue.

    Attributes
    ----------
    id : str
        Catalogue id, e.g. ``"T9"``.
    title : str
        What it says, in a few words.
    reference : str
        Where it stands in the paper (``"Theorem 9"``), or the source of a toolkit lemma.
    kind : Kind
    statement : str
        LaTeX (inline math, no surrounding dollars).
    assumptions : tuple of str
        Ids of the assumptions it is stated under.
    depends_on : tuple of str
        Ids of the claims its proof or definition uses.
    formula : sympy.Expr or None
        The SymPy expression behind the statement, where there is one.
    bounds : tuple of str
        Names of the functions of :mod:`vanishing_minima.theory.bounds` that evaluate it.
    proof : str
        Proof sketch (Markdown with LaTeX) for the toolkit's own lemmas; empty for the paper's results.
    """

    id: str
    title: str
    reference: str
    kind: Kind
    statement: str
    assumptions: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    formula: sp.Expr | None = None
    bounds: tuple[str, ...] = ()
    proof: str = ""


#: :math:`\gamma_\epsilon` as a plain symbol, for readable statements.
GAMMA = sp.Symbol(r"gamma_epsilon", positive=True)

_LEQ = r"\mathrel{\dot{\le}}"
_GEQ = r"\mathrel{\dot{\ge}}"
_LT = r"\mathrel{\dot{<}}"


def _tex(expr: sp.Expr) -> str:
    return sp.latex(expr.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA}))


_T6_EXP = bounds.THEOREM6_LOG_EXPR.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA})
_T9_EXP = bounds.THEOREM9_LOG_EXPR
_LOG_BOUND = bounds.THEOREM10_SECOND_LOG_EXPR.xreplace({bounds.GAMMA_EPS_EXPR: GAMMA})

_ITEMS: list[Claim] = [
    # --- assumptions -------------------------------------------------------------------
    Claim(
        "A1",
        "Gaussian data",
        "Assumption A1",
        Kind.ASSUMPTION,
        r"X \sim \mathcal{N}: \text{ the entries of } X \in \mathbb{R}^{d_0\times N} \text{ are iid } \mathcal{N}(0,1)",
    ),
    Claim(
        "A2",
        "Growing sizes",
        "Assumption A2",
        Kind.ASSUMPTION,
        r"N\to\infty,\ d_0(N) \text{ and } d_1(N) \text{ increase with } N,\ \epsilon\in(0,1) \text{ constant}",
    ),
    Claim(
        "A3",
        "Input dimension between sqrt(N) and N",
        "Assumption A3",
        Kind.ASSUMPTION,
        rf"\sqrt{{N}} {_LT} d_0 {_LEQ} N",
    ),
    Claim(
        "A4",
        "Mild over-parameterization",
        "Assumption A4",
        Kind.ASSUMPTION,
        rf"N\log^4 N / d_0 {_LT} d_1 {_LT} N \quad(\text{{so }} d_0 d_1 \mathrel{{\dot{{>}}}} N\log^4 N)",
    ),
    Claim(
        "A5",
        "Teacher labels (optional)",
        "Assumption A5",
        Kind.ASSUMPTION,
        rf"y = f(W^* X)^\top z^*,\ W^*\in\mathbb{{R}}^{{d_1^*\times d_0}},\ z^* \perp X,\ d_1^* {_LT} N/d_0",
    ),
    # --- definitions -------------------------------------------------------------------
    Claim(
        "D1",
        "Differentiable regions",
        "Definition 1",
        Kind.DEFINITION,
        r"\mathcal{D}_A(X) = \{W : a(WX) = A\},\ A\in\{\rho,1\}^{d_1\times N};\ \text{at most } 2^{d_1 N} \text{ regions}",
    ),
    Claim(
        "D3",
        "Angular volume",
        "Definition 3",
        Kind.DEFINITION,
        r"V(\mathcal{R}) = \mathbb{P}_{W\sim\mathcal{N}}(W\in\mathcal{R})",
    ),
    Claim(
        "D4",
        "Bad regions and global-minimum regions",
        "Definition 4",
        Kind.DEFINITION,
        r"L_\epsilon = \bigcup\{\mathcal{D}_A : \mathcal{D}_A \ni \text{a DLM with MCE} > \epsilon\},\quad "
        r"G = \bigcup\{\mathcal{D}_A : \mathcal{D}_A \ni \text{a DLM with } e = 0\}",
        depends_on=("D1",),
    ),
    Claim(
        "D5",
        "The exponent constant gamma_eps",
        "Definition 5",
        Kind.DEFINITION,
        rf"\gamma_\epsilon = {sp.latex(bounds.GAMMA_EPS_EXPR)},\quad c = \lim_{{N\to\infty}} d_0(N)/N",
        formula=bounds.GAMMA_EPS_EXPR,
        bounds=("gamma_eps",),
    ),
    # --- results -----------------------------------------------------------------------
    Claim(
        "L2",
        "All DLMs of a region share one residual, orthogonal to the region's features",
        "Lemma 2",
        Kind.EXACT_LEMMA,
        r"\text{at every DLM in } \mathcal{D}_A(X):\ e \text{ is the same vector and } (A\circ X)\,e = 0",
        depends_on=("D1", "K5"),
    ),
    Claim(
        "T6",
        "Bad regions have exponentially vanishing expected angular volume",
        "Theorem 6",
        Kind.ASYMPTOTIC_THEOREM,
        rf"\mathbb{{E}}_X V(L_\epsilon(X,y)) {_LEQ} \exp\left({_tex(_T6_EXP)}\right)",
        assumptions=("A1", "A2", "A3", "A4"),
        depends_on=("L2", "K3", "K5", "V2", "D5"),
        formula=_T6_EXP,
        bounds=("theorem6_log_bound", "gamma_eps"),
    ),
    Claim(
        "C7",
        "High-probability version of Theorem 6 (Markov)",
        "Corollary 7",
        Kind.PROBABILISTIC_THEOREM,
        rf"\forall\delta>0:\ \mathbb{{P}}_X\!\left(V(L_\epsilon) {_LEQ} \tfrac{{1}}{{\delta}}"
        rf"\exp\left({_tex(_T6_EXP)}\right)\right) \ge 1-\delta",
        assumptions=("A1", "A2", "A3", "A4"),
        depends_on=("T6",),
        formula=_T6_EXP - sp.log(bounds.delta),
        bounds=("corollary7_log_bound",),
    ),
    Claim(
        "T8",
        "A global minimum with d1* = 4 ceil(N/(2 d0 - 2)) neurons",
        "Theorem 8",
        Kind.EXACT_LEMMA,
        rf"\forall y\in\{{0,1\}}^N,\ \text{{a.e. }} X:\ \exists W^*\in\mathbb{{R}}^{{d_1^*\times d_0}}, z^*:\ "
        rf"y = f(W^*X)^\top z^*,\ w_i^{{*\top}} x^{{(n)}}\ne 0,\ d_1^* = {sp.latex(bounds.D1_STAR_EXPR)}",
        depends_on=("K3",),
        formula=bounds.D1_STAR_EXPR,
        bounds=("d1_star",),
    ),
    Claim(
        "T9",
        "Global minima have angular volume at least exp(-2 N log N)",
        "Theorem 9",
        Kind.PROBABILISTIC_THEOREM,
        rf"\mathbb{{P}}_X\!\left(V(G(X,y)) {_GEQ} \exp\left({sp.latex(_T9_EXP)}\right) {_GEQ} e^{{-2N\log N}}\right)"
        rf" \ge 1-\delta,\quad \delta = {sp.latex(bounds.THEOREM9_DELTA_EXPR)},\ d_1^* = 2N/d_0",
        assumptions=("A1", "A2", "A3"),
        depends_on=("T8", "V1", "G3", "G5", "G6"),
        formula=_T9_EXP,
        bounds=("theorem9_log_bound", "theorem9_delta"),
    ),
    Claim(
        "T10",
        "Bad regions are exponentially rarer than global minima",
        "Theorem 10",
        Kind.ASYMPTOTIC_THEOREM,
        rf"\mathbb{{P}}_X\!\left(\frac{{V(L_\epsilon)}}{{V(G)}} {_LEQ} \exp\left({_tex(_T6_EXP)}\right) "
        rf"{_LEQ} \exp\left({_tex(_LOG_BOUND)}\right)\right) \ge 1-\delta",
        assumptions=("A1", "A2", "A3", "A4"),
        depends_on=("T6", "C7", "T9"),
        formula=_T6_EXP,
        bounds=("theorem10_log_bound", "theorem10_second_log_bound", "theorem9_delta"),
    ),
    # --- numerical claims ----------------------------------------------------------------
    Claim(
        "E1",
        "Training error vanishes once d0 d1 exceeds N",
        "Section 5, Figure 5.1",
        Kind.NUMERICAL_CLAIM,
        r"\text{Gaussian data, random labels: final training error (30 repeats) is low once } d_0 d_1 \gtrsim N",
    ),
    Claim(
        "E2",
        "Training converges to differentiable local minima",
        "Section 5, Figure 5.2",
        Kind.NUMERICAL_CLAIM,
        r"d = d_0 = d_1,\ N = \lfloor d^2/5\rfloor:\ \min_{i,n}|w_i^\top x^{(n)}| \in [10^{-3}, 1] "
        r"\gg \text{MSE} \in [10^{-31}, 10^{-7}]",
    ),
    Claim(
        "E3",
        "Zero training error on real binary tasks at about one parameter per sample",
        "Section 5, Table 1",
        Kind.NUMERICAL_CLAIM,
        r"\text{MNIST } (d_0{=}784, d_1{=}89): 0\%;\ \text{CIFAR } (3072, 16): 0\%;\ "
        r"\text{ImageNet } 64{\times}64\ (12288, 105): 0.1\%;\ \text{params}/N \approx 1",
    ),
    Claim(
        "S6",
        "Non-differentiable critical points",
        "Section 6",
        Kind.ASYMPTOTIC_THEOREM,
        r"P\,(A\circ X)\,e = 0 \text{ at non-differentiable critical points; with a fraction } r "
        r"\text{ of zero neural inputs, Theorem 6 holds with } d_1 \to (1-r)\,d_1",
        assumptions=("A1", "A2", "A3", "A4"),
        depends_on=("T6", "L2"),
    ),
    # --- supporting lemmas: Khatri-Rao -----------------------------------------------------
    Claim(
        "K1",
        "Gram identity of the Khatri-Rao product",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"(A\circ X)^\top (B\circ Y) = (A^\top B) \odot (X^\top Y)",
        proof="Column $n$ of $A\\circ X$ is $a^{(n)}\\otimes x^{(n)}$, and $(a\\otimes x)^\\top(b\\otimes y) = (a^\\top b)(x^\\top y)$ (mixed-product rule). So entry $(m,n)$ of $(A\\circ X)^\\top(B\\circ Y)$ is $(a^{(m)\\top}b^{(n)})(x^{(m)\\top}y^{(n)})$, the Hadamard product of $A^\\top B$ and $X^\\top Y$.",
    ),
    Claim(
        "K2",
        "Rank bound",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"\operatorname{rank}(A\circ X) \le \min(N, \operatorname{rank}(A)\operatorname{rank}(X))",
        depends_on=("K1",),
        proof="$A\\circ X$ has $N$ columns, and its columns lie in $\\operatorname{col}(A)\\otimes\\operatorname{col}(X)$, a space of dimension $\\operatorname{rank}(A)\\operatorname{rank}(X)$.",
    ),
    Claim(
        "K3",
        "Generic rank of A o X",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"\text{a.s. } \operatorname{rank}(A\circ X) = \min_{T\subseteq[N]} \left(N - |T| + d_0 "
        r"\operatorname{rank}(A_T)\right)",
        proof="Upper bound: for any $T$, the columns outside $T$ add at most $N - |T|$ to the rank, and the columns in $T$ lie in $\\operatorname{col}(A_T)\\otimes\\mathbb R^{d_0}$, of dimension $d_0\\operatorname{rank}(A_T)$. That equality holds for almost every $X$ is the lemma's content; the toolkit does not prove it but checks it against the numerical rank of $A\\circ X$ for Gaussian $X$ (audit check K3) and against brute force over all $T$ (tests).",
    ),
    Claim(
        "K4",
        "Blockwise form of (A o X) e = 0",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"(A\circ X)\,e = 0 \iff X \operatorname{diag}(A_i)\, e = 0 \ \ \forall i",
        proof="Block $i$ (rows $(i-1)d_0+1,\\dots,id_0$) of $(A\\circ X)e$ is $\\sum_n A_{in} e_n x^{(n)} = X\\operatorname{diag}(A_i)e$.",
    ),
    Claim(
        "K5",
        "The DLM residual of a region",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"\text{in } \mathcal{D}_A:\ f(WX)^\top z = (A\circ X)^\top v,\ v = \operatorname{vec}(\operatorname{diag}(z)W);"
        r"\ e_A = (I - P)\,y,\ P \text{ the projector onto the row space of } A\circ X",
        depends_on=("L2",),
        proof="Inside $\\mathcal D_A$, $f(w_i^\\top x^{(n)}) = A_{in} w_i^\\top x^{(n)}$, so the output is $\\sum_i z_i A_{in} w_i^\\top x^{(n)} = ((A\\circ X)^\\top v)_n$ with $v_i = z_i w_i$: it lies in the row space of $A\\circ X$, so $y - e$ does. Lemma 2 gives $(A\\circ X)e = 0$ at every DLM, i.e. $e$ is orthogonal to that row space. The two together say $e = (I - P)y$.",
    ),
    Claim(
        "K6",
        "Region feasibility and DLM existence as linear programs",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"\mathcal{D}_A \ne \emptyset \iff \forall i:\ C_i \ne \emptyset;\ \mathcal{D}_A \ni \text{DLM} \iff "
        r"\exists v: (A\circ X)^\top v = y - e_A,\ v_i \in C_i \cup -C_i \cup \{0\}",
        depends_on=("K5", "L2"),
        proof="$\\mathcal D_A = \\prod_i C_i$ with open polyhedral cones $C_i$, non-empty iff every $C_i$ is. Inside $\\mathcal D_A$ the MSE is a convex quadratic of $v$ with $v_i = z_i w_i$, so $(W,z)\\in\\mathcal D_A\\times\\mathbb R^{d_1}$ is a local minimum iff its output is $y - e_A$ ($\\mathcal D_A$ is open); such $(W,z)$ exists iff some $v$ with $(A\\circ X)^\\top v = y - e_A$ has $v_i = z_i w_i$ with $w_i\\in C_i$, i.e. $v_i\\in C_i$ ($z_i>0$), $-C_i$ ($z_i<0$) or $\\{0\\}$ ($z_i = 0$).",
    ),
    # --- supporting lemmas: Gaussian inputs --------------------------------------------------
    Claim(
        "G1",
        "Sheppard's formula",
        "toolkit lemma (Sheppard 1899)",
        Kind.EXACT_LEMMA,
        r"\mathbb{P}_{w\sim\mathcal{N}}(w^\top x_1 > 0, w^\top x_2 > 0) = \tfrac12 - \tfrac{\theta}{2\pi}",
    ),
    Claim(
        "G2",
        "Cover's count of dichotomies",
        "toolkit lemma (Cover 1965)",
        Kind.EXACT_LEMMA,
        rf"C(N, d) = {sp.latex(bounds.COVER_COUNT_EXPR)};\ \#\{{\mathcal{{D}}_A \ne \emptyset\}} = C(N, d_0)^{{d_1}}",
        formula=bounds.COVER_COUNT_EXPR,
        bounds=("cover_count",),
    ),
    Claim(
        "G3",
        "Spherical cap probability",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"\mathbb{P}(\angle(w, u) \le \phi) = \tfrac12 I_{\sin^2\phi}\!\left(\tfrac{d-1}{2}, \tfrac12\right),\ "
        r"\phi \le \pi/2",
    ),
    Claim(
        "G4",
        "Angle law and pattern collisions",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"p(\theta) \propto \sin^{d-2}\theta \text{ on } [0,\pi];\ "
        r"\mathbb{P}(a(w_1^\top X) = a(w_2^\top X)) = \mathbb{E}[(1 - \theta/\pi)^N]",
    ),
    Claim(
        "G5",
        "Coherence of the data",
        "toolkit lemma (Welch 1974)",
        Kind.EXACT_LEMMA,
        r"\max_{m\ne n} \frac{|\langle x_m, x_n\rangle|}{\|x_m\|\|x_n\|} \ge \sqrt{\frac{N-d}{d(N-1)}};"
        r"\ \text{for Gaussian } X \approx \sqrt{4\log N / d}",
    ),
    Claim(
        "G6",
        "Extreme singular values of a Gaussian matrix",
        "toolkit lemma (Davidson-Szarek)",
        Kind.PROBABILISTIC_THEOREM,
        r"\mathbb{P}\left(\sqrt N - \sqrt{d_0} - t \le s_{\min}(X) \le s_{\max}(X) \le \sqrt N + \sqrt{d_0} + t\right)"
        r" \ge 1 - 2e^{-t^2/2}",
        assumptions=("A1",),
    ),
    # --- supporting lemmas: volumes ----------------------------------------------------------
    Claim(
        "V1",
        "Angular volume factorizes over neurons",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"V(\mathcal{D}_A) = \prod_{i=1}^{d_1} \mathbb{P}_{w\sim\mathcal{N}}\!\left(a(w^\top X) = A_i\right)",
        depends_on=("D1", "D3"),
        proof="The rows of $W\\sim\\mathcal N$ are independent and $W\\in\\mathcal D_A$ iff each row $w_i$ has $a(w_i^\\top X) = A_i$.",
    ),
    Claim(
        "V2",
        "Upper event for the bad volume",
        "toolkit lemma",
        Kind.EXACT_LEMMA,
        r"V(L_\epsilon) \le \mathbb{P}_{W\sim\mathcal{N}}\!\left(\mathrm{MCE}(e_{a(WX)}) > \epsilon\right)",
        depends_on=("K5", "D4"),
        proof="By K5 every DLM in $\\mathcal D_A$ has output $y - e_A$; so a region in $L_\\epsilon$ has $\\mathrm{MCE}(y - e_A) > \\epsilon$. Dropping the requirement that a DLM exists only enlarges the event.",
    ),
]

#: Every claim of the catalogue, by id, in catalogue order.
REGISTRY: dict[str, Claim] = {c.id: c for c in _ITEMS}


def get(claim_id: str) -> Claim:
    """Return the claim with id ``claim_id`` (e.g. ``"T9"``); ``KeyError`` lists the valid ids.

    Parameters
    ----------
    claim_id : str
        A catalogue id, one of the keys of :data:`REGISTRY` (``"A1"``, ``"D5"``, ``"T9"``, ...).

    Returns
    -------
    Claim
        The registry entry.

    Raises
    ------
    KeyError
        If no claim has this id; the message lists the known ids.

    Examples
    --------
    >>> get("T8").reference
    'Theorem 8'
    """
    try:
        return REGISTRY[claim_id]
    except KeyError:
        raise KeyError(f"no claim {claim_id!r}; known: {', '.join(REGISTRY)}") from None


def by_kind(kind: Kind) -> list[Claim]:
    """All claims of one kind, in catalogue order.

    Parameters
    ----------
    kind : Kind or str
        The kind of statement: a member of :class:`Kind`, or its value (``"asymptotic theorem"``).

    Returns
    -------
    list of Claim
        The claims whose ``kind`` is ``kind``, in catalogue order; empty if there is none.

    Raises
    ------
    ValueError
        If ``kind`` is neither a :class:`Kind` nor the value of one.

    Examples
    --------
    >>> [c.id for c in by_kind(Kind.ASYMPTOTIC_THEOREM)]
    ['T6', 'T10', 'S6']
    >>> [c.id for c in by_kind("definition")]
    ['D1', 'D3', 'D4', 'D5']
    """
    if not isinstance(kind, Kind):
        try:
            kind = Kind(kind)
        except ValueError:
            known = ", ".join(repr(k.value) for k in Kind)
            raise ValueError(f"kind must be a Kind or one of {known}; got {kind!r}") from None
    return [c for c in _ITEMS if c.kind is kind]
