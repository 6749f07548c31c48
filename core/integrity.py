"""Turn database errors into domain errors that name the field at fault.

PostgreSQL's own text ("Failing row contains …") never reaches a caller: it names internals and
can show other columns of the row. Each violation becomes a short message naming the field.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from core.errors import Conflict, DomainError, InvalidInput, InvalidValue

_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"
_CHECK_VIOLATION = "23514"
_NOT_NULL_VIOLATION = "23502"
_STRING_TOO_LONG = "22001"
_OUT_OF_RANGE = "22003"
_DATA_EXCEPTION_CLASS = "22"
_INTEGRITY_CLASS = "23"


def _diag(exc: DBAPIError) -> tuple[str | None, str | None, str | None, str | None]:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    return (
        getattr(orig, "sqlstate", None),
        getattr(diag, "constraint_name", None),
        getattr(diag, "table_name", None),
        getattr(diag, "column_name", None),
    )


def field_of_constraint(constraint: str, table: str) -> str:
    """``uq_vehicles_cooperative_id_plate`` -> ``plate`` (the naming convention in core.db)."""
    name = constraint
    for prefix in ("uq_", "ck_", "fk_"):
        name = name.removeprefix(prefix)
    name = name.removeprefix(f"{table}_").removeprefix("cooperative_id_")
    return name


def is_known_database_error(exc: DBAPIError) -> bool:
    """A data or integrity error (SQLSTATE class 22 or 23, or a value the driver refuses to send,
    such as a NUL character): the input's fault, not the server's."""
    state = _diag(exc)[0] or ""
    return isinstance(exc, DataError | IntegrityError) or state.startswith(
        (_DATA_EXCEPTION_CLASS, _INTEGRITY_CLASS)
    )


def domain_error_from(exc: DBAPIError, *, what: str) -> DomainError:
    """The DomainError a data or constraint violation on ``what`` (e.g. "vehicle") means to a
    caller; the message names the field, never the database's text."""
    state, constraint, table, column = _diag(exc)
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
    if state == _NOT_NULL_VIOLATION:
        return InvalidValue(f"{column or 'a field'} is required", field=column)
    if state == _STRING_TOO_LONG:
        return InvalidValue(f"a text of this {what} is too long", field=column)
    if state == _OUT_OF_RANGE:
        return InvalidValue(f"a number of this {what} is out of range", field=column)
    if state is None and "NUL" in str(exc.orig):  # psycopg refuses it before sending
        return InvalidValue("a text must not contain the NUL character (\\u0000)", field=column)
    return InvalidValue(f"this {what} has a value that cannot be stored", field=column)
