"""Turn database constraint violations into domain errors that name the field at fault."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, DomainError, InvalidInput

_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"
_CHECK_VIOLATION = "23514"


def _diag(exc: IntegrityError) -> tuple[str | None, str | None, str | None]:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    return (
        getattr(orig, "sqlstate", None),
        getattr(diag, "constraint_name", None),
        getattr(diag, "table_name", None),
    )


def field_of_constraint(constraint: str, table: str) -> str:
    """``uq_vehicles_cooperative_id_plate`` -> ``plate`` (the naming convention in core.db)."""
    name = constraint
    for prefix in ("uq_", "ck_", "fk_"):
        name = name.removeprefix(prefix)
    name = name.removeprefix(f"{table}_").removeprefix("cooperative_id_")
    return name


def domain_error_from(exc: IntegrityError, *, what: str) -> DomainError:
    """The DomainError a constraint violation on ``what`` (e.g. "vehicle") means to a caller."""
    state, constraint, table = _diag(exc)
    constraint = constraint or "unknown"
    table = table or ""
    if state == _UNIQUE_VIOLATION:
        field = field_of_constraint(constraint, table)
        return Conflict(f"another {what} already has this {field}", field=field)
    if state == _FOREIGN_KEY_VIOLATION:
        return Conflict(f"this {what} is still referenced by other records ({constraint})")
    if state == _CHECK_VIOLATION:
        field = field_of_constraint(constraint, table)
        return InvalidInput(f"{what} breaks the rule '{field}'", field=field)
    return InvalidInput(f"{what} could not be saved: {exc.orig}")
