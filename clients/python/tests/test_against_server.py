"""The client against a real Threadline server (see server_harness.py)."""

from __future__ import annotations

import asyncio
import unittest
import uuid

from server_harness import server

from threadline_client import (
    AuthError,
    ConflictError,
    NotFoundError,
    SessionManager,
    SyncSessionManager,
    ThreadlineClient,
    ValidationError,
    track_conversation,
)


def unique(label: str) -> str:
    return f"py-{label}-{uuid.uuid4().hex[:10]}"


class ServerTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        info = server()
        cls.url = info["url"]
        cls.api_key = info["apiKey"]
        cls.other_api_key = info.get("otherApiKey", "")
        cls.client = ThreadlineClient(cls.url, cls.api_key, timeout=30)


class RecordAndReadBack(ServerTestCase):
    def test_a_conversation_recorded_is_read_back(self) -> None:
        sm = SyncSessionManager(
            session_id=unique("trip"),
            system_prompt="You are a concise travel planner.",
            client=self.client,
        )
        sid = sm.user_says("Plan 5 days in Lisbon in May for 2400 EUR.", channel="web")
        self.assertEqual(sid, sm.session_id)
        sm.tool_used("search_flights", {"from": "MAD", "to": "LIS"}, {"priceEur": 142})
        sm.ai_responds(
            "The TAP flight costs 142 EUR each.",
            model="gpt-4o",
            provider="openai",
            usage={"prompt_tokens": 412, "completion_tokens": 38},
        )

        messages = sm.get_messages_for_llm()
        self.assertEqual(
            [m["role"] for m in messages], ["system", "user", "assistant", "tool", "assistant"]
        )
        self.assertEqual(messages[0]["content"], "You are a concise travel planner.")
        self.assertEqual(messages[1]["content"], "Plan 5 days in Lisbon in May for 2400 EUR.")
        self.assertEqual(messages[2]["tool_calls"][0]["function"]["name"], "search_flights")
        self.assertEqual(messages[-1]["content"], "The TAP flight costs 142 EUR each.")
        self.assertEqual(sm.get_messages_for_llm(include_system=False)[0]["role"], "user")

        conversation = sm.get_conversation()
        self.assertEqual([e["role"] for e in conversation], ["user", "assistant"])
        self.assertEqual(conversation[0]["metadata"], {"channel": "web"})
        self.assertEqual(conversation[1]["model"], "gpt-4o")
        with_tools = sm.get_conversation(include_tools=True)
        self.assertEqual([e["role"] for e in with_tools], ["user", "tool", "assistant"])
        self.assertEqual(with_tools[1]["tool"], "search_flights")

        stats = sm.get_stats()
        self.assertEqual(stats["session_id"], sid)
        self.assertEqual(stats["total_messages"], 2)
        self.assertEqual(stats["user_messages"], 1)
        self.assertEqual(stats["ai_messages"], 1)
        self.assertEqual(stats["tool_calls"], 1)
        self.assertGreaterEqual(stats["prompt_tokens"], 412)
        self.assertIn("gpt-4o", stats["usage_by_model"])
        self.assertEqual(stats["usage_by_model"]["gpt-4o"]["prompt_tokens"], 412)
        self.assertGreater(stats["estimated_cost"], 0)

        self.assertEqual(sm.get_session_chain(), [f"{sid}.s0"])

        sm.update_system_prompt("You are a travel agent.")
        self.assertEqual(sm.get_messages_for_llm()[0]["content"], "You are a travel agent.")

        anthropic = sm.get_context(format="anthropic")
        self.assertIn("system", anthropic)
        self.assertEqual(anthropic["messages"][0]["role"], "user")
        self.assertIn("stablePrefixTokens", anthropic["report"])

        exported = self.client.export(sid)
        self.assertEqual(exported[0]["kind"], "session")
        self.assertEqual(sum(1 for line in exported if line["kind"] == "event"), 4)

        sm.delete()
        with self.assertRaises(NotFoundError):
            self.client.get_stats(sid)

    def test_budget_drops_the_oldest_turns(self) -> None:
        sm = SyncSessionManager(system_prompt="Be brief.", client=self.client)
        for i in range(10):
            sm.user_says(f"question number {i}: " + "words " * 40)
            sm.ai_responds(f"answer number {i}: " + "more " * 40, model="gpt-4o-mini")
        everything = sm.get_messages_for_llm()
        some = sm.get_messages_for_llm(budget=300)
        self.assertEqual(len(everything), 21)
        self.assertLess(len(some), len(everything))
        self.assertEqual(some[0]["role"], "system")
        self.assertIn("answer number 9", some[-1]["content"])

    def test_the_async_session_manager_and_helpers(self) -> None:
        async def run() -> None:
            sm = SessionManager(system_prompt="You help with code.", client=self.client)
            sid = await sm.user_says("What is a monad?")
            await sm.ai_responds("A monoid in the category of endofunctors.", model="gpt-4o")
            await sm.tool_used("lookup", {"q": "monad"}, None, error="timeout")
            messages = await sm.get_messages_for_llm()
            self.assertEqual(messages[0], {"role": "system", "content": "You help with code."})
            stats = await sm.get_stats()
            self.assertEqual(stats["tool_calls"], 1)
            self.assertEqual(stats["tool_errors"], 1)
            self.assertEqual(await sm.get_session_chain(), [f"{sid}.s0"])

            tracked = await track_conversation("Hi", "Hello!", model="gpt-4o", client=self.client)
            conversation = await SessionManager(tracked, client=self.client).get_conversation()
            self.assertEqual([e["content"] for e in conversation], ["Hi", "Hello!"])

        asyncio.run(run())

    def test_infinite_context_seals_segments(self) -> None:
        sm = SyncSessionManager(
            system_prompt="Plan trips.",
            infinite_context=True,
            max_turns_per_segment=2,
            client=self.client,
        )
        for i in range(4):
            sm.user_says(f"Day {i}: we visit museum number {i}.")
            sm.ai_responds(f"Noted day {i}.", model="gpt-4o-mini")
        chain = sm.get_session_chain()
        self.assertGreaterEqual(len(chain), 2, chain)
        self.assertEqual(chain[0], f"{sm.session_id}.s0")
        self.assertEqual(sm.get_stats()["total_messages"], 8)  # every segment, as before
        self.assertEqual(len(sm.get_conversation()), 8)

    def test_an_existing_session_is_continued(self) -> None:
        sid = self.client.create_session(unique("existing"), system_prompt="First prompt.")
        with self.assertRaises(ConflictError):
            self.client.create_session(sid)
        sm = SyncSessionManager(sid, system_prompt="ignored", client=self.client)
        sm.user_says("hello again")
        self.assertEqual(sm.get_messages_for_llm()[0]["content"], "First prompt.")


class Errors(ServerTestCase):
    def test_an_invalid_event_is_a_validation_error_naming_the_field(self) -> None:
        sid = self.client.create_session()
        with self.assertRaises(ValidationError) as caught:
            self.client.post_event(sid, {"type": "user_message", "content": 5})
        error = caught.exception
        self.assertEqual(error.status, 400)
        self.assertEqual(error.fields, ["content"])
        self.assertIn("expected string", error.issues[0].rule)
        self.assertTrue(error.type.endswith("/invalid-request"))

        with self.assertRaises(ValidationError) as batch:
            self.client.post_events(
                sid,
                [{"type": "user_message", "content": "ok"}, {"type": "tool_call", "tool": ""}],
            )
        self.assertEqual(batch.exception.fields, ["events[1].tool"])
        # all or nothing: the valid first event was not recorded either
        self.assertEqual(self.client.get_conversation(sid), [])

    def test_a_bad_query_names_the_query_field(self) -> None:
        sid = self.client.create_session()
        with self.assertRaises(ValidationError) as caught:
            self.client.get_messages(sid, budget=0)
        self.assertEqual(caught.exception.fields, ["query.budget"])
        with self.assertRaises(ValidationError) as fmt:
            self.client.get_messages(sid, format="cohere")
        self.assertEqual(fmt.exception.fields, ["query.format"])

    def test_a_session_is_patched_and_a_subject_erased(self) -> None:
        subject = unique("subject")
        first = self.client.create_session(unique("subj"), subject_id=subject, metadata={"plan": "free"})
        second = self.client.create_session(unique("subj"), subject_id=subject, retention_seconds=3600)
        info = self.client.update_session(first, metadata={"plan": "pro"}, retention_seconds=None)
        self.assertEqual(info["metadata"], {"plan": "pro"})
        self.assertIsNone(info["config"]["retentionSeconds"])
        self.assertEqual(info["subjectId"], subject)
        with self.assertRaises(ValidationError):
            self.client.update_session(first, retention_seconds=0)
        self.assertEqual(sorted(self.client.erase_subject(subject)), sorted([first, second]))
        with self.assertRaises(NotFoundError):
            self.client.get_stats(first)
        self.assertEqual(self.client.erase_subject(subject), [])

    def test_an_unknown_session_is_not_found(self) -> None:
        missing = unique("missing")
        with self.assertRaises(NotFoundError) as read:
            self.client.get_stats(missing)
        self.assertEqual(read.exception.status, 404)
        with self.assertRaises(NotFoundError):
            self.client.post_event(missing, {"type": "user_message", "content": "hi"})
        with self.assertRaises(NotFoundError):
            self.client.get_messages(missing)

    def test_a_bad_key_is_an_auth_error(self) -> None:
        stranger = ThreadlineClient(self.url, "tl_not_a_known_key_0000")
        with self.assertRaises(AuthError) as caught:
            stranger.create_session()
        self.assertEqual(caught.exception.status, 401)
        self.assertNotIn("tl_not_a_known_key_0000", str(caught.exception))

    def test_another_tenants_session_is_not_found(self) -> None:
        if not self.other_api_key:
            self.skipTest("no second tenant's key (THREADLINE_OTHER_API_KEY)")
        sid = self.client.create_session(unique("mine"))
        other = ThreadlineClient(self.url, self.other_api_key)
        with self.assertRaises(NotFoundError):
            other.get_conversation(sid)


class Idempotency(ServerTestCase):
    def test_a_write_retried_with_its_event_id_is_recorded_once(self) -> None:
        sm = SyncSessionManager(client=self.client)
        event_id = f"evt-{uuid.uuid4().hex}"
        sm.user_says("Book the flight.", event_id=event_id)
        sm.user_says("Book the flight.", event_id=event_id)  # a retry after a lost answer
        self.assertEqual(sm.last_event_id, event_id)
        accepted = self.client.post_events(
            sm.session_id,
            [{"type": "user_message", "content": "Book the flight.", "eventId": event_id}],
        )
        self.assertEqual(accepted, [event_id])
        sm.ai_responds("Booked.", event_id=f"{event_id}-reply")

        conversation = sm.get_conversation()
        self.assertEqual([e["content"] for e in conversation], ["Book the flight.", "Booked."])
        self.assertEqual(conversation[0]["eventId"], event_id)
        self.assertEqual(sm.get_stats()["events"], 2)

    def test_generated_event_ids_are_returned_and_waitable(self) -> None:
        sid = self.client.create_session()
        ids = self.client.post_events(
            sid,
            [
                {"type": "user_message", "content": "one"},
                {"type": "assistant_message", "content": "two"},
            ],
        )
        self.assertEqual(len(ids), 2)
        page = self.client.get_conversation_page(sid, wait_for=ids[-1], wait_timeout_ms=10_000)
        self.assertEqual([e["eventId"] for e in page["entries"]], ids)


if __name__ == "__main__":
    unittest.main()
