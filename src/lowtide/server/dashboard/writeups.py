"""The dashboard's "Write it up" button: drafts made on the server and served back.

`POST /writeups` (form fields `run` or `project`, and optionally `runs`, ids
or names separated by commas or repeated) writes a draft into a folder of its
own under the data folder and answers 303 to `/writeups/{id}/`, which shows
the draft with its figures and offers the Markdown and figures as a zip.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from lowtide.errors import LowtideError, NotFoundError
from lowtide.report.draft import FIGURES_DIR, HTML_NAME, make_draft, zip_draft
from lowtide.report.figures import slug
from lowtide.report.story import Subject
from lowtide.store import Store

#: What a draft's id looks like: a slug of its subject and a random part.
DRAFT_ID = re.compile(r"^[a-z0-9-]{1,64}$")
FIGURE_NAME = re.compile(r"^[a-z0-9-]{1,64}\.png$")
#: Bytes of a form the button sends at most (a few names).
MAX_FORM_BYTES = 16 * 1024
#: Characters of the subject's name kept in a draft's id.
ID_NAME_LENGTH = 40


def build_writeups_router(store: Store, folder: Path, env: jinja2.Environment) -> APIRouter:
    """Routes that make drafts into `folder` and serve them; `env` renders error pages."""
    router = APIRouter(include_in_schema=False)

    def problem(message: str, status_code: int) -> HTMLResponse:
        html = env.get_template("writeup-failed.html").render(section="runs", message=message)
        return HTMLResponse(html, status_code=status_code)

    @router.post("/writeups")
    async def make(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return problem("The form is too large.", 413)
        form = parse_qs(body.decode("utf-8", errors="replace"))
        run = (form.get("run") or [""])[0].strip() or None
        project = (form.get("project") or [""])[0].strip() or None
        runs = tuple(r.strip() for v in form.get("runs", []) for r in v.split(",") if r.strip())

        def work() -> str:
            subject = Subject(run=run, project=project, runs=runs)
            name = subject.project or store.find_run(subject.run or "").name
            draft_id = f"{slug(name[:ID_NAME_LENGTH])}-{secrets.token_hex(4)}"
            download = f"/writeups/{draft_id}/draft.zip"
            folder.mkdir(parents=True, exist_ok=True)
            make_draft(store, subject, folder / draft_id, download=download)
            return draft_id

        try:
            draft_id = await run_in_threadpool(work)
        except NotFoundError as exc:
            return problem(str(exc), 404)
        except LowtideError as exc:
            return problem(str(exc), 422)
        return RedirectResponse(f"/writeups/{draft_id}/", status_code=303)

    def draft_folder(draft_id: str) -> Path:
        found = folder / draft_id
        if not DRAFT_ID.match(draft_id) or not (found / HTML_NAME).is_file():
            raise NotFoundError(f"no draft {draft_id!r}")
        return found

    @router.get("/writeups/{draft_id}/")
    async def show(draft_id: str) -> Response:
        try:
            found = draft_folder(draft_id)
        except NotFoundError as exc:
            return problem(str(exc), 404)
        return FileResponse(found / HTML_NAME, media_type="text/html; charset=utf-8")

    @router.get("/writeups/{draft_id}/figures/{name}")
    async def figure(draft_id: str, name: str) -> Response:
        try:
            path = draft_folder(draft_id) / FIGURES_DIR / name
        except NotFoundError as exc:
            return problem(str(exc), 404)
        if not FIGURE_NAME.match(name) or not path.is_file():
            return problem(f"no figure {name!r} in draft {draft_id}", 404)
        return FileResponse(path, media_type="image/png")

    @router.get("/writeups/{draft_id}/draft.zip")
    async def download(draft_id: str) -> Response:
        try:
            found = draft_folder(draft_id)
        except NotFoundError as exc:
            return problem(str(exc), 404)
        data = await run_in_threadpool(zip_draft, found)
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{draft_id}.zip"'},
        )

    return router
