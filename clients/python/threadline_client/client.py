"""A synchronous client of the Threadline HTTP API, standard library only (urllib, json)."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from .errors import (
    RateLimitedError,
    ThreadlineError,
    TransportError,
    UnavailableError,
    error_from_response,
)

__all__ = ["ThreadlineClient", "new_event_id", "DEFAULT_TIMEOUT", "MAX_WAIT_TIMEOUT_MS"]

DEFAULT_TIMEOUT = 30.0
#: The longest the server lets a read wait for ``wait_for`` (ms).
MAX_WAIT_TIMEOUT_MS = 30_000

Json = Any
Event = Dict[str, Any]


def new_event_id() -> str:
    """A fresh idempotency key for an event."""
    return str(uuid.uuid4())


def _flag(value: Optional[bool]) -> Optional[str]:
    return None if value is None else ("true" if value else "false")


class ThreadlineClient:
    """One tenant's view of a Threadline server (the API key names the tenant).

    Every write gives each event an ``eventId`` (yours, or a generated one), so a write retried
    after a lost answer is applied once. Answers 429 and 503 are retried up to ``max_retries``
    times, waiting what ``Retry-After`` says (else exponential backoff with jitter); a request
    that got no answer is retried too when it is safe (reads, writes whose events carry ids).
    Errors are :class:`~threadline_client.errors.ThreadlineError` subclasses.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 30.0,
        user_agent: str = "threadline-python",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required (e.g. http://127.0.0.1:8080)")
        if not api_key:
            raise ValueError("api_key is required")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.user_agent = user_agent
        self._sleep = sleep

    def __repr__(self) -> str:  # never the key
        return f"ThreadlineClient(base_url={self.base_url!r})"

    # ---- sessions -----------------------------------------------------------------------

    def create_session(
        self,
        session_id: Optional[str] = None,
        *,
        system_prompt: Optional[str] = None,
        parent_id: Optional[str] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        infinite_context: Optional[bool] = None,
        token_threshold: Optional[int] = None,
        max_turns_per_segment: Optional[int] = None,
        default_model: Optional[str] = None,
        summary_max_tokens: Optional[int] = None,
        subject_id: Optional[str] = None,
        retention_seconds: Optional[int] = None,
    ) -> str:
        """``POST /v1/sessions`` → the session id (generated when not given). 409: ConflictError."""
        body: Dict[str, Any] = {}
        for key, value in (
            ("sessionId", session_id),
            ("systemPrompt", system_prompt),
            ("parentId", parent_id),
            ("metadata", dict(metadata) if metadata is not None else None),
            ("infiniteContext", infinite_context),
            ("tokenThreshold", token_threshold),
            ("maxTurnsPerSegment", max_turns_per_segment),
            ("defaultModel", default_model),
            ("summaryMaxTokens", summary_max_tokens),
            ("subjectId", subject_id),
            ("retentionSeconds", retention_seconds),
        ):
            if value is not None:
                body[key] = value
        return self._request("POST", "/v1/sessions", body=body)["sessionId"]

    def delete_session(self, session_id: str) -> None:
        """``DELETE /v1/sessions/:id``: erase the session. 404: NotFoundError."""
        self._request("DELETE", self._path(session_id), idempotent=True)

    def update_session(
        self,
        session_id: str,
        *,
        metadata: Optional[Mapping[str, Any]] = None,
        retention_seconds: Any = ...,
    ) -> Dict[str, Any]:
        """``PATCH /v1/sessions/:id``: merge ``metadata`` (a key set to None is removed) and/or
        replace the retention (``retention_seconds=None``: kept until deleted). Answers the
        session info. 404: NotFoundError; a bad patch: ValidationError naming the field."""
        body: Dict[str, Any] = {}
        if metadata is not None:
            body["metadata"] = dict(metadata)
        if retention_seconds is not ...:
            body["retentionSeconds"] = retention_seconds
        return self._request("PATCH", self._path(session_id), body=body, idempotent=True)

    def erase_subject(self, subject_id: str) -> List[str]:
        """``DELETE /v1/subjects/:subjectId``: erase every session created with this subject
        (the end user), everywhere. Answers the ids of the sessions erased."""
        path = "/v1/subjects/" + urllib.parse.quote(subject_id, safe="")
        return list(self._request("DELETE", path, idempotent=True)["erasedSessions"])

    # ---- writes -------------------------------------------------------------------------

    def post_events(self, session_id: str, events: Sequence[Event]) -> List[str]:
        """``POST /v1/sessions/:id/events``: events applied in order, all or nothing.

        Events are core's public events (``{"type": "user_message", "content": …}``, camelCase
        fields). Each one without an ``eventId`` gets a generated one; answers the eventIds.
        """
        if not events:
            raise ValueError("post_events needs at least one event")
        with_ids = [
            dict(e) if "eventId" in e else {**e, "eventId": new_event_id()} for e in events
        ]
        body: Any = with_ids[0] if len(with_ids) == 1 else {"events": with_ids}
        answer = self._request(
            "POST", self._path(session_id, "events"), body=body, idempotent=True
        )
        return list(answer["accepted"])

    def post_event(self, session_id: str, event: Event) -> str:
        """One event; answers its eventId."""
        return self.post_events(session_id, [event])[0]

    def update_system_prompt(
        self, session_id: str, system_prompt: str, *, event_id: Optional[str] = None
    ) -> str:
        """``PUT /v1/sessions/:id/system-prompt`` (queued in order with the events); its eventId."""
        body = {"systemPrompt": system_prompt, "eventId": event_id or new_event_id()}
        answer = self._request(
            "PUT", self._path(session_id, "system-prompt"), body=body, idempotent=True
        )
        return answer["accepted"][0]

    # ---- reads (each takes wait_for=<eventId>: read-your-writes) ------------------------

    def get_messages(
        self,
        session_id: str,
        *,
        budget: Optional[int] = None,
        include_system: Optional[bool] = None,
        format: Optional[str] = None,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``GET …/messages``: ``{messages, report}`` (or another provider's shape with ``format``)."""
        query = {"budget": budget, "includeSystem": _flag(include_system), "format": format}
        return self._read(session_id, "messages", query, wait_for, wait_timeout_ms)

    def get_conversation_page(
        self,
        session_id: str,
        *,
        all_segments: Optional[bool] = None,
        include_tools: Optional[bool] = None,
        limit: Optional[int] = None,
        after: Optional[int] = None,
        before: Optional[int] = None,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``GET …/conversation``: one page ``{sessionId, entries, page}``, oldest first."""
        query = {
            "allSegments": _flag(all_segments),
            "includeTools": _flag(include_tools),
            "limit": limit,
            "after": after,
            "before": before,
        }
        return self._read(session_id, "conversation", query, wait_for, wait_timeout_ms)

    def get_conversation(
        self,
        session_id: str,
        *,
        all_segments: Optional[bool] = None,
        include_tools: Optional[bool] = None,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """Every entry of the conversation, oldest first (pages read back with ``before``)."""
        page = self.get_conversation_page(
            session_id,
            all_segments=all_segments,
            include_tools=include_tools,
            wait_for=wait_for,
            wait_timeout_ms=wait_timeout_ms,
        )
        pages = [page["entries"]]
        while page["page"].get("olderBefore") is not None:
            page = self.get_conversation_page(
                session_id,
                all_segments=all_segments,
                include_tools=include_tools,
                before=page["page"]["olderBefore"],
            )
            pages.append(page["entries"])
        return [entry for entries in reversed(pages) for entry in entries]

    def get_stats(
        self,
        session_id: str,
        *,
        all_segments: Optional[bool] = None,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``GET …/stats``: tokens, cost (``costNano``), turns, tool calls, summaries, per model."""
        query = {"allSegments": _flag(all_segments)}
        return self._read(session_id, "stats", query, wait_for, wait_timeout_ms)

    def get_chain(
        self,
        session_id: str,
        *,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``GET …/chain``: ``{sessionId, segmentIds, segments}``, oldest first."""
        return self._read(session_id, "chain", {}, wait_for, wait_timeout_ms)

    def export(
        self,
        session_id: str,
        *,
        wait_for: Optional[str] = None,
        wait_timeout_ms: Optional[int] = None,
    ) -> List[Dict[str, Any]]:
        """``GET …/export``: the NDJSON lines, parsed (``kind``: ``session``, ``event``…, ``segment``…)."""
        query = self._wait_query({}, wait_for, wait_timeout_ms)
        text = self._request(
            "GET",
            self._path(session_id, "export"),
            query=query,
            idempotent=True,
            raw=True,
            timeout=self._read_timeout(wait_for, wait_timeout_ms),
        )
        return [json.loads(line) for line in text.decode("utf-8").splitlines() if line.strip()]

    # ---- plumbing -----------------------------------------------------------------------

    @staticmethod
    def _path(session_id: str, *rest: str) -> str:
        if not session_id:
            raise ValueError("session_id is required")
        return "/".join(["/v1/sessions", urllib.parse.quote(session_id, safe=""), *rest])

    @staticmethod
    def _wait_query(
        query: Dict[str, Any], wait_for: Optional[str], wait_timeout_ms: Optional[int]
    ) -> Dict[str, Any]:
        return {**query, "waitFor": wait_for, "waitTimeoutMs": wait_timeout_ms}

    def _read_timeout(self, wait_for: Optional[str], wait_timeout_ms: Optional[int]) -> float:
        if not wait_for:
            return self.timeout
        waited = (wait_timeout_ms or 5000) / 1000.0
        return max(self.timeout, waited + 5.0)

    def _read(
        self,
        session_id: str,
        what: str,
        query: Dict[str, Any],
        wait_for: Optional[str],
        wait_timeout_ms: Optional[int],
    ) -> Dict[str, Any]:
        return self._request(
            "GET",
            self._path(session_id, what),
            query=self._wait_query(query, wait_for, wait_timeout_ms),
            idempotent=True,
            timeout=self._read_timeout(wait_for, wait_timeout_ms),
        )

    def _delay(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        base = min(self.max_backoff, self.backoff * (2**attempt))
        return base / 2 + random.uniform(0, base / 2)

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
        idempotent: bool = False,
        raw: bool = False,
        timeout: Optional[float] = None,
    ) -> Any:
        url = self.base_url + path
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "application/json, application/problem+json",
            "User-Agent": self.user_agent,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=timeout or self.timeout) as answer:
                    payload = answer.read()
                    if raw:
                        return payload
                    return json.loads(payload.decode("utf-8")) if payload else None
            except urllib.error.HTTPError as http_error:
                try:
                    payload = http_error.read()
                finally:
                    http_error.close()
                error = error_from_response(
                    http_error.code,
                    payload,
                    dict(http_error.headers.items()) if http_error.headers else {},
                    method=method,
                    url=path,
                )
                if isinstance(error, (RateLimitedError, UnavailableError)) and attempt < self.max_retries:
                    self._sleep(self._delay(attempt, error.retry_after))
                    attempt += 1
                    continue
                raise error from None
            except (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError) as failure:
                if idempotent and attempt < self.max_retries:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                reason = getattr(failure, "reason", failure)
                raise TransportError(
                    f"{method} {path}: no answer from {self.base_url}: {reason}",
                    method=method,
                    url=path,
                ) from failure
