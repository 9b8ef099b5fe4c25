"""MLflow's artifact proxy under /api/2.0/mlflow-artifacts: upload, download, list, delete.

Runs' artifact URIs are `mlflow-artifacts:/<experiment>/<run>/artifacts`, so
the client sends files here; they are kept under `<home>/artifacts/` with
the same layout, and a path that could leave that folder is refused.
"""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from lowtide.server import mlflow_wire as wire
from lowtide.server.responses import JSONBody
from lowtide.store.artifacts import ArtifactStore


def build_artifacts_router(artifacts: ArtifactStore) -> APIRouter:
    """The artifact proxy's routes over one artifact folder."""
    router = APIRouter(
        prefix="/api/2.0/mlflow-artifacts", route_class=wire.MlflowRoute, tags=["mlflow"]
    )

    @router.put("/artifacts/{path:path}")
    async def upload(path: str, request: Request) -> JSONBody:
        """Store the body as the file at `path`, replacing what was there."""

        upload = await run_in_threadpool(artifacts.upload, path)
        try:
            async for chunk in request.stream():
                if chunk:
                    await run_in_threadpool(upload.write, chunk)
            await run_in_threadpool(upload.commit)
        except BaseException:
            upload.abort()
            raise
        return JSONBody({})

    @router.get("/artifacts/{path:path}")
    async def download(path: str) -> Response:
        """The file at `path`."""
        found = await run_in_threadpool(artifacts.file, path)
        media_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return FileResponse(found, media_type=media_type)

    @router.get("/artifacts")
    async def list_artifacts(request: Request) -> JSONBody:
        """The entries of the folder `?path=`, by name, with files' sizes."""
        path = wire.get_str(dict(request.query_params), "path") or ""
        entries = await run_in_threadpool(artifacts.listdir, path)
        files = []
        for e in entries:
            item: dict[str, object] = {"path": e.name, "is_dir": e.is_dir}
            if e.size is not None:
                item["file_size"] = e.size
            files.append(item)
        return JSONBody({"files": files} if files else {})

    @router.delete("/artifacts/{path:path}")
    async def delete(path: str) -> JSONBody:
        """Remove the file or folder at `path`."""
        await run_in_threadpool(artifacts.delete, path)
        return JSONBody({})

    @router.api_route(
        "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def not_found(request: Request) -> JSONBody:
        return wire.endpoint_not_found(request)

    return router
