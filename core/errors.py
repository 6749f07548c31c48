"""Domain errors: raised by services, rendered by the API as JSON and by workers as reasons."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure with an HTTP-like status, a stable code and the field at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class StateConflict(Conflict):
    """The action does not fit the current state (an open shift, an offer no longer open…)."""

    code = "state_conflict"


class InvalidTransition(StateConflict):
    """A lifecycle step not allowed from the current state; ``details.allowed`` lists them."""

    code = "invalid_transition"


class ProofRequired(StateConflict):
    code = "proof_required"


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a business rule (e.g. an unknown member number)."""

    status = 400
    code = "invalid"


class InvalidValue(DomainError):
    """Malformed input found past the schema (a number out of range, a missing value): the same
    answer as a schema violation, 422 naming the field."""

    status = 422
    code = "validation_error"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
