"""AimHarder's login and account hosts: `api/login`, `api/tokenUpdate`, `api/whoami`.

    POST /api/login        JSON {"username", "password", "fingerprint", "iniframe"?}
        200 {"data": {"auth": {"authOK": true, "refreshToken"},
                      "userData": {"id", "name", "photo", "roles": [{"id", "role", "gym",
                                   "centre_url", "boid", "perm_hash"}]}}}
            + Set-Cookie: amhrdrauth=...; Domain=.aimharder.com; Path=/; HttpOnly
            + Set-Cookie: PHPSESSID, AWSALB, AWSALBCORS
        200 {"error": {"message": "..."}}, no cookie: no `username` (an `email` field does
            not count), no password, a fingerprint that is not 50 chars of [a-z0-9], or
            wrong credentials.
    POST /api/tokenUpdate  form token=<refresh token>&ciclo=1&fingerprint=<login's>
        200 {"newToken": "<next refresh token>"} (+ a new amhrdrauth cookie unless the
            request's own session was live and was extended)
        200 {"logout": 1}   unknown, already rotated or expired token, or another fingerprint
    GET  /api/whoami       200 {"data": [{"id", "name", "photo", "roles"}]}, or {"data": []}
                           without a live session

How AimHarder refuses a login is unverified (AIMHARDER.md a: no source shows a refusal
captured live). The fake picks one shape the bots expect, HTTP 200 with an `error` object
and no `amhrdrauth` cookie, so a client that also checks `authOK` and the cookie is right
either way. The login and account hosts are one host here: the app serves both at the root.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakebox import texts, views
from fakebox.endpoints import AimharderEndpoints
from fakebox.wire import (
    LOGOUT,
    SESSION_COOKIE,
    balancer_cookies,
    json_answer,
    read_form,
    read_json,
    session_cookie,
)

FINGERPRINT = re.compile(r"[a-z0-9]{50}")


def _refusal(message: str) -> dict[str, Any]:
    return {"error": {"message": message}}


class AccountRoutes(AimharderEndpoints):
    def routes(self) -> list[Route]:
        return [
            Route("/api/login", self.login, methods=["POST"]),
            Route("/api/tokenUpdate", self.token_update, methods=["POST"]),
            Route("/api/whoami", self.whoami, methods=["GET"]),
        ]

    async def login(self, request: Request) -> Response:
        arrived = self.arrived(request)
        data = await read_json(request)
        body = data or {}
        if (refused := self.refused(request, arrived, "json", body)) is not None:
            return refused
        username, password = body.get("username"), body.get("password")
        fingerprint = body.get("fingerprint")
        cookies: list[str] = []
        if not isinstance(username, str) or not username or not isinstance(password, str):
            answer = _refusal(texts.LOGIN_MISSING)
        elif not isinstance(fingerprint, str) or not FINGERPRINT.fullmatch(fingerprint):
            answer = _refusal(texts.LOGIN_FINGERPRINT)
        elif (user := self.state.accounts.check_password(username, password)) is None:
            answer = _refusal(texts.LOGIN_WRONG)
        else:
            session, refresh_token = self.state.accounts.log_in(user, fingerprint)
            answer = views.login_success(user, refresh_token)
            cookies = [session_cookie(session.cookie), *balancer_cookies(self.state.clock())]
        who = username if isinstance(username, str) else None
        self.record(request, arrived, "json", body, who, answer)
        return json_answer(answer, cookies)

    async def token_update(self, request: Request) -> Response:
        arrived = self.arrived(request)
        form = await read_form(request)
        if (refused := self.refused(request, arrived, "form", form)) is not None:
            return refused
        token, fingerprint = form.get("token", ""), form.get("fingerprint", "")
        accounts = self.state.accounts
        who = accounts.refresh_user(token)
        renewal = accounts.renew(token, fingerprint, request.cookies.get(SESSION_COOKIE))
        cookies: list[str] = []
        answer: dict[str, Any]
        if renewal is None:
            answer = LOGOUT
        else:
            answer = {"newToken": renewal.refresh_token}
            if renewal.new_session is not None:
                cookies = [session_cookie(renewal.new_session.cookie)]
        self.record(request, arrived, "form", form, who, answer)
        return json_answer(answer, cookies)

    async def whoami(self, request: Request) -> Response:
        arrived = self.arrived(request)
        query = dict(request.query_params)
        if (refused := self.refused(request, arrived, "query", query)) is not None:
            return refused
        user = self.state.accounts.session_user(request.cookies.get(SESSION_COOKIE))
        answer = {"data": [] if user is None else [views.user_data(user)]}
        self.record(request, arrived, "query", query, user, answer)
        return json_answer(answer)
