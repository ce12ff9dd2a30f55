"""The predecessor's ``SessionManager`` surface (chuk-ai-session-manager) over the HTTP API.

:class:`SyncSessionManager` does the work; :class:`SessionManager` is its asyncio twin with the
predecessor's ``await sm.user_says(...)`` calls (each call runs in a worker thread).
"""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any, Dict, List, Mapping, Optional

from .client import ThreadlineClient, new_event_id
from .errors import ConflictError

__all__ = ["SessionManager", "SyncSessionManager", "snake_keys"]

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _snake(name: str) -> str:
    return _CAMEL.sub(r"_\1", name).lower()


def snake_keys(value: Any, *, keep: frozenset = frozenset({"usageByModel", "metadata"})) -> Any:
    """Keys in snake_case, deeply (``totalTokens`` → ``total_tokens``); the keys of a ``keep``
    field's object (model names, metadata) are left as they are, their values converted."""
    if isinstance(value, list):
        return [snake_keys(v, keep=keep) for v in value]
    if not isinstance(value, dict):
        return value
    out: Dict[str, Any] = {}
    for key, inner in value.items():
        if key in keep and isinstance(inner, dict):
            out[_snake(key)] = (
                dict(inner)
                if key == "metadata"
                else {k: snake_keys(v, keep=keep) for k, v in inner.items()}
            )
        else:
            out[_snake(key)] = snake_keys(inner, keep=keep)
    return out


def _client_from_env() -> ThreadlineClient:
    url = os.environ.get("THREADLINE_URL")
    key = os.environ.get("THREADLINE_API_KEY")
    if not url or not key:
        raise ValueError(
            "pass client=ThreadlineClient(base_url, api_key), or set THREADLINE_URL and "
            "THREADLINE_API_KEY"
        )
    return ThreadlineClient(url, key)


class SyncSessionManager:
    """One conversation, recorded in Threadline; the predecessor's methods, synchronous.

    The session is created on first use with the settings given here; a ``session_id`` that
    already exists is continued as it is (its stored settings win). Writes return the session
    id, as the predecessor's did; the eventId of the last write is ``last_event_id``. Reads wait
    (``wait=True``, the default) until this manager's last write has been applied:
    read-your-writes across the asynchronous queue.
    """

    def __init__(
        self,
        session_id: Optional[str] = None,
        system_prompt: Optional[str] = None,
        parent_id: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        infinite_context: bool = False,
        token_threshold: Optional[int] = None,
        max_turns_per_segment: Optional[int] = None,
        default_model: Optional[str] = None,
        *,
        client: Optional[ThreadlineClient] = None,
        wait_timeout_ms: int = 10_000,
        # The predecessor's storage backend: Threadline's server stores the session instead.
        store: Any = None,
    ) -> None:
        del store
        self.client = client or _client_from_env()
        self._session_id = session_id
        self._settings = dict(
            system_prompt=system_prompt,
            parent_id=parent_id,
            metadata=metadata,
            infinite_context=infinite_context,
            token_threshold=token_threshold,
            max_turns_per_segment=max_turns_per_segment,
            default_model=default_model,
        )
        self._system_prompt = system_prompt
        self._created = False
        self.wait_timeout_ms = wait_timeout_ms
        self.last_event_id: Optional[str] = None

    # ---- the session ----------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """The session's id (created on first access when none was given)."""
        return self._ensure()

    @property
    def system_prompt(self) -> Optional[str]:
        """The system prompt this manager set last (the server's copy is in the messages)."""
        return self._system_prompt

    def _ensure(self) -> str:
        if self._created and self._session_id:
            return self._session_id
        try:
            self._session_id = self.client.create_session(self._session_id, **self._settings)
        except ConflictError:
            if not self._session_id:
                raise
        self._created = True
        return self._session_id  # type: ignore[return-value]

    def _write(self, event: Dict[str, Any], event_id: Optional[str], metadata: Mapping[str, Any]) -> str:
        sid = self._ensure()
        event = {k: v for k, v in event.items() if v is not None}
        if metadata:
            event["metadata"] = dict(metadata)
        event["eventId"] = event_id or new_event_id()
        self.last_event_id = self.client.post_event(sid, event)
        return sid

    def _wait(self, wait: bool) -> Dict[str, Any]:
        if wait and self.last_event_id:
            return {"wait_for": self.last_event_id, "wait_timeout_ms": self.wait_timeout_ms}
        return {}

    # ---- writes (the predecessor's names) ----------------------------------------------------

    def user_says(self, message: str, *, event_id: Optional[str] = None, **metadata: Any) -> str:
        """Record the user's message; returns the session id."""
        return self._write({"type": "user_message", "content": message}, event_id, metadata)

    def ai_responds(
        self,
        response: str,
        model: Optional[str] = None,
        provider: Optional[str] = None,
        usage: Optional[Mapping[str, Any]] = None,
        *,
        event_id: Optional[str] = None,
        **metadata: Any,
    ) -> str:
        """Record the model's answer. ``usage`` as the provider returned it (OpenAI's
        ``prompt_tokens``/``completion_tokens``, Anthropic's ``input_tokens``/``output_tokens``);
        without it the server counts the tokens. Returns the session id."""
        event = {
            "type": "assistant_message",
            "content": response,
            "model": None if model in (None, "unknown") else model,
            "provider": None if provider in (None, "unknown") else provider,
            "usage": dict(usage) if usage is not None else None,
        }
        return self._write(event, event_id, metadata)

    def tool_used(
        self,
        tool_name: str,
        arguments: Any,
        result: Any,
        error: Optional[str] = None,
        *,
        event_id: Optional[str] = None,
        **metadata: Any,
    ) -> str:
        """Record a tool call with its arguments and result (or its error). Returns the session id."""
        event = {
            "type": "tool_call",
            "tool": tool_name,
            "arguments": arguments,
            "result": result,
            "error": error,
        }
        return self._write(event, event_id, metadata)

    def update_system_prompt(self, prompt: str, *, event_id: Optional[str] = None) -> str:
        """Change the system prompt (queued in order with the events). Returns the session id."""
        sid = self._ensure()
        self.last_event_id = self.client.update_system_prompt(sid, prompt, event_id=event_id)
        self._system_prompt = prompt
        return sid

    # ---- reads ---------------------------------------------------------------------------

    def get_messages_for_llm(
        self,
        include_system: bool = True,
        budget: Optional[int] = None,
        *,
        wait: bool = True,
    ) -> List[Dict[str, Any]]:
        """OpenAI Chat Completions messages to send next (the summary of earlier segments
        included with infinite context), within ``budget`` tokens when given."""
        return self.get_context(include_system=include_system, budget=budget, wait=wait)["messages"]

    def get_context(
        self,
        include_system: bool = True,
        budget: Optional[int] = None,
        format: str = "openai",
        *,
        wait: bool = True,
    ) -> Dict[str, Any]:
        """The whole answer of the messages read: a provider's request fields (``format``:
        openai, anthropic, gemini, responses) and the ``report`` (tokens used, stable prefix)."""
        return self.client.get_messages(
            self.session_id,
            budget=budget,
            include_system=include_system,
            format=format,
            **self._wait(wait),
        )

    def _all_segments(self, include_all_segments: Optional[bool]) -> bool:
        # As in the predecessor: every segment in infinite-context mode, unless asked otherwise.
        if include_all_segments is None:
            return bool(self._settings["infinite_context"])
        return include_all_segments

    def get_conversation(
        self,
        include_all_segments: Optional[bool] = None,
        include_tools: bool = False,
        *,
        wait: bool = True,
    ) -> List[Dict[str, Any]]:
        """The conversation, oldest first: entries with ``role``, ``content``, ``timestamp``
        (and ``eventId``, ``seq``, ``model``, ``tool``, ``success``, ``metadata``)."""
        return self.client.get_conversation(
            self.session_id,
            all_segments=self._all_segments(include_all_segments),
            include_tools=include_tools,
            **self._wait(wait),
        )

    def get_stats(
        self, include_all_segments: Optional[bool] = None, *, wait: bool = True
    ) -> Dict[str, Any]:
        """The stats with the predecessor's snake_case keys (``total_messages``,
        ``total_tokens``, ``estimated_cost``, ``session_segments``…) plus Threadline's own
        (``cost_nano``, ``usage_by_model``, ``summaries``)."""
        stats = self.client.get_stats(
            self.session_id,
            all_segments=self._all_segments(include_all_segments),
            **self._wait(wait),
        )
        out = snake_keys(stats)
        out.setdefault("infinite_context_enabled", out.get("infinite_context"))
        return out

    def get_session_chain(self, *, wait: bool = True) -> List[str]:
        """The ids of the session's segments, oldest first (the predecessor's session chain)."""
        return list(self.client.get_chain(self.session_id, **self._wait(wait))["segmentIds"])

    def get_segments(self, *, wait: bool = True) -> List[Dict[str, Any]]:
        """The segments themselves, oldest first, each with its summary."""
        return list(self.client.get_chain(self.session_id, **self._wait(wait))["segments"])

    def delete(self) -> None:
        """Erase the session on the server."""
        self.client.delete_session(self.session_id)


class SessionManager:
    """The predecessor's asyncio ``SessionManager``: ``await sm.user_says(...)`` and the rest.

    Same arguments as :class:`SyncSessionManager` (``client=`` or THREADLINE_URL and
    THREADLINE_API_KEY in the environment); each call runs the synchronous one in a thread.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync = SyncSessionManager(*args, **kwargs)

    @property
    def client(self) -> ThreadlineClient:
        return self.sync.client

    @property
    def session_id(self) -> str:
        """The session id (creating the session, synchronously, if it was not yet)."""
        return self.sync.session_id

    @property
    def last_event_id(self) -> Optional[str]:
        return self.sync.last_event_id

    @property
    def system_prompt(self) -> Optional[str]:
        return self.sync.system_prompt

    async def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self.sync, name), *args, **kwargs)

    async def ensure_session(self) -> str:
        """Create the session now (otherwise the first call does)."""
        return await asyncio.to_thread(self.sync._ensure)

    async def user_says(self, message: str, **kwargs: Any) -> str:
        return await self._run("user_says", message, **kwargs)

    async def ai_responds(self, response: str, *args: Any, **kwargs: Any) -> str:
        return await self._run("ai_responds", response, *args, **kwargs)

    async def tool_used(self, tool_name: str, arguments: Any, result: Any, *args: Any, **kwargs: Any) -> str:
        return await self._run("tool_used", tool_name, arguments, result, *args, **kwargs)

    async def update_system_prompt(self, prompt: str, **kwargs: Any) -> str:
        return await self._run("update_system_prompt", prompt, **kwargs)

    async def get_messages_for_llm(self, *args: Any, **kwargs: Any) -> List[Dict[str, Any]]:
        return await self._run("get_messages_for_llm", *args, **kwargs)

    async def get_context(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return await self._run("get_context", *args, **kwargs)

    async def get_conversation(self, *args: Any, **kwargs: Any) -> List[Dict[str, Any]]:
        return await self._run("get_conversation", *args, **kwargs)

    async def get_stats(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return await self._run("get_stats", *args, **kwargs)

    async def get_session_chain(self, **kwargs: Any) -> List[str]:
        return await self._run("get_session_chain", **kwargs)

    async def get_segments(self, **kwargs: Any) -> List[Dict[str, Any]]:
        return await self._run("get_segments", **kwargs)

    async def delete(self) -> None:
        await self._run("delete")
