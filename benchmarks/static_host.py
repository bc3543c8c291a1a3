"""Serve a built site on 127.0.0.1 the way its host (GitHub Pages) does: gzip for text
files when the browser accepts it, ``Cache-Control: max-age=600``, and the site's
404.html for missing addresses. Used by benchmarks/lighthouse.sh.

Usage: python3 benchmarks/static_host.py SITE_DIR [PORT]   (default: a free port; the
port is printed on the first line of the output)
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import socketserver
import sys
from pathlib import Path

COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt"}


class Host(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return self._send(Path(self.directory) / "404.html", 404)
        return self._send(path, 200)

    def _send(self, path: Path, status: int):
        if not path.is_file():
            self.send_error(status)
            return None
        body = path.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if path.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, mtime=0)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


def main(site: str, port: int) -> None:
    handler = functools.partial(Host, directory=site)
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", port), handler) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
