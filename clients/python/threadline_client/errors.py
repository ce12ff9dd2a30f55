"""Errors of the Threadline client, built from the server's problem+json answers (RFC 9457)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "Issue",
    "ThreadlineError",
    "ValidationError",
    "AuthError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "UnavailableError",
    "WaitTimeoutError",
    "ServerError",
    "TransportError",
    "error_from_response",
]


@dataclass(frozen=True)
class Issue:
    """One offending field of a refused request: ``path`` (``events[1].content``) and ``rule``."""

    path: str
    rule: str


class ThreadlineError(Exception):
    """Any refusal or failure of the Threadline API.

    ``status`` is the HTTP status (0 when no answer came), ``type``/``title``/``detail`` the
    problem's fields, ``issues`` one :class:`Issue` per offending field, ``problem`` the whole
    problem document, ``headers`` the answer's headers (lower-case names).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        type: str = "",
        title: str = "",
        detail: str = "",
        issues: Optional[List[Issue]] = None,
        problem: Optional[Dict[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.issues: List[Issue] = list(issues or [])
        self.problem: Dict[str, Any] = dict(problem or {})
        self.headers: Dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.method = method
        self.url = url

    @property
    def fields(self) -> List[str]:
        """The paths of the offending fields (``["content"]``, ``["query.budget"]``)."""
        return [issue.path for issue in self.issues]


class ValidationError(ThreadlineError):
    """400: the body, a query parameter or a path parameter broke a rule; see ``issues``."""


class AuthError(ThreadlineError):
    """401: no API key, or one the server does not know (expired, revoked)."""


class ForbiddenError(AuthError):
    """403: this key may not do that (the admin key on /v1)."""


class NotFoundError(ThreadlineError):
    """404: no such session for this tenant (another tenant's is the same as none)."""


class ConflictError(ThreadlineError):
    """409: the session id is taken."""


class PayloadTooLargeError(ThreadlineError):
    """413: the body is over the server's limit."""


class RateLimitedError(ThreadlineError):
    """429: the tenant is over its rate (or its waiting reads); ``retry_after`` in seconds."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnavailableError(ThreadlineError):
    """503: the server cannot write now (Redis refusing writes); ``retry_after`` in seconds."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class WaitTimeoutError(ThreadlineError):
    """504: a read's ``wait_for`` event was not applied in time (it stays queued: ask again)."""


class ServerError(ThreadlineError):
    """5xx other than 503 and 504."""


class TransportError(ThreadlineError):
    """No answer: the connection failed or timed out (``status`` is 0)."""


_BY_STATUS = {
    400: ValidationError,
    401: AuthError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    504: WaitTimeoutError,
}


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime
        from datetime import datetime, timezone

        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    method: str = "",
    url: str = "",
) -> ThreadlineError:
    """The :class:`ThreadlineError` subclass for an error answer, its problem+json parsed."""
    problem: Dict[str, Any] = {}
    try:
        parsed = __import__("json").loads(body.decode("utf-8")) if body else {}
        if isinstance(parsed, dict):
            problem = parsed
    except (ValueError, UnicodeDecodeError):
        pass
    issues = [
        Issue(path=str(e.get("path", "")), rule=str(e.get("rule", "")))
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    detail = str(problem.get("detail") or "")
    title = str(problem.get("title") or "")
    fallback = body[:200].decode("utf-8", "replace") if body and not problem else ""
    message = f"{method} {url}: {status} {title or 'error'}" + (
        f": {detail or fallback}" if (detail or fallback) else ""
    )
    lowered = {k.lower(): v for k, v in headers.items()}
    common: Dict[str, Any] = dict(
        status=status,
        type=str(problem.get("type") or ""),
        title=title,
        detail=detail,
        issues=issues,
        problem=problem,
        headers=lowered,
        method=method,
        url=url,
    )
    if status == 429:
        return RateLimitedError(
            message, retry_after=parse_retry_after(lowered.get("retry-after")), **common
        )
    if status == 503:
        return UnavailableError(
            message, retry_after=parse_retry_after(lowered.get("retry-after")), **common
        )
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ThreadlineError
    return cls(message, **common)
