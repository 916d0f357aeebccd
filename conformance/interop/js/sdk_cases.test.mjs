// The official JS SDK (@clerk/backend) against clerk-emulator, with node's test runner.
//
// The runner (.ci/interop) starts two emulators and passes them in the environment:
//   CLERK_EMULATOR_URL, CLERK_EMULATOR_KEY   the main one
//   CLERK_TEST_USER                          a plain user this suite may ban, lock and restore
//   CLERK_LIMITED_URL, CLERK_LIMITED_KEY     one with a limit of 1 request per 10 s
//   CLERK_LIMITED_USER                       a user on it
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createClerkClient } from '@clerk/backend';

function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (run .ci/interop)`);
  return value;
}

const apiUrl = env('CLERK_EMULATOR_URL');
const clerk = createClerkClient({ secretKey: env('CLERK_EMULATOR_KEY'), apiUrl });
const userId = env('CLERK_TEST_USER');

/** Runs `call`, which must fail, and returns the SDK's error. */
async function failure(call) {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail('the call succeeded');
}

/** What every Clerk API error must surface through this SDK. */
function assertClerkError(error, status, code) {
  assert.equal(error.name, 'ClerkAPIResponseError', String(error));
  assert.equal(error.status, status);
  assert.equal(error.errors[0].code, code);
  assert.ok(error.errors[0].message, 'a message');
  assert.match(error.clerkTraceId, /^[0-9a-f]{32}$/);
}

test('ban and unban: the SDK reports the state', async () => {
  const banned = await clerk.users.banUser(userId);
  assert.equal(banned.id, userId);
  assert.equal(banned.banned, true);
  const unbanned = await clerk.users.unbanUser(userId);
  assert.equal(unbanned.banned, false);
});

test('lock and unlock: the SDK reports the state', async () => {
  const locked = await clerk.users.lockUser(userId);
  assert.equal(locked.locked, true);
  // The SDK's User has no lockout field of its own; the payload it parsed is `raw`.
  assert.equal(locked.raw.lockout_expires_in_seconds, 3600);
  const unlocked = await clerk.users.unlockUser(userId);
  assert.equal(unlocked.locked, false);
  assert.equal(unlocked.raw.lockout_expires_in_seconds, null);
});

test('get a user: fields are mapped', async () => {
  const user = await clerk.users.getUser(userId);
  assert.equal(user.id, userId);
  assert.ok(user.emailAddresses.length > 0);
  assert.equal(user.primaryEmailAddress?.id, user.primaryEmailAddressId);
  assert.equal(typeof user.createdAt, 'number');
});

test('404: code and trace id', async () => {
  const error = await failure(() => clerk.users.banUser('user_does_not_exist'));
  assertClerkError(error, 404, 'resource_not_found');
});

test('401: code and trace id', async () => {
  const stranger = createClerkClient({ secretKey: 'sk_test_not_the_emulators_key', apiUrl });
  const error = await failure(() => stranger.users.lockUser(userId));
  assertClerkError(error, 401, 'clerk_key_invalid');
});

test('429: code, trace id and Retry-After', async () => {
  const limited = createClerkClient({
    secretKey: env('CLERK_LIMITED_KEY'),
    apiUrl: env('CLERK_LIMITED_URL'),
  });
  const limitedUser = env('CLERK_LIMITED_USER');
  // The emulator allows one request per 10 s: the second of two is over the limit.
  const results = await Promise.allSettled([
    limited.users.getUser(limitedUser),
    limited.users.getUser(limitedUser),
  ]);
  const rejected = results.filter((r) => r.status === 'rejected');
  assert.ok(rejected.length >= 1, 'at least one request is rate limited');
  const error = rejected[0].reason;
  assertClerkError(error, 429, 'too_many_requests');
  assert.equal(typeof error.retryAfter, 'number');
  assert.ok(error.retryAfter >= 1 && error.retryAfter <= 10, `Retry-After ${error.retryAfter}`);
});

test('list and count users', async () => {
  const { data, totalCount } = await clerk.users.getUserList({ limit: 3, orderBy: '-created_at' });
  assert.equal(data.length, 3);
  assert.ok(totalCount >= 3);
  const banned = await clerk.users.getUserList({ banned: true, limit: 100 });
  assert.ok(banned.data.every((u) => u.banned === true));
  assert.equal(banned.totalCount, banned.data.length);
  const byId = await clerk.users.getUserList({ userId: [userId] });
  assert.deepEqual(
    byId.data.map((u) => u.id),
    [userId],
  );
  assert.equal(await clerk.users.getCount({ userId: [userId] }), 1);
});
