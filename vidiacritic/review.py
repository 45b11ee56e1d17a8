"""The review page: a person checks the restorer's uncertain words and saves the result.

    vidiacritic review IN -o OUT [--lexicon FILE] [--port N] [--host H] [--no-browser]

restores IN and serves a local page (the standard library's ThreadingHTTPServer, one
HTML file with its script inline, nothing fetched from the network).  Contract, for
tests and scripts:

- the first line printed to stdout is the page's URL, ``http://127.0.0.1:PORT/SECRET/``
  (SECRET is random per run; a request without it gets 404, one with a foreign Host
  header 403);
- ``GET api/words``: every word in text order, ``{"index", "original", "chosen",
  "confidence", "alternatives", "start", "source", "reviewed"}`` (the same records as
  ``vidiacritic explain --json``; alternatives are ``[text, probability]`` pairs);
- ``POST api/words/INDEX`` with ``{"chosen": "..."}``: that word is now "chosen" and
  counts as reviewed; returns its record;
- ``POST api/save``: writes OUT (vidiacritic.safeio: temporary file and rename) and
  returns ``{"saved": OUT, "bytes": N}``;
- ``POST api/lexicon`` with ``{"term": "..."}``: appends the term to the (first)
  --lexicon file, so that the next document gets it right;
- ``GET api/text``: the input text (the page lays the words out in it);
- ``POST api/close``: stops the server.

Nothing is written but OUT and the lexicon file.  OUT is exactly ``fix``'s output with
the page's changes: the words are put back into the input text at their offsets.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import secrets
import sys
import threading
import unicodedata
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources as importlib_resources
from typing import Any, Dict, List, Optional, Sequence

from . import safeio, userterms

# A word typed on the page: at most this many characters, one line, no control characters.
MAX_WORD = 64
# Largest request body the server reads (a word or a term is a few bytes).
MAX_BODY = 4096
DEFAULT_THRESHOLD = 0.9  # the page's first "uncertain below" setting
_INDEX = re.compile(r"^api/words/(\d{1,9})$")


def word_records(words: Sequence[Any]) -> List[Dict[str, Any]]:
    """JSON records of Explanation.words (the review API's and ``explain --json``'s)."""
    return [{"index": i, "original": w.original, "chosen": w.chosen, "confidence": round(w.confidence, 4),
             "alternatives": [[a, round(p, 4)] for a, p in w.alternatives],
             "start": w.start, "source": w.source} for i, w in enumerate(words)]


class ReviewError(ValueError):
    """A request the page cannot honour (a bad word, no lexicon file)."""


class Session:
    """One document under review: its text, its words, the changes made."""

    def __init__(self, text: str, explanation: Any, target: safeio.Target,
                 lexicon_target: Optional[safeio.Target] = None):
        self.text = text
        self.records = word_records(explanation.words)
        for r in self.records:
            r["reviewed"] = False
        self.target = target
        self.lexicon_target = lexicon_target
        self.lock = threading.Lock()
        if self.render() != explanation.text:  # the offsets must rebuild the restored text
            raise RuntimeError("review: the word offsets do not rebuild the restored text")

    def render(self) -> str:
        """The input text with each word replaced by its chosen form."""
        out, pos = [], 0
        for r in self.records:
            out.append(self.text[pos:r["start"]])
            out.append(r["chosen"])
            pos = r["start"] + len(r["original"])
        out.append(self.text[pos:])
        return "".join(out)

    def choose(self, index: int, chosen: Any) -> Dict[str, Any]:
        if not 0 <= index < len(self.records):
            raise KeyError(index)
        word = check_word(chosen)
        with self.lock:
            rec = self.records[index]
            rec["chosen"] = word
            rec["reviewed"] = True
            return dict(rec)

    def save(self) -> Dict[str, Any]:
        with self.lock:
            data = self.render().encode("utf-8")
            safeio.atomic_write_bytes(self.target, data)
        return {"saved": self.target.path, "bytes": len(data)}

    def add_term(self, term: Any) -> Dict[str, Any]:
        """Append `term` to the lexicon file (a new line; the file's bytes are kept)."""
        if self.lexicon_target is None:
            raise ReviewError("no lexicon file: start the review with --lexicon FILE")
        if not isinstance(term, str):
            raise ReviewError("term must be a string")
        try:
            line = userterms.format_term(term)
        except userterms.LexiconError as e:
            raise ReviewError(str(e)) from None
        with self.lock:
            path = self.lexicon_target.real
            try:
                with open(path, "rb") as fh:
                    old = fh.read()
            except FileNotFoundError:
                old = b""
            existing = {t.parts for t in userterms.parse_bytes(old, path)}
            new = userterms.parse_line(line, "term")
            if new is not None and new.parts in existing:
                return {"term": line, "added": False}
            sep = b"" if not old or old.endswith(b"\n") else b"\n"
            safeio.atomic_write_bytes(self.lexicon_target, old + sep + (line + "\n").encode("utf-8"))
        return {"term": line, "added": True}


def check_word(chosen: Any) -> str:
    """A word typed on the page, NFC; ReviewError when it could not stand in the text."""
    if not isinstance(chosen, str):
        raise ReviewError("chosen must be a string")
    word = unicodedata.normalize("NFC", chosen.strip())
    if not word or len(word) > MAX_WORD:
        raise ReviewError(f"a word has 1 to {MAX_WORD} characters")
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in word):
        raise ReviewError("a word has no line breaks or control characters")
    return word


def _page() -> bytes:
    return importlib_resources.files("vidiacritic").joinpath("review_page.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: stdout carries the URL only
        pass

    # ------------------------------------------------------------ routing
    def _route(self) -> Optional[str]:
        """The path under the secret, or None (and an error sent)."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if self.server.hosts and host not in self.server.hosts:  # DNS rebinding: another site's name for this port
            self._send_json({"error": "forbidden host"}, HTTPStatus.FORBIDDEN)
            return None
        path = self.path.split("?", 1)[0]
        prefix = f"/{self.server.secret}/"
        if not path.startswith(prefix):
            self._send_json({"error": "not found"}, HTTPStatus.NOT_FOUND)
            return None
        return path[len(prefix):]

    def do_GET(self) -> None:
        rest = self._route()
        if rest is None:
            return
        session = self.server.session
        if rest == "":
            self._send(_page(), "text/html; charset=utf-8")
        elif rest == "api/words":
            with session.lock:
                self._send_json([dict(r) for r in session.records])
        elif rest == "api/text":
            self._send_json({"text": session.text, "out": session.target.path,
                             "threshold": DEFAULT_THRESHOLD,
                             "lexicon": session.lexicon_target.path if session.lexicon_target else None})
        else:
            self._send_json({"error": "not found"}, HTTPStatus.NOT_FOUND)

    def do_POST(self) -> None:
        rest = self._route()
        if rest is None:
            return
        try:
            body = self._body()
            m = _INDEX.match(rest)
            if m:
                self._send_json(self.server.session.choose(int(m.group(1)), body.get("chosen")))
            elif rest == "api/save":
                self._send_json(self.server.session.save())
            elif rest == "api/lexicon":
                self._send_json(self.server.session.add_term(body.get("term")))
            elif rest == "api/close":
                self._send_json({"closed": True})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
            else:
                self._send_json({"error": "not found"}, HTTPStatus.NOT_FOUND)
        except KeyError:
            self._send_json({"error": "no such word"}, HTTPStatus.NOT_FOUND)
        except ReviewError as e:
            self._send_json({"error": str(e)}, HTTPStatus.BAD_REQUEST)
        except (OSError, safeio.RefusedTarget) as e:
            self._send_json({"error": f"cannot write: {getattr(e, 'strerror', None) or e}"},
                            HTTPStatus.INTERNAL_SERVER_ERROR)

    def _body(self) -> Dict[str, Any]:
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ReviewError("bad Content-Length") from None
        if n < 0 or n > MAX_BODY:
            raise ReviewError("request body too large")
        raw = self.rfile.read(n) if n else b"{}"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ReviewError("body is not JSON") from None
        if not isinstance(body, dict):
            raise ReviewError("body must be a JSON object")
        return body

    # ------------------------------------------------------------ replies
    def _send(self, data: bytes, ctype: str, status: int = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                         "connect-src 'self'; img-src data:")
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, obj: Any, status: int = HTTPStatus.OK) -> None:
        self._send(json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8", status)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, session: Session, secret: str, hosts: Sequence[str]):
        super().__init__(address, _Handler)
        self.session = session
        self.secret = secret
        self.hosts = frozenset(hosts)


def make_server(session: Session, host: str = "127.0.0.1", port: int = 0) -> _Server:
    """A server for `session` bound to host:port (0: any free port); its URL is url(server)."""
    # Host headers accepted (the page's own names); any, for a wildcard --host
    hosts: set = set() if host in ("0.0.0.0", "::", "") else {host}
    if host in ("127.0.0.1", "localhost"):
        hosts |= {"127.0.0.1", "localhost"}
    return _Server((host, port), session, secrets.token_urlsafe(18), hosts)


def url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/{server.secret}/"


# ---------------------------------------------------------------- command line
def register(sub: Any, cli: Any) -> None:
    """Add the `review` subcommand; `cli` is the command-line module that calls (under
    ``python -m vidiacritic.cli`` that is __main__, whose error classes main() catches)."""
    p = sub.add_parser("review", help="restore a text file and review its uncertain words in a local web page",
                       description="Restores IN and serves a page on this machine to review the uncertain "
                                   "words; Save writes OUT.  The first line on stdout is the page's URL.")
    p.add_argument("file", metavar="IN")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="where Save writes (atomically)")
    p.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser; just print the URL")
    cli._add_engine_options(p)
    p.set_defaults(func=functools.partial(cmd_review, cli=cli))


def cmd_review(args: argparse.Namespace, cli: Any) -> int:
    if not 0 <= args.port <= 65535:
        raise cli.UsageError(f"--port {args.port}: not a port number")
    named = list(args.lexicon or [])
    if named and not os.path.lexists(named[0]):
        args.lexicon = named[1:]  # a new lexicon: "Add to lexicon" creates it
    terms = cli.load_lexicon(args)
    args.lexicon = named
    target = safeio.check_output_target(args.output, [args.file], streams=False)
    lexicon_target = None
    if args.lexicon:  # added terms go to the first lexicon file named
        lexicon_target = safeio.check_output_target(args.lexicon[0], [args.file, args.output], links="refuse",
                                                    streams=False)
    data = cli.read_bytes(args.file)
    if cli.input_format(data[:4096], args.file, "auto") != "text":
        raise cli.UsageError(f"{args.file}: review takes plain text (use `vidiacritic fix` for markup)")
    from .text import compose_marks

    text = compose_marks(cli.decode_text(data, args.file, args.encoding, args.legacy_encoding, args.errors))
    restorer = cli._restorer(args, terms)
    session = Session(text, restorer.explain(text), target, lexicon_target)
    try:
        server = make_server(session, args.host, args.port)
    except OSError as e:
        raise cli.UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    page = url(server)
    cli.write_stdout((page + "\n").encode("utf-8"))
    print(f"vidiacritic: reviewing {args.file} → {args.output}; Ctrl-C to stop", file=sys.stderr)
    if not args.no_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(page,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
