"""The score arithmetic of recommend, discover and context queries, and fusion, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from vectorizer.errors import BadRequest
from vectorizer.models import Distance, SparseVector
from vectorizer.query import fusion, scoring
from vectorizer.query.model import Hit


def f32(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def scaled(x: float) -> float:
    return 0.5 * (x / (1 + abs(x)) + 1)


def test_similarity_is_qdrants_raw_similarity() -> None:
    scores = f32(0.5, 2.0)
    assert scoring.similarity(Distance.COSINE, scores).tolist() == [0.5, 2.0]
    assert scoring.similarity(Distance.DOT, scores).tolist() == [0.5, 2.0]
    assert scoring.similarity(Distance.EUCLID, scores).tolist() == [-0.25, -4.0]
    assert scoring.similarity(Distance.MANHATTAN, scores).tolist() == [-0.5, -2.0]


def test_sigmoids() -> None:
    assert scoring.fast_sigmoid(f32(1.0, -3.0, 0.0)).tolist() == [0.5, -0.75, 0.0]
    assert scoring.scaled_fast_sigmoid(f32(1.0, -3.0, 0.0)).tolist() == [0.75, 0.125, 0.5]


def test_best_score_takes_the_best_positive_unless_a_negative_beats_it() -> None:
    positive = [f32(0.9, 0.1, -2.0), f32(0.3, 0.2, -1.0)]
    negative = [f32(0.2, 0.8, -1.5)]
    got = scoring.best_score(positive, negative)
    expected = [scaled(0.9), -scaled(0.8), scaled(-1.0)]
    assert got.tolist() == pytest.approx(expected, abs=1e-6)
    assert got.dtype == np.float32
    # positives only: always the positive side; negatives only: always the negative side
    assert scoring.best_score(positive, []).tolist() == pytest.approx(
        [scaled(0.9), scaled(0.2), scaled(-1.0)], abs=1e-6
    )
    assert scoring.best_score([], negative).tolist() == pytest.approx(
        [-scaled(0.2), -scaled(0.8), -scaled(-1.5)], abs=1e-6
    )


def test_best_score_ranks_any_positive_match_above_any_negative_one() -> None:
    got = scoring.best_score([f32(-100.0, 0.0)], [f32(-200.0, 5.0)])
    assert got[0] > 0 > got[1]


def test_sum_scores_adds_positives_and_subtracts_negatives() -> None:
    got = scoring.sum_scores([f32(1, 2), f32(3, 4)], [f32(0.5, 0.5)])
    assert got.tolist() == [3.5, 5.5]
    assert scoring.sum_scores([], [f32(1, -1)]).tolist() == [-1.0, 1.0]


def test_discovery_rank_is_the_integer_part_and_target_closeness_the_fraction() -> None:
    target = f32(0.0, -1.0, 3.0)
    pairs = [(f32(1, 0, 2), f32(0, 1, 2)), (f32(1, 0, 0), f32(0, 1, 1))]
    # ranks: point 0 +1 +1, point 1 -1 -1, point 2 0 (tie) -1
    got = scoring.discover(target, pairs)
    assert got.tolist() == pytest.approx([2 + scaled(0), -2 + scaled(-1), -1 + scaled(3)])
    assert scoring.discover(target, []).tolist() == pytest.approx(
        [scaled(0), scaled(-1), scaled(3)]
    )


def test_context_loss_is_zero_when_every_positive_is_closer() -> None:
    pairs = [(f32(1.0, 0.0, 0.5), f32(0.0, 1.0, 0.5))]
    got = scoring.context(pairs)
    eps = float(scoring.EPSILON)
    # equal similarities are not "closer": a tie costs fast_sigmoid(-epsilon)
    assert got.tolist() == pytest.approx([0.0, -(1 + eps) / (2 + eps), -eps / (1 + eps)])
    two = scoring.context([*pairs, (f32(0.0, 0.0, 0.0), f32(1.0, 0.0, 0.0))])
    assert two[0] < 0 and two[0] == pytest.approx(-(1 + eps) / (2 + eps))


def test_average_vector_of_dense_examples() -> None:
    positive = [f32(1, 0), f32(0, 1)]
    assert scoring.average_vector(positive, []).tolist() == [0.5, 0.5]
    assert scoring.average_vector(positive, [f32(0, 1)]).tolist() == [1.0, 0.0]
    with pytest.raises(BadRequest, match="At least one positive vector"):
        scoring.average_vector([], [f32(0, 1)])
    with pytest.raises(BadRequest, match="same dimension"):
        scoring.average_vector([f32(1, 0)], [f32(0, 1, 2)])


def test_average_vector_of_sparse_and_multi_examples() -> None:
    def sparse(pairs: dict[int, float]) -> SparseVector:
        return SparseVector(np.asarray(list(pairs)), f32(*pairs.values()))

    got = scoring.average_vector([sparse({3: 4.0, 1: 2.0}), sparse({1: 4.0})], [])
    assert isinstance(got, SparseVector)
    assert dict(zip(got.indices.tolist(), got.values.tolist(), strict=True)) == {1: 3.0, 3: 2.0}
    got = scoring.average_vector([sparse({1: 2.0})], [sparse({1: 1.0, 5: 1.0})])
    assert isinstance(got, SparseVector)
    assert dict(zip(got.indices.tolist(), got.values.tolist(), strict=True)) == {1: 3.0, 5: -1.0}
    multi = scoring.average_vector([np.ones((2, 3), np.float32)], [np.ones((1, 3), np.float32)])
    assert isinstance(multi, np.ndarray)
    assert multi.tolist() == [[1, 1, 1], [1, 1, 1], [-1, -1, -1]]
    with pytest.raises(BadRequest, match="different types"):
        scoring.average_vector([f32(1, 0)], [sparse({1: 1.0})])


# ----------------------------------------------------------------------------- fusion


def hits(*ids: int, scores: list[float] | None = None) -> list[Hit]:
    scores = scores or [1.0] * len(ids)
    return [Hit(i, s) for i, s in zip(ids, scores, strict=True)]


def test_rrf_sums_reciprocal_ranks_with_constant_2() -> None:
    fused = fusion.reciprocal_rank_fusion([hits(1, 2, 3), hits(3, 1)], limit=10)
    assert [h.id for h in fused] == [1, 3, 2]
    assert [h.score for h in fused] == pytest.approx([1 / 2 + 1 / 3, 1 / 4 + 1 / 2, 1 / 3])
    assert [h.id for h in fusion.reciprocal_rank_fusion([hits(1, 2, 3)], limit=2)] == [1, 2]
    with_k = fusion.reciprocal_rank_fusion([hits(7, 8)], limit=5, k=60)
    assert [h.score for h in with_k] == pytest.approx([1 / 60, 1 / 61])


def test_rrf_ties_keep_the_order_points_were_first_met() -> None:
    fused = fusion.reciprocal_rank_fusion([hits(5, 6), hits(6, 5)], limit=10)
    assert [h.id for h in fused] == [5, 6]
    assert fused[0].score == fused[1].score


def test_dbsf_normalises_each_list_by_mean_and_three_sample_deviations() -> None:
    first = hits(1, 2, 3, scores=[0.9, 0.5, 0.1])
    second = hits(3, 4, scores=[2.0, 1.0])
    fused = fusion.distribution_based_score_fusion([first, second], limit=10)
    sd1 = 0.4  # sample deviation of 0.9, 0.5, 0.1
    norm1 = {1: (0.9 - (0.5 - 3 * sd1)) / (6 * sd1), 2: 0.5, 3: (0.1 - (0.5 - 3 * sd1)) / (6 * sd1)}
    sd2 = np.std([2.0, 1.0], ddof=1)
    norm2 = {3: (2.0 - (1.5 - 3 * sd2)) / (6 * sd2), 4: (1.0 - (1.5 - 3 * sd2)) / (6 * sd2)}
    expected = {1: norm1[1], 2: norm1[2], 3: norm1[3] + norm2[3], 4: norm2[4]}
    assert {h.id: h.score for h in fused} == pytest.approx(expected)
    assert [h.id for h in fused] == sorted(expected, key=lambda i: -expected[i])


def test_dbsf_gives_one_point_or_equal_scores_a_half() -> None:
    fused = fusion.distribution_based_score_fusion(
        [hits(1, scores=[7.0]), hits(2, 3, scores=[4.0, 4.0]), []], limit=10
    )
    assert [(h.id, h.score) for h in fused] == [(1, 0.5), (2, 0.5), (3, 0.5)]
