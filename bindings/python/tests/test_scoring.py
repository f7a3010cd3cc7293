"""Scoring from Python: G1 against exact fractions, TOPSIS and entropy against pymcdm and
scikit-criteria, zero-copy input, errors, and the pandas helpers.

Conventions of the peers, where they differ from gridserve's:

* pymcdm ``TOPSIS``: min-max normalisation by default (gridserve: vector); it flips cost
  columns during normalisation (1 − x/‖x‖ or (max − x)/(max − min)) and then takes the column
  maximum as the ideal — the distances equal gridserve's, which keeps cost columns as they
  are and takes their minimum as the ideal. Constant columns: pymcdm's min-max gives ones,
  gridserve zeros; both add nothing to the distances.
* pymcdm ``entropy_weights``: sum normalisation x / Σx of the raw matrix, without directions,
  and it refuses any value ≤ 0. gridserve's default first min-max-scales each column by
  direction (0 · ln 0 = 0); ``normalisation="sum"`` reproduces pymcdm's convention.
* scikit-criteria ``TOPSIS``: expects an already scaled matrix, uses the weights as given,
  and ranks ties densely (1, 2, 2, 3) where gridserve uses competition ranking (1, 2, 2, 4).
* scikit-criteria ``entropy_weights``: ``scipy.stats.entropy`` per column (sum normalisation,
  0 · ln 0 = 0, log base n); a constant min-max column (all zeros) gives NaN there and weight
  0 in gridserve.
* The ``mcdm`` Rust crate returns 1 − C; gridserve returns C (higher is better).
"""

from fractions import Fraction

import numpy as np
import pytest

import gridserve as gs

# ------------------------------------------------------------------------------- G1


def g1_by_fractions(ratios):
    """w_m = 1 / (1 + Σ_{k=2..m} Π_{i=k..m} r_i), w_{k−1} = r_k · w_k, in exact arithmetic."""
    r = [Fraction(x).limit_denominator(1000) for x in ratios]
    m = len(r) + 1
    total = Fraction(1)
    for k in range(len(r)):
        prod = Fraction(1)
        for x in r[k:]:
            prod *= x
        total += prod
    w = [Fraction(0)] * m
    w[-1] = 1 / total
    for k in range(m - 1, 0, -1):
        w[k - 1] = r[k - 1] * w[k]
    return w


def test_g1_exact_fractions():
    exact = g1_by_fractions([1.2, 1.2, 1.4, 1.8])
    # By hand: 1 + 9/5 + 63/25 + 378/125 + 2268/625 = 7483/625.
    assert exact == [Fraction(n, 7483) for n in (2268, 1890, 1575, 1125, 625)]
    w = gs.g1_weights([0, 1, 2, 3, 4], [1.2, 1.2, 1.4, 1.8])
    assert isinstance(w, np.ndarray) and w.dtype == np.float64
    np.testing.assert_allclose(w, [float(x) for x in exact], rtol=0, atol=1e-15)
    assert sum(exact) == 1


@pytest.mark.parametrize(
    "ratios",
    [[1.0, 1.0, 1.0], [1.8, 1.8, 1.8, 1.8, 1.8, 1.8], [1.6, 1.0, 1.4, 1.2], [1.3, 1.7]],
)
def test_g1_other_ratios_and_named_order(ratios):
    exact = [float(x) for x in g1_by_fractions(ratios)]
    m = len(exact)
    names = [f"x{j}" for j in range(m)]
    order = list(reversed(names))  # the last column is the most important
    w = gs.g1_weights(order, ratios, criteria=names)
    np.testing.assert_allclose(w, exact[::-1], rtol=0, atol=1e-15)


def test_g1_errors():
    with pytest.raises(gs.InvalidWeightsError) as e:
        gs.g1_weights([0, 1, 2], [1.2, 1.81])
    assert (e.value.kind, e.value.position, e.value.value) == ("invalid_ratio", 3, 1.81)
    with pytest.raises(gs.InvalidWeightsError) as e:
        gs.g1_weights([0, 0, 1], [1.2, 1.2])
    assert e.value.kind == "invalid_order" and e.value.problem == "appears twice"
    with pytest.raises(gs.InvalidWeightsError) as e:
        gs.g1_weights(["a", "q"], [1.2], criteria=["a", "b"])
    assert e.value.value == "q"
    with pytest.raises(ValueError):  # every gridserve error is also the matching builtin
        gs.g1_weights([0, 1], [0.5])


# ------------------------------------------------------------------------------- matrices

RNG = np.random.default_rng(20240611)


def varied_matrices():
    """Mixed criteria, ties and negative values; (matrix, directions as ±1)."""
    cases = []
    for n, m in [(5, 3), (12, 6), (40, 4), (200, 10)]:
        x = RNG.normal(size=(n, m)) * RNG.uniform(0.5, 1000, size=m)
        x[:, 0] = np.round(x[:, 0] / 300.0)  # ties
        x[-1, 0] = x[:, 0].max() + 1.0  # …but not a constant column
        x[: n // 3, 1] = x[0, 1]  # a block of equal values
        types = np.where(RNG.uniform(size=m) < 0.5, 1, -1)
        types[0], types[1] = 1, -1
        cases.append((x, types))
    return cases


def weights_for(m):
    w = RNG.uniform(0.1, 1.0, size=m)
    return w / w.sum()


def directions(types):
    return ["benefit" if t == 1 else "cost" for t in types]


# ------------------------------------------------------------------------------- TOPSIS vs peers


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("norm", ["vector", "min_max"])
def test_topsis_matches_pymcdm(case, norm):
    pymcdm = pytest.importorskip("pymcdm")
    from pymcdm import normalizations

    x, types = varied_matrices()[case]
    w = weights_for(x.shape[1])
    fn = normalizations.vector_normalization if norm == "vector" else normalizations.minmax_normalization
    method = pymcdm.methods.TOPSIS(normalization_function=fn)
    _, _, _, _, dm, dp, pref = method._method(x, w, types)
    ours = gs.topsis(x, w, directions(types), normalisation=norm)
    np.testing.assert_allclose(ours["closeness"], pref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["d_plus"], dp, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["d_minus"], dm, rtol=1e-12, atol=1e-14)
    # The public call (with its validation) ranks the same way.
    np.testing.assert_allclose(method(x, w, types), pref)


@pytest.mark.parametrize("case", range(4))
def test_topsis_matches_scikit_criteria(case):
    pytest.importorskip("skcriteria")
    from skcriteria.agg.topsis import topsis as skc_topsis
    from skcriteria.preprocessing.scalers import scale_by_vector

    x, types = varied_matrices()[case]
    w = weights_for(x.shape[1])
    rank, _, _, similarity = skc_topsis(scale_by_vector(x, axis=0), types, w)
    ours = gs.topsis(x, w, directions(types))
    np.testing.assert_allclose(ours["closeness"], similarity, rtol=1e-12, atol=1e-14)
    # Same order; ranks agree where there are no ties (skcriteria ranks ties densely).
    if len(np.unique(similarity)) == len(similarity):
        np.testing.assert_array_equal(ours["rank"], rank)


def test_topsis_ties_and_percentiles():
    # Rows 0 and 2 identical: they tie. Benefit / cost, vector normalisation.
    x = np.array([[3.0, 1.0], [4.0, 2.0], [3.0, 1.0], [1.0, 5.0]])
    r = gs.topsis(x, [0.5, 0.5], ["benefit", "cost"])
    assert r["closeness"][0] == r["closeness"][2]
    # Hand check of the order: row 3 is worst on both criteria → C = 0.
    assert r["closeness"][3] == 0.0
    ranks = r["rank"].tolist()
    assert ranks[3] == 4 and ranks[0] == ranks[2]
    assert sorted(ranks) in ([1, 1, 3, 4], [1, 2, 2, 4])
    # percentile = 100·(n − rank)/(n − 1)
    np.testing.assert_allclose(r["percentile"], [100.0 * (4 - k) / 3 for k in ranks])


def test_topsis_interval_direction():
    # Best range [0.3, 0.75]: distances 0, 0.2, 0.1 → y = 1, 0, 0.5; min-max gives C = y.
    x = np.array([[0.5], [0.1], [0.85]])
    r = gs.topsis(x, [1.0], [(0.3, 0.75)], normalisation="min_max")
    np.testing.assert_allclose(r["closeness"], [1.0, 0.0, 0.5], atol=1e-12)


# ------------------------------------------------------------------------------- entropy vs peers


def minmax_by_direction(x, types):
    lo, hi = x.min(axis=0), x.max(axis=0)
    z = (x - lo) / (hi - lo)
    return np.where(types == 1, z, 1.0 - z)


@pytest.mark.parametrize("case", range(4))
def test_entropy_matches_scikit_criteria(case):
    pytest.importorskip("skcriteria")
    from skcriteria.preprocessing.weighters import entropy_weights as skc_entropy

    x, types = varied_matrices()[case]
    expected = skc_entropy(minmax_by_direction(x, types))
    ours = gs.entropy_weights(x, directions(types))
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", range(4))
def test_entropy_sum_normalisation_matches_pymcdm(case):
    pytest.importorskip("pymcdm")
    from pymcdm.weights import entropy_weights as pymcdm_entropy

    x, _ = varied_matrices()[case]
    positive = np.abs(x) + 0.5  # pymcdm refuses values <= 0
    expected = pymcdm_entropy(positive)
    ours = gs.entropy_weights(positive, normalisation="sum")
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-15)


def test_entropy_zeros_negatives_and_constant_columns():
    # pymcdm refuses this matrix (a zero and a negative); gridserve's min-max handles it, and
    # the constant column gets weight 0 (scikit-criteria would give NaN there).
    x = np.array([[0.0, -1.0, 2.0], [1.0, 3.0, 2.0], [2.0, 1.0, 2.0]])
    w = gs.entropy_weights(x, ["benefit", "cost", "benefit"])
    assert w[2] == 0.0
    # By hand: column 0 → z = [0, .5, 1]; column 1 (cost) → z = [1, 0, .5]: the same
    # proportions up to order, so equal weights.
    np.testing.assert_allclose(w, [0.5, 0.5, 0.0], atol=1e-15)
    with pytest.raises(gs.ScoringError) as e:
        gs.entropy_weights(np.ones((3, 2)))
    assert e.value.kind == "no_information"


# ------------------------------------------------------------------------------- combinations


def test_combine_weights():
    a, b = [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]
    lin = gs.combine_weights([a, b], "linear", alpha=0.7)
    np.testing.assert_allclose(lin["weights"], [0.41, 0.27, 0.32], atol=1e-15)
    mult = gs.combine_weights([a, b], "multiplicative")
    np.testing.assert_allclose(mult["weights"], np.array([0.10, 0.06, 0.12]) / 0.28, atol=1e-15)
    # Game theory, two vectors: α1 = b·b (a·a − a·b)/det, α2 = a·a (b·b − a·b)/det.
    a, b = np.array([0.4, 0.35, 0.25]), np.array([0.2, 0.3, 0.5])
    aa, bb, ab = a @ a, b @ b, a @ b
    det = aa * bb - ab * ab
    alpha = np.array([bb * (aa - ab), aa * (bb - ab)]) / det
    gt = gs.combine_weights([a, b], "game_theory")
    np.testing.assert_allclose(gt["raw_coefficients"], alpha, rtol=1e-10)
    np.testing.assert_allclose(gt["weights"], (alpha / alpha.sum()) @ np.vstack([a, b]), rtol=1e-10)
    with pytest.raises(gs.InvalidArgumentError):
        gs.combine_weights([a, b], "linear")


# ------------------------------------------------------------------------------- zero copy, errors


def test_layouts_read_without_copy_and_agree():
    x = RNG.uniform(size=(1000, 5))
    types = ["benefit", "cost", (0.2, 0.6), "benefit", "cost"]
    w = [0.3, 0.2, 0.2, 0.2, 0.1]
    c = gs.topsis(np.ascontiguousarray(x), w, types)
    f = gs.topsis(np.asfortranarray(x), w, types)
    assert c["input_copied"] is False and f["input_copied"] is False
    np.testing.assert_allclose(c["closeness"], f["closeness"], rtol=1e-13)
    # A strided view or another dtype is copied once (documented), with the same result.
    wide = np.zeros((1000, 10))
    wide[:, ::2] = x
    s = gs.topsis(wide[:, ::2], w, types)
    assert s["input_copied"] is True
    np.testing.assert_allclose(s["closeness"], c["closeness"], rtol=1e-13)
    i = gs.topsis((x * 100).astype(np.int64), w, types)
    assert i["input_copied"] is True
    # Thread count does not change the answer beyond rounding.
    t1 = gs.topsis(x, w, types, threads=1)
    t3 = gs.topsis(x, w, types, threads=3)
    np.testing.assert_allclose(t1["closeness"], t3["closeness"], rtol=1e-13)


def test_topsis_errors_and_edges():
    x = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0]])
    with pytest.raises(gs.NotFiniteError) as e:
        gs.topsis(x, [0.5, 0.5])
    assert (e.value.row, e.value.column) == (1, 1)
    assert np.isnan(e.value.value)
    ok = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(gs.InvalidWeightsError) as e:
        gs.topsis(ok, [0.0, 0.0])
    assert e.value.kind == "zero_weights"
    with pytest.raises(gs.InvalidWeightsError) as e:
        gs.topsis(ok, [1.0, -1.0])
    assert (e.value.kind, e.value.index) == ("invalid_weight", 1)
    with pytest.raises(gs.ScoringError) as e:
        gs.topsis(ok, [1.0])
    assert e.value.kind == "shape_mismatch"
    with pytest.raises(gs.InvalidArgumentError):
        gs.topsis(ok, [1.0, 1.0], normalisation="l7")
    # A single alternative: C = 0.5, rank 1, percentile 100, flagged degenerate.
    one = gs.topsis(np.array([[1.0, 2.0]]), [0.5, 0.5])
    assert (one["closeness"][0], one["rank"][0], one["percentile"][0], one["degenerate"]) == (0.5, 1, 100.0, True)
    # An all-zero and a constant column add nothing.
    base = gs.topsis(ok, [0.5, 0.5])
    more = gs.topsis(np.hstack([ok, np.zeros((2, 1)), np.full((2, 1), 7.0)]), [0.5, 0.5, 0.3, 0.3])
    np.testing.assert_allclose(more["closeness"], base["closeness"])


# ------------------------------------------------------------------------------- indicators, pandas


def test_indicators_frame_by_hand():
    pd = pytest.importorskip("pandas")
    usage = pd.DataFrame(
        {
            "id": ["A", "B"],
            "period_hours": [720.0, 720.0],
            "energy_kwh": [216_000.0, 144_000.0],  # P_avg 300 and 200 kW
            "valley_kwh": [60_000.0, 20_000.0],
            "peak_kwh": [80_000.0, np.nan],
            "reactive_kvarh": [162_000.0, 0.0],  # pf 0.8 and 1.0
            "max_load_kw": [500.0, 400.0],
            "min_load_kw": [100.0, 20.0],
            "capacity_kva": [630.0, 400.0],
            "transformer_p0_kw": [0.81, 0.57],
            "transformer_pk_kw": [6.2, 4.52],
        }
    )
    names = ["load_factor", "valley_energy_share", "power_factor", "transformer_load_rate"]
    f = gs.indicators_frame(usage, names)
    assert list(f.index) == ["A", "B"]
    np.testing.assert_allclose(f["load_factor"], [300 / 500, 200 / 400])
    np.testing.assert_allclose(f["valley_energy_share"], [60 / 216, 20 / 144])
    np.testing.assert_allclose(f["power_factor"], [0.8, 1.0])
    # β = P_avg / pf / S_N; best range [1.33 P0/Pk, 0.75].
    np.testing.assert_allclose(f["transformer_load_rate"], [300 / 0.8 / 630, 200 / 400])
    np.testing.assert_allclose(f["transformer_load_rate_best_lo"], [1.33 * 0.81 / 6.2, 1.33 * 0.57 / 4.52])
    assert f.attrs["criteria"][0] == ("load_factor", "1", "benefit")
    # Peak share needs peak_kwh, which B lacks (NaN): the error names the record and field.
    with pytest.raises(gs.MissingInputError) as e:
        gs.indicators_frame(usage, ["peak_energy_share"])
    assert (e.value.record, e.value.id, e.value.field) == (1, "B", "peak_kwh")
    # TOPSIS over the frame: the load rate is scored against each customer's own range.
    scores = gs.topsis_frame(f, [0.25, 0.25, 0.25, 0.25])
    assert list(scores.columns) == ["closeness", "d_plus", "d_minus", "rank", "percentile"]
    # Both load rates lie inside their ranges, so only the first three columns separate them:
    # B has the better power factor, A the better load factor and valley share.
    y = gs.interval_scores(f["transformer_load_rate"], f["transformer_load_rate_best_lo"], f["transformer_load_rate_best_hi"])
    np.testing.assert_array_equal(y, [1.0, 1.0])
    direct = gs.topsis(f[names[:3]].to_numpy(), [0.25, 0.25, 0.25])
    np.testing.assert_allclose(scores["closeness"], direct["closeness"])


# ---------------------------------------------------------------- hardening


def test_min_max_topsis_keeps_the_digits_of_a_narrow_column():
    # pymcdm (TOPSIS with minmax_normalization) gives 0.5000017763630032 for the middle row;
    # computing a·x + b instead of a·(x − min) used to be off by about 1e-6 here.
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import minmax_normalization

    m = np.array([[100.0, 1.0], [100.0 + 1e-9, 2.0], [100.0 + 2e-9, 3.0]])
    ref = TOPSIS(normalization_function=minmax_normalization)(
        m, np.array([0.5, 0.5]), np.array([1, -1])
    )
    assert ref[1] == pytest.approx(0.5000017763630032, abs=1e-16)
    for data in (m, np.asfortranarray(m)):
        r = gs.topsis(data, [0.5, 0.5], ["benefit", "cost"], "min_max")
        np.testing.assert_allclose(r["closeness"], ref, rtol=0, atol=1e-15)


def test_topsis_thread_counts_are_checked():
    rng = np.random.default_rng(3)
    x = rng.random((500, 3))
    base = gs.topsis(x, [1, 1, 1])
    for bad in (0, -1, 5000):
        with pytest.raises(gs.GridserveError, match="threads"):
            gs.topsis(x, [1, 1, 1], threads=bad)
    r = gs.topsis(x, [1, 1, 1], threads=1024)
    np.testing.assert_allclose(r["closeness"], base["closeness"], rtol=1e-12)


def test_game_theory_coefficient_is_exactly_zero():
    # u2 uniform: u1·u2 = u2·u2 = 1/3, so α2 = u1·u1 (u2·u2 − u1·u2)/det = 0 exactly.
    c = gs.combine_weights([[0.5, 0.3, 0.2], [1 / 3, 1 / 3, 1 / 3]], "game_theory")
    assert c["raw_coefficients"][1] == 0.0
    np.testing.assert_allclose(c["weights"], [0.5, 0.3, 0.2], atol=1e-15)


def test_nan_in_a_fallback_usage_field_is_refused():
    pd = pytest.importorskip("pandas")
    usage = pd.DataFrame(
        {
            "id": ["A", "B"],
            "period_hours": [720.0, 720.0],
            "energy_kwh": [216_000.0, 144_000.0],
            "valley_kwh": [60_000.0, 20_000.0],
            "deep_valley_kwh": [10_000.0, np.nan],
        }
    )
    # Left out, deep valley counts 0; a NaN cell used to do the same silently.
    with pytest.raises(gs.ScoringError) as e:
        gs.indicators_frame(usage, ["valley_energy_share"])
    assert (e.value.record, e.value.id, e.value.field) == (1, "B", "deep_valley_kwh")
    f = gs.indicators_frame(usage.drop(columns="deep_valley_kwh"), ["valley_energy_share"])
    np.testing.assert_allclose(f["valley_energy_share"], [60 / 216, 20 / 144])
    with pytest.raises(gs.GridserveError, match="loss_shape"):
        gs.indicators_frame(usage, ["load_factor"], {"loss_shape": 1.0})
