"""The official Python SDK (clerk-backend-api) against clerk-emulator, with unittest.

The runner (.ci/interop) starts two emulators and passes them in the environment:
  CLERK_EMULATOR_URL, CLERK_EMULATOR_KEY   the main one
  CLERK_TEST_USER                          a plain user this suite may ban, lock and restore
  CLERK_BULK_USERS                         plain users (comma-separated) for the bulk cases
  CLERK_LIMITED_URL, CLERK_LIMITED_KEY     one with a limit of 1 request per 10 s
  CLERK_LIMITED_USER                       a user on it

What this SDK surfaces on an error: a status it documents for the operation (404 for get, 401
for list) raises `ClerkErrors`, whose typed `data.errors` hold the codes; any other status (404,
401 or 429 on ban, lock, unlock) raises `SDKError`. Both carry `status_code`, the raw `body`
and the response `headers`. The typed error model has no `clerk_trace_id`, so the trace id is
read from the body and from the `Clerk-Trace-Id` header, and `Retry-After` from the headers.
"""

import json
import os
import re
import unittest

from clerk_backend_api import Clerk, models


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} must be set (run .ci/interop)")
    return value


def client(url: str, key: str) -> Clerk:
    # No retries: every answer here must be the emulator's first.
    return Clerk(bearer_auth=key, server_url=f"{url}/v1", retry_config=None)


TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


class SdkCases(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url = env("CLERK_EMULATOR_URL")
        cls.clerk = client(cls.url, env("CLERK_EMULATOR_KEY"))
        cls.user_id = env("CLERK_TEST_USER")
        cls.bulk_ids = env("CLERK_BULK_USERS").split(",")

    def assert_clerk_error(self, error: models.ClerkBaseError, status: int, code: str) -> None:
        """The status, the code, and the trace id in the body and the header."""
        self.assertEqual(error.status_code, status, error.body)
        self.assertEqual(error.headers.get("content-type"), "application/json")
        body = json.loads(error.body)
        if isinstance(error, models.ClerkErrors):
            self.assertEqual(error.data.errors[0].code, code)
        self.assertEqual(body["errors"][0]["code"], code)
        self.assertRegex(body["clerk_trace_id"], TRACE_ID)
        self.assertEqual(error.headers.get("clerk-trace-id"), body["clerk_trace_id"])

    def test_ban_and_unban(self) -> None:
        banned = self.clerk.users.ban(user_id=self.user_id)
        self.assertEqual(banned.id, self.user_id)
        self.assertTrue(banned.banned)
        unbanned = self.clerk.users.unban(user_id=self.user_id)
        self.assertFalse(unbanned.banned)

    def test_lock_and_unlock(self) -> None:
        locked = self.clerk.users.lock(user_id=self.user_id)
        self.assertTrue(locked.locked)
        self.assertEqual(locked.lockout_expires_in_seconds, 3600)
        unlocked = self.clerk.users.unlock(user_id=self.user_id)
        self.assertFalse(unlocked.locked)
        self.assertIsNone(unlocked.lockout_expires_in_seconds)

    def test_bulk_ban_and_unban(self) -> None:
        banned = self.clerk.users.bulk_ban(user_ids=self.bulk_ids)
        self.assertEqual([u.id for u in banned], self.bulk_ids)
        self.assertTrue(all(u.banned for u in banned))
        unbanned = self.clerk.users.bulk_unban(user_ids=self.bulk_ids)
        self.assertEqual([u.id for u in unbanned], self.bulk_ids)
        self.assertFalse(any(u.banned for u in unbanned))

    def test_bulk_ban_with_an_unknown_id_is_404(self) -> None:
        with self.assertRaises(models.SDKError) as caught:
            self.clerk.users.bulk_ban(user_ids=[self.bulk_ids[0], "user_does_not_exist"])
        self.assert_clerk_error(caught.exception, 404, "resource_not_found")
        self.assertFalse(self.clerk.users.get(user_id=self.bulk_ids[0]).banned)

    def test_404_on_ban(self) -> None:
        with self.assertRaises(models.SDKError) as caught:
            self.clerk.users.ban(user_id="user_does_not_exist")
        self.assert_clerk_error(caught.exception, 404, "resource_not_found")

    def test_404_on_get_is_typed(self) -> None:
        with self.assertRaises(models.ClerkErrors) as caught:
            self.clerk.users.get(user_id="user_does_not_exist")
        self.assert_clerk_error(caught.exception, 404, "resource_not_found")

    def test_401(self) -> None:
        stranger = client(self.url, "sk_test_not_the_emulators_key")
        with self.assertRaises(models.SDKError) as caught:
            stranger.users.lock(user_id=self.user_id)
        self.assert_clerk_error(caught.exception, 401, "clerk_key_invalid")
        with self.assertRaises(models.ClerkErrors) as caught:
            stranger.users.list(request={"limit": 1})
        self.assert_clerk_error(caught.exception, 401, "clerk_key_invalid")

    def test_429_with_retry_after(self) -> None:
        limited = client(env("CLERK_LIMITED_URL"), env("CLERK_LIMITED_KEY"))
        limited_user = env("CLERK_LIMITED_USER")
        # One request per 10 s: of two requests, the second is over the limit (the first may
        # be too, when another suite used the window).
        with self.assertRaises(models.SDKError) as caught:
            for _ in range(2):
                limited.users.unlock(user_id=limited_user)
        self.assert_clerk_error(caught.exception, 429, "too_many_requests")
        retry_after = int(caught.exception.headers["retry-after"])
        self.assertTrue(1 <= retry_after <= 10, retry_after)

    def test_list_and_count(self) -> None:
        users = self.clerk.users.list(request={"limit": 3, "order_by": "-created_at"})
        self.assertEqual(len(users), 3)
        created = [u.created_at for u in users]
        self.assertEqual(created, sorted(created, reverse=True))
        by_id = self.clerk.users.list(request={"user_id": [self.user_id]})
        self.assertEqual([u.id for u in by_id], [self.user_id])
        count = self.clerk.users.count(request={"user_id": [self.user_id]})
        self.assertEqual(count.total_count, 1)
        banned = self.clerk.users.list(request={"banned": True, "limit": 100})
        self.assertTrue(all(u.banned for u in banned))


if __name__ == "__main__":
    unittest.main(verbosity=2)
