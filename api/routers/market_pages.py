"""The market's public pages, server-rendered (no build step): the landing page with the quote
form and the offers across cooperatives. Vietnamese by default, English with ``?hl=en``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.market_texts import LANGUAGES, texts_for

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates")
static_files = StaticFiles(directory=HERE / "static" / "market")
pages = APIRouter(include_in_schema=False)

# places to choose from until an address search exists: (name, lon, lat)
PLACES = (
    ("Long Khánh, Đồng Nai", 107.2420, 10.9310),
    ("Cảng Cát Lái, TP. Thủ Đức", 106.7906, 10.7617),
    ("Biên Hòa, Đồng Nai", 106.8426, 10.9574),
    ("Nhơn Trạch, Đồng Nai", 106.9030, 10.7010),
    ("Long Thành, Đồng Nai", 106.9510, 10.7800),
)


@pages.get("/cho/", response_class=HTMLResponse)
async def landing(
    request: Request, hl: Annotated[str | None, Query(pattern="^(vi|en)$")] = None
) -> Response:
    language = hl if hl in LANGUAGES else LANGUAGES[0]
    texts = texts_for(language)
    return templates.TemplateResponse(
        request,
        "market/quote.html",
        {
            "lang": language,
            "other": "en" if language == "vi" else "vi",
            "t": texts,
            "texts_json": json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c"),
            "places": PLACES,
        },
    )
