"""Schemathesis hooks for running Clerk's OpenAPI document against clerk-emulator.

Loaded through SCHEMATHESIS_HOOKS by .ci/spec-conformance. Two kinds of hooks:

1. The spec's *text* states constraints its schemas do not encode. Positive (schema-valid)
   data is narrowed to what the text allows, so that a request the spec calls invalid is not
   counted as "valid data rejected":
   - `order_by` is one of the documented fields, optionally prefixed by `+` or `-`;
   - `starting_after` needs a `created_at` ordering and no `offset`, and is "the id of the last
     user of the previous page", so an existing id;
   - array filters accept "up to 100" values.
   Negative data is left alone.
2. Seeded ids: half of the positive user ids (path and bulk body) are replaced by ids of users
   the emulator holds (CLERK_SEEDED_USERS), so that 200 answers, and their User payloads, are
   checked too, not only 404s.

And one check: `status_code_conformance` with exceptions. The spec leaves out statuses Clerk
really sends on these operations: 401 (bad key), 404 (unknown user) and 429 (rate limit). Those
three, and only those, are allowed on top of what each operation documents.
"""

import os
import random

import schemathesis

SEEDED_USERS = [u for u in os.environ.get("CLERK_SEEDED_USERS", "").split(",") if u]

ORDER_FIELDS = [
    "created_at", "updated_at", "email_address", "web3wallet", "first_name", "last_name",
    "phone_number", "username", "last_active_at", "last_sign_in_at",
]
CREATED_AT_ORDERS = {"created_at", "+created_at", "-created_at"}
MAX_FILTER_VALUES = 100

#: Statuses Clerk really sends that the spec does not document for these operations.
ALLOWED_UNDOCUMENTED = {401, 404, 429}


def _positive(case, location: str) -> bool:
    """Whether `location` ("query", "path", "body") of `case` was generated schema-valid."""
    meta = case.meta
    if meta is None:
        return True
    for key, info in meta.components.items():
        if str(getattr(key, "value", key)) == location:
            return str(getattr(info.mode, "value", info.mode)) == "positive"
    return True


def _narrow_query(query: dict, rng: random.Random, is_list: bool) -> None:
    for name, value in list(query.items()):
        if isinstance(value, list) and len(value) > MAX_FILTER_VALUES:
            query[name] = value[:MAX_FILTER_VALUES]
    if not is_list:
        return
    order = query.get("order_by")
    if order is not None and str(order).lstrip("+-") not in ORDER_FIELDS:
        query["order_by"] = rng.choice(["", "+", "-"]) + rng.choice(ORDER_FIELDS)
    if "starting_after" in query:
        order = query.get("order_by", "-created_at")
        if order not in CREATED_AT_ORDERS or query.get("offset") not in (None, 0):
            del query["starting_after"]
        elif SEEDED_USERS:
            query["starting_after"] = rng.choice(SEEDED_USERS)


@schemathesis.hook
def map_case(context, case):
    rng = random.Random(repr((case.path_parameters, case.query, case.body)))
    path = case.operation.path
    if case.query and _positive(case, "query") and path in ("/users", "/users/count"):
        _narrow_query(case.query, rng, is_list=path == "/users")
    if SEEDED_USERS and case.path_parameters and _positive(case, "path"):
        if "user_id" in case.path_parameters and rng.random() < 0.5:
            case.path_parameters["user_id"] = rng.choice(SEEDED_USERS)
    body = case.body
    if SEEDED_USERS and isinstance(body, dict) and _positive(case, "body"):
        ids = body.get("user_ids")
        if isinstance(ids, list):
            body["user_ids"] = [
                rng.choice(SEEDED_USERS) if rng.random() < 0.5 else user_id for user_id in ids
            ]
    return case


def _expand(code: str) -> set:
    code = str(code).upper()
    if code.endswith("XX"):
        first = int(code[0]) * 100
        return set(range(first, first + 100))
    return {int(code)}


@schemathesis.check
def status_code_conformance_with_clerk_exceptions(ctx, response, case):
    """The status is documented for the operation, or is 401, 404 or 429."""
    if case.method.upper() != case.operation.method.upper():
        return None  # an unsupported-method probe: `unsupported_method` judges it
    documented = [str(code) for code in case.operation.responses.status_codes]
    if "default" in documented:
        return None
    allowed = set().union(*(_expand(code) for code in documented)) | ALLOWED_UNDOCUMENTED
    if response.status_code not in allowed:
        raise AssertionError(
            f"Undocumented status {response.status_code}; documented: {', '.join(documented)}; "
            f"allowed besides: {', '.join(map(str, sorted(ALLOWED_UNDOCUMENTED)))}"
        )
    return None


@schemathesis.check
class every_operation_answers_2xx:
    """Each tested operation answered 2xx at least once, so its success payload was checked."""

    def __init__(self):
        self.reached = set()
        self.tested = set()

    def after_response(self, ctx, response, case):
        self.tested.add(case.operation.label)
        if 200 <= response.status_code < 300:
            self.reached.add(case.operation.label)

    def after_run(self, ctx):
        unreached = self.tested - self.reached
        if unreached:
            raise AssertionError("never answered 2xx: " + ", ".join(sorted(unreached)))
