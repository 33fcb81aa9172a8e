"""`sim view --serve`: a report folder served over HTTP on 127.0.0.1 only, and nothing but its files.

What is served: the files directly in the folder whose suffix is one a report has (report.html, its
PNG and SVG charts, the CSV, JSON, YAML, GeoJSON, KML and XLSX files it links to); `/` redirects to
report.html. What is refused (404): any other path, a folder listing, a name with `/`, `\\` or `..`,
a hidden file, a symbolic link, and a file whose real path is not in the folder. A request whose Host
header is not `127.0.0.1:PORT` or `localhost:PORT` gets 421 (a page on another site that a DNS
rebinding points at 127.0.0.1 cannot read the report). Only GET and HEAD are answered.
"""

from __future__ import annotations

import mimetypes
import os
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
MAX_PORT = 65535
SERVED_SUFFIXES = frozenset({".html", ".png", ".svg", ".csv", ".json", ".yaml", ".geojson", ".kml", ".xlsx",
                             ".ipynb", ".js", ".css"})
CONTENT_TYPES = {".geojson": "application/geo+json", ".kml": "application/vnd.google-earth.kml+xml",
                 ".yaml": "text/yaml; charset=utf-8", ".csv": "text/csv; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".json": "application/json",
                 ".ipynb": "application/json", ".svg": "image/svg+xml"}


def served_file(folder: Path, request_path: str) -> Path | None:
    """The file of `folder` that a request path names, or None when it names none of the report's files
    (not directly in the folder, a hidden file, a suffix a report has not, a symlink, not a regular file)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(request_path).path).removeprefix("/")
    if not name or name.startswith(".") or any(c in name for c in "/\\\0"):  # hidden, '..', a folder
        return None
    if Path(name).suffix.lower() not in SERVED_SUFFIXES:
        return None
    candidate = folder / name
    if candidate.is_symlink() or not candidate.is_file():
        return None
    if candidate.resolve().parent != folder.resolve():
        return None
    return candidate


def host_allowed(host: str | None, port: int) -> bool:
    """Whether a Host header names this server: 127.0.0.1:PORT or localhost:PORT (no port for port 80)."""
    if host is None:
        return False
    names = {f"{HOST}:{port}", f"localhost:{port}"} | ({HOST, "localhost"} if port == 80 else set())
    return host.strip().lower() in names


def content_type(path: Path) -> str:
    """The Content-Type of a served file, from its suffix."""
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _read_no_follow(path: Path) -> bytes:
    """A file's bytes, refusing a symlink put in its place since it was checked (O_NOFOLLOW where there is one)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


class ReportHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD with the report folder's own files only (see the module's docstring)."""

    folder: Path = Path(".")
    server_version = "sim-view"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # keep the terminal for the URL
        """Log nothing."""

    def do_GET(self) -> None:
        """Send the file, a redirect from `/` to report.html, or an error status."""
        self._answer(body=True)

    def do_HEAD(self) -> None:
        """As GET, without the body."""
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        """The response to a GET or HEAD."""
        address = self.server.server_address
        port = int(address[1]) if isinstance(address, tuple) else -1
        if not host_allowed(self.headers.get("Host"), port):
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, f"unknown Host; open http://127.0.0.1:{port}/ (when "
                            "forwarding over SSH, forward to the same local port)")
            return
        if urllib.parse.urlsplit(self.path).path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/report.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = served_file(self.folder, self.path)
        try:
            data = _read_no_follow(path) if path is not None else None
        except OSError:
            data = None
        if path is None or data is None:
            self.send_error(HTTPStatus.NOT_FOUND, "not one of the report's files")
            return
        self._send_file(path, data, body)

    def _send_file(self, path: Path, data: bytes, body: bool) -> None:
        """A 200 response with the file's bytes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(path))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server of one report folder's files, bound to 127.0.0.1 only (port 0: a free one).

    Raises ValueError for a port outside 0-65535 and OSError when the port cannot be bound."""
    if not 0 <= port <= MAX_PORT:
        raise ValueError(f"port must be 0 to {MAX_PORT}, got {port}")
    handler = type("FolderHandler", (ReportHandler,), {"folder": folder.resolve()})
    return ThreadingHTTPServer((HOST, port), handler)
