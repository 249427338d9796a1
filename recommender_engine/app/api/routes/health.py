from fastapi import APIRouter, HTTPException

from recommender_engine.app.api.deps import SnapshotDep, StateDep
from recommender_engine.app.schemas import DATA_UNAVAILABLE_DETAIL, ErrorResponse, HealthResponse, IndexedCounts
from recommender_engine.app.services.repository import RepositoryUnavailable
from recommender_engine.app.services.snapshot import Snapshot

router = APIRouter(tags=["health"])


def health_of(snapshot: Snapshot) -> HealthResponse:
    return HealthResponse(
        status="degraded" if snapshot.last_error else "ok",
        model_version=snapshot.model_version,
        indexed=IndexedCounts(**{resource: len(index) for resource, index in snapshot.types.items()}),
        index=snapshot.index_kind,
        last_refresh=snapshot.last_refresh,
    )


@router.get("/health", response_model=HealthResponse)
def health(snapshot: SnapshotDep) -> HealthResponse:
    """Liveness and what is indexed (200 even when the database is down: see `status`)."""
    return health_of(snapshot)


@router.post("/refresh", response_model=HealthResponse, responses={503: {"model": ErrorResponse}})
def refresh(state: StateDep, full: bool = False) -> HealthResponse:
    """Internal: read changed embeddings now instead of waiting for the poll (`?full=true` reloads everything)."""
    try:
        return health_of(state.refresh(full=full))
    except RepositoryUnavailable as error:
        raise HTTPException(status_code=503, detail=DATA_UNAVAILABLE_DETAIL) from error
