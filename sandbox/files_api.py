"""Slack's current file upload flow, as the stand-in answers it: files.getUploadURLExternal,
the upload to the URL it hands out, files.completeUploadExternal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sandbox.workspace import Json, Workspace

StartResponse = Callable[..., Any]


class FilesApi:
    """Mixed into the stand-in's WebApi."""

    ws: Workspace
    base_url: str

    def _channel(self, channel: str) -> str:
        raise NotImplementedError

    def files_get_upload_url(self, args: Json) -> Json:
        """Step 1 of Slack's file upload: reserve a file id and an upload URL."""
        file_id = self.ws.next_id("F")
        with self.ws.lock:
            self.ws.files[file_id] = {
                "id": file_id,
                "name": args["filename"],
                "length": int(args["length"]),
                "content": None,
            }
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, data: bytes, start: StartResponse) -> Iterable[bytes]:
        with self.ws.lock:
            known = self.ws.files.get(file_id)
            if known is not None:
                known["content"] = data
        status = "200 OK" if known is not None else "404 Not Found"
        start(status, [("Content-Type", "text/plain")])
        return [f"OK - {len(data)}".encode()]

    def files_complete_upload(self, args: Json) -> Json:
        """Step 3: share the uploaded files in a channel (or thread), as one message."""
        shared = []
        for item in args["files"]:
            stored = self.ws.files.get(item["id"])
            if stored is None or stored["content"] is None:
                return {"ok": False, "error": "file_not_found"}
            stored["title"] = item.get("title") or stored["name"]
            shared.append({k: v for k, v in stored.items() if k != "content"})
        channel = args.get("channel_id")
        if channel:
            msg = self.ws.post(
                self._channel(str(channel)),
                user=self.ws.bot_user_id,
                text=str(args.get("initial_comment") or ""),
                thread_ts=args.get("thread_ts"),
                bot=True,
            )
            msg["files"] = shared
        return {"ok": True, "files": shared}
