"""The members' portal (xã viên) and the rules page.

JSON for members: their home (vehicles, papers, this month, balance), one of their vehicles and
their vehicles' jobs; a member's statement is ``/ledger/members/{id}/statement``. Pages are
server-rendered shells in the chosen language (cookie ``lang``, Vietnamese by default) whose ES
modules load the member's data with their token; the rules page is rendered whole on the server
from the rule table, public at ``/rules`` and with the member's standing at ``/portal/rules``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Cookie, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from api.console_texts import LANGUAGES
from api.deps import SessionDep, require
from api.portal_texts import portal_texts
from api.routers.ledger import Month, first_day
from core.errors import NotFound
from core.tenancy import Tenant
from core.timeutil import today_in
from fleet.enums import Role
from fleet.validators import Id
from operations import member_portal
from operations.member_portal import (
    MemberHomeRead,
    MemberJobRead,
    MemberMessageRead,
    MemberVehicleRead,
)
from reports.legal_rules import rules_page

HERE = FilePath(__file__).resolve().parent.parent
STATIC = HERE / "static" / "portal"
templates = Jinja2Templates(directory=HERE / "templates")
RULES_ZONE = "Asia/Ho_Chi_Minh"  # the rules page is public: the law's own calendar

router = APIRouter(tags=["members' portal"])
pages = APIRouter(include_in_schema=False)
MemberTenant = Annotated[Tenant, Depends(require(Role.MEMBER))]
PAGES = ("home", "statement", "login")


class RuleRead(BaseModel):
    key: str
    text: str
    source: str
    since: str


class RuleChangeRead(BaseModel):
    on: str
    source: str
    changes: list[str]


class RulesRead(BaseModel):
    today: str
    driver: list[RuleRead]
    owner: list[RuleRead]
    changes: list[RuleChangeRead]
    last_change: str | None


@router.get("/member/home", response_model=MemberHomeRead, summary="A member's home")
async def member_home(tenant: MemberTenant, session: SessionDep) -> MemberHomeRead:
    """The member's vehicles with their papers and days left, this month's distance, trips and
    delivered jobs, last month's violations, and their balance today."""
    return await member_portal.home(session, tenant)


@router.get(
    "/member/vehicles/{vehicle_id}", response_model=MemberVehicleRead, summary="One of my vehicles"
)
async def member_vehicle(
    vehicle_id: Id, tenant: MemberTenant, session: SessionDep
) -> MemberVehicleRead:
    """One of the member's own vehicles; another member's answers 404."""
    return await member_portal.vehicle(session, tenant, vehicle_id)


@router.get("/member/jobs", response_model=list[MemberJobRead], summary="My vehicles' jobs")
async def member_jobs(month: Month, tenant: MemberTenant, session: SessionDep) -> Any:
    """Orders of the member's vehicles created in the month, newest first."""
    return await member_portal.jobs(session, tenant, first_day(month))


@router.get("/member/messages", response_model=list[MemberMessageRead], summary="My messages")
async def member_messages(tenant: MemberTenant, session: SessionDep) -> Any:
    """The cooperative's latest messages to the member (one per event), newest first."""
    return await member_portal.messages(session, tenant)


@router.get("/rules", response_model=RulesRead, summary="The rules in force (public)")
async def rules(lang: Literal["vi", "en"] = "vi") -> Any:
    """What the law asks of drivers and vehicle owners today, what changed on which date and
    the source of each rule, generated from the versioned rule table."""
    return rules_page(today_in(RULES_ZONE), lang)


def _language(lang: str | None, asked: str | None) -> str:
    chosen = asked or lang
    return chosen if chosen in LANGUAGES else LANGUAGES[0]


@functools.cache
def _texts(language: str) -> tuple[dict[str, str], str]:
    texts = portal_texts(language)
    return texts, json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")


def _render(request: Request, page: str, language: str, **extra: Any) -> Response:
    texts, texts_json = _texts(language)
    config = json.dumps({"language": language}).replace("<", "\\u003c")
    return templates.TemplateResponse(
        request,
        f"portal/{page}.html",
        {"page": page, "lang": language, "t": texts, "texts_json": texts_json,
         "config_json": config, **extra},
    )  # fmt: skip


LangCookie = Annotated[str | None, Cookie()]
LangQuery = Annotated[str | None, Query(pattern="^(vi|en)$")]


@pages.get("/rules", response_class=HTMLResponse)
async def rules_html(request: Request, lang: LangCookie = None, hl: LangQuery = None) -> Response:
    language = _language(lang, hl)
    return _render(request, "rules", language, rules=rules_page(today_in(RULES_ZONE), language),
                   member=False)  # fmt: skip


@pages.get("/portal/rules", response_class=HTMLResponse)
async def member_rules_html(
    request: Request, lang: LangCookie = None, hl: LangQuery = None
) -> Response:
    language = _language(lang, hl)
    return _render(request, "rules", language, rules=rules_page(today_in(RULES_ZONE), language),
                   member=True)  # fmt: skip


@pages.get("/portal/", response_class=HTMLResponse)
async def home_html(request: Request, lang: LangCookie = None, hl: LangQuery = None) -> Response:
    return _render(request, "home", _language(lang, hl))


@pages.get("/portal/statement/{member_id}", response_class=HTMLResponse)
async def statement_html(
    request: Request, member_id: Id, lang: LangCookie = None, hl: LangQuery = None
) -> Response:
    """A shell: its module asks the API, which answers 404 for another member's id."""
    return _render(request, "statement", _language(lang, hl), member_id=member_id)


@pages.get("/portal/login", response_class=HTMLResponse)
async def login_html(request: Request, lang: LangCookie = None, hl: LangQuery = None) -> Response:
    return _render(request, "login", _language(lang, hl))


@pages.get("/portal")
async def portal_root() -> Response:
    return RedirectResponse("/portal/")


@pages.get("/portal/static/{name}")
async def portal_static(name: str) -> Response:
    """The portal's ES modules and styles (a fixed list: no path from the request is opened)."""
    files = {path.name: path for path in STATIC.iterdir() if path.suffix in (".js", ".css")}
    if name not in files:
        raise NotFound("no such file", field="name")
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(files[name], media_type=media)
