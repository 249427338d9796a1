"""Dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, Request

from recommender_engine.app.core.config import Settings, get_settings
from recommender_engine.app.services.index_store import EngineState
from recommender_engine.app.services.snapshot import Snapshot


def get_state(request: Request) -> EngineState:
    state: EngineState = request.app.state.engine
    return state


def get_snapshot(request: Request) -> Snapshot:
    """The current index snapshot: one consistent view for the whole request."""
    return get_state(request).snapshot


StateDep = Annotated[EngineState, Depends(get_state)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
