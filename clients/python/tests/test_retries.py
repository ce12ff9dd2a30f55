"""Retries on 429/503 honouring Retry-After: exactly, against a scripted stdlib HTTP server, and
against a real Threadline server with a tiny rate limit."""

from __future__ import annotations

import json
import os
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Tuple

from server_harness import start_server, stop_server

from threadline_client import (
    RateLimitedError,
    ThreadlineClient,
    TransportError,
    UnavailableError,
)

PROBLEM = "application/problem+json; charset=utf-8"


class Scripted:
    """A loopback HTTP server answering from a script of (status, headers, body)."""

    def __init__(self, script: List[Tuple[int, dict, dict]]) -> None:
        self.script = list(script)
        self.requests: List[Tuple[str, str, dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                status, headers, payload = outer.script.pop(0)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def too_many(retry_after: str) -> Tuple[int, dict, dict]:
    return (
        429,
        {"content-type": PROBLEM, "retry-after": retry_after},
        {"type": "https://threadline.dev/problems/too-many-requests", "title": "Too many requests",
         "status": 429, "detail": "over the rate", "errors": []},
    )


UNAVAILABLE = (
    503,
    {"content-type": PROBLEM, "retry-after": "5"},
    {"type": "https://threadline.dev/problems/unavailable", "title": "Temporarily unavailable",
     "status": 503, "detail": "redis refuses writes", "errors": []},
)
ACCEPTED = (202, {"content-type": "application/json"}, {"accepted": ["e-1"]})


class RetriesScripted(unittest.TestCase):
    def client(self, server: Scripted, **kwargs: object) -> Tuple[ThreadlineClient, List[float]]:
        slept: List[float] = []
        return ThreadlineClient(server.url, "tl_scripted_key_0000", sleep=slept.append, **kwargs), slept

    def test_429_and_503_are_retried_waiting_what_retry_after_says(self) -> None:
        server = Scripted([too_many("2"), UNAVAILABLE, ACCEPTED])
        self.addCleanup(server.close)
        client, slept = self.client(server)
        eid = client.post_event("s-1", {"type": "user_message", "content": "hi"})
        self.assertEqual(eid, "e-1")
        self.assertEqual(slept, [2.0, 5.0])
        bodies = [json.loads(r[3]) for r in server.requests]
        self.assertEqual(len(bodies), 3)
        # the same generated eventId on every attempt: the server applies the write once
        self.assertEqual(len({b["eventId"] for b in bodies}), 1)
        self.assertEqual(server.requests[0][2]["Authorization"], "Bearer tl_scripted_key_0000")

    def test_without_retry_after_the_backoff_grows(self) -> None:
        no_header = (429, {"content-type": PROBLEM}, too_many("1")[2])
        server = Scripted([no_header, no_header, no_header, ACCEPTED])
        self.addCleanup(server.close)
        client, slept = self.client(server, backoff=0.5)
        client.post_event("s-1", {"type": "user_message", "content": "hi"})
        self.assertEqual(len(slept), 3)
        for attempt, delay in enumerate(slept):
            self.assertGreaterEqual(delay, 0.5 * 2**attempt / 2)
            self.assertLessEqual(delay, 0.5 * 2**attempt)

    def test_past_max_retries_the_error_carries_retry_after(self) -> None:
        server = Scripted([too_many("7")] * 3)
        self.addCleanup(server.close)
        client, slept = self.client(server, max_retries=2)
        with self.assertRaises(RateLimitedError) as caught:
            client.get_stats("s-1")
        self.assertEqual(caught.exception.retry_after, 7.0)
        self.assertEqual(caught.exception.status, 429)
        self.assertEqual(slept, [7.0, 7.0])

    def test_503_without_retries(self) -> None:
        server = Scripted([UNAVAILABLE])
        self.addCleanup(server.close)
        client, _ = self.client(server, max_retries=0)
        with self.assertRaises(UnavailableError) as caught:
            client.update_system_prompt("s-1", "new")
        self.assertEqual(caught.exception.retry_after, 5.0)

    def test_no_server_is_a_transport_error(self) -> None:
        server = Scripted([])
        url = server.url
        server.close()
        slept: List[float] = []
        client = ThreadlineClient(url, "tl_scripted_key_0000", sleep=slept.append, max_retries=1)
        with self.assertRaises(TransportError):
            client.get_stats("s-1")
        self.assertEqual(len(slept), 1)  # a read is retried once
        slept.clear()
        with self.assertRaises(TransportError):
            client.create_session("s-1")
        self.assertEqual(slept, [])  # a create is not: it may have happened


@unittest.skipIf(os.environ.get("THREADLINE_URL"), "uses a server started by the test")
class RetriesAgainstARateLimitedServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        info, cls.process = start_server(
            {"THREADLINE_RATE_LIMIT_PER_SECOND": "2", "THREADLINE_RATE_LIMIT_BURST": "2"}
        )
        cls.url, cls.api_key = info["url"], info["apiKey"]

    @classmethod
    def tearDownClass(cls) -> None:
        stop_server(cls.process)

    def test_a_real_429_names_retry_after_and_retries_get_through(self) -> None:
        impatient = ThreadlineClient(self.url, self.api_key, max_retries=0)
        sid = None
        with self.assertRaises(RateLimitedError) as caught:
            for _ in range(10):
                sid = impatient.create_session()
        self.assertIsNotNone(sid)
        self.assertIsNotNone(caught.exception.retry_after)
        self.assertGreater(caught.exception.retry_after, 0)

        slept: List[float] = []
        import time

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            time.sleep(seconds)

        patient = ThreadlineClient(self.url, self.api_key, max_retries=5, sleep=sleep)
        ids = [patient.post_event(sid, {"type": "user_message", "content": f"m{i}"}) for i in range(4)]
        self.assertEqual(len(ids), 4)
        self.assertTrue(slept, "expected at least one 429 to be waited out")
        entries = patient.get_conversation(sid, wait_for=ids[-1], wait_timeout_ms=10_000)
        self.assertEqual([e["content"] for e in entries], ["m0", "m1", "m2", "m3"])


if __name__ == "__main__":
    unittest.main()
