"""The sign-in form: OAuth2's password form with its fields bounded, so that a login longer than
any stored one or a megabyte of password answers 422 naming the field (never reaching the
database or Argon2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm

LOGIN_MAX = 254  # users.login is varchar(254)
PASSWORD_MAX = 1024  # new passwords are at most 128; older clients get the same answer


class SignInForm(OAuth2PasswordRequestForm):
    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form(min_length=1, max_length=LOGIN_MAX)],
        password: Annotated[
            str,
            Form(min_length=1, max_length=PASSWORD_MAX, json_schema_extra={"format": "password"}),
        ],
        scope: Annotated[str, Form(max_length=1000)] = "",
        client_id: Annotated[str | None, Form(max_length=200)] = None,
        client_secret: Annotated[
            str | None, Form(max_length=200, json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
