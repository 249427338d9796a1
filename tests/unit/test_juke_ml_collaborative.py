"""juke_ml.collaborative: the deployed space (compressed norms, the items' query) and its payload."""

import numpy as np
import pytest

from juke_ml.collaborative import CollaborativeConfig, CollaborativeSpace, Factors, space_fit


def _space(*, norm_exponent: float, query_mode: str = "mean", raw: np.ndarray | None = None) -> CollaborativeSpace:
    raw = np.eye(2) if raw is None else raw
    space = CollaborativeSpace(
        mapping=np.eye(2),
        scale=1.0,
        gram=raw.T @ raw,
        regularization=0.05,
        shrinkage=2.0,
        norm_exponent=norm_exponent,
        query_mode=query_mode,
    )
    scale = float(np.linalg.norm(space.compressed(raw), axis=1).max())
    return CollaborativeSpace(**{**space.__dict__, "scale": scale})


# A hit (norm 10) some way off the seeds' direction, and a rarely played track (norm 1) right on it.
HIT, RARE = np.array([[0.0, 10.0]]), np.array([[0.6, 0.5]])


@pytest.mark.parametrize(("norm_exponent", "winner"), [(1.0, "hit"), (0.15, "rare"), (0.0, "rare")])
def test_a_lower_norm_exponent_lets_a_rarely_played_item_on_the_seeds_direction_outrank_a_hit(norm_exponent, winner):
    space = _space(norm_exponent=norm_exponent, raw=np.vstack([HIT, RARE]))
    vectors = space.item_vectors(np.vstack([HIT, RARE]))
    query = space.items_query(space.item_vectors(np.array([[1.0, 0.8], [1.2, 1.0]])), np.ones(2))
    scores = vectors @ query
    assert ("hit" if scores[0] > scores[1] else "rare") == winner


def test_item_vectors_are_unit_length_and_keep_their_direction():
    raw = np.array([[3.0, 4.0], [0.1, 0.0], [0.0, -2.0]])
    space = _space(norm_exponent=0.15, raw=raw)
    vectors = space.item_vectors(raw)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    factor_part = space.raw_factors(vectors)
    cosines = (factor_part * raw).sum(axis=1) / np.linalg.norm(factor_part, axis=1) / np.linalg.norm(raw, axis=1)
    np.testing.assert_allclose(cosines, 1.0, rtol=1e-6)


def test_the_mean_query_is_the_confidence_weighted_sum_of_the_items_directions():
    space = _space(norm_exponent=1.0)
    vectors = space.item_vectors(np.array([[0.5, 0.0], [0.0, 0.25]]))
    query = space.items_query(vectors, np.array([3.0, 1.0]))
    np.testing.assert_allclose(query, np.array([3.0, 1.0, 0.0]) / np.sqrt(10.0), rtol=1e-6)


def test_nothing_to_weigh_gives_no_query():
    space = _space(norm_exponent=0.15)
    assert space.items_query(np.zeros((0, 3)), np.zeros(0)) is None
    assert space.items_query(space.item_vectors(np.eye(2)), np.zeros(2)) is None


def test_the_payload_round_trips_and_an_older_payload_loads_as_it_was_built():
    space = _space(norm_exponent=0.15)
    again = CollaborativeSpace.from_payload(space.to_payload())
    assert (again.norm_exponent, again.query_mode, again.shrinkage) == (0.15, "mean", 2.0)
    older = {key: value for key, value in space.to_payload().items() if key not in ("norm_exponent", "query")}
    legacy = CollaborativeSpace.from_payload(older)
    assert (legacy.norm_exponent, legacy.query_mode) == (1.0, "fold_in")


def test_space_fit_deploys_the_configured_norm_exponent_and_query():
    rng = np.random.default_rng(0)
    factors = Factors(
        user_factors=rng.normal(size=(5, 3)).astype(np.float32),
        item_factors=rng.normal(size=(8, 3)).astype(np.float32),
        support=np.array([0, 1, 2, 3, 4, 5, 6, 7]),
    )
    space, vectors = space_fit(content=rng.normal(size=(8, 4)), factors=factors, config=CollaborativeConfig(factors=3))
    assert (space.norm_exponent, space.query_mode) == (CollaborativeConfig.norm_exponent, "mean")
    assert vectors.shape == (8, 4)
    assert float(np.linalg.norm(space.raw_factors(vectors), axis=1).max()) == pytest.approx(space.scale, rel=1e-5)
    with pytest.raises(ValueError, match="query"):
        space_fit(content=rng.normal(size=(8, 4)), factors=factors, config=CollaborativeConfig(factors=3, query="max"))
