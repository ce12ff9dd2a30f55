"""Python client of Threadline, the conversation-state service (standard library only).

``ThreadlineClient`` wraps the HTTP API route by route; ``SessionManager`` (asyncio) and
``SyncSessionManager`` keep the surface of chuk-ai-session-manager's ``SessionManager``.
"""

from .client import DEFAULT_TIMEOUT, MAX_WAIT_TIMEOUT_MS, ThreadlineClient, new_event_id
from . import errors
from .errors import *  # noqa: F401,F403  (the error classes, listed once in errors.__all__)
from .helpers import track_conversation, track_llm_call
from .session_manager import SessionManager, SyncSessionManager, snake_keys

__version__ = "0.1.0"

__all__ = [
    "ThreadlineClient",
    "SessionManager",
    "SyncSessionManager",
    "track_conversation",
    "track_llm_call",
    "new_event_id",
    "snake_keys",
    "DEFAULT_TIMEOUT",
    "MAX_WAIT_TIMEOUT_MS",
    *(name for name in errors.__all__ if name != "error_from_response"),
]
