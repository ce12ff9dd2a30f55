"""The predecessor's one-call helpers (``track_conversation``, ``track_llm_call``), asyncio."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Optional, Tuple

from .client import ThreadlineClient
from .session_manager import SessionManager

__all__ = ["track_conversation", "track_llm_call"]


async def track_conversation(
    user_message: str,
    ai_response: str,
    model: Optional[str] = None,
    provider: Optional[str] = None,
    infinite_context: bool = False,
    token_threshold: Optional[int] = None,
    *,
    client: Optional[ThreadlineClient] = None,
    session_id: Optional[str] = None,
) -> str:
    """Record one exchange in a new session (or ``session_id``); returns the session id."""
    sm = SessionManager(
        session_id,
        infinite_context=infinite_context,
        token_threshold=token_threshold,
        client=client,
    )
    await sm.user_says(user_message)
    return await sm.ai_responds(ai_response, model=model, provider=provider)


async def track_llm_call(
    user_input: str,
    llm_function: Callable[[str], Any],
    model: Optional[str] = None,
    provider: Optional[str] = None,
    session_manager: Optional[SessionManager] = None,
    infinite_context: bool = False,
    token_threshold: Optional[int] = None,
    *,
    client: Optional[ThreadlineClient] = None,
) -> Tuple[str, str]:
    """Record the user's input, call ``llm_function`` (sync or async) with it, record its
    answer; returns ``(answer, session_id)``."""
    sm = session_manager or SessionManager(
        infinite_context=infinite_context, token_threshold=token_threshold, client=client
    )
    await sm.user_says(user_input)
    answer = llm_function(user_input)
    if inspect.isawaitable(answer):
        answer = await answer
    elif asyncio.iscoroutine(answer):  # pragma: no cover
        answer = await answer
    text = answer if isinstance(answer, str) else str(answer)
    session_id = await sm.ai_responds(text, model=model, provider=provider)
    return text, session_id
