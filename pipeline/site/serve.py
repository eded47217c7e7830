"""Serve the built site on localhost (``stability-index serve``)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.logs import console


def make_server(directory: Path, port: int) -> ThreadingHTTPServer:
    """Return an HTTP server for ``directory`` bound to 127.0.0.1 (port 0 picks a free port)."""
    if not (directory / "index.html").exists():
        raise FileNotFoundError(
            f"{directory}/index.html not found: build the site first (stability-index build)"
        )
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_site(directory: Path, port: int) -> None:
    """Serve ``directory`` on http://127.0.0.1:PORT until interrupted (Ctrl+C)."""
    server = make_server(Path(directory), port)
    console.print(f"Serving {directory} on http://127.0.0.1:{server.server_address[1]}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        server.server_close()
