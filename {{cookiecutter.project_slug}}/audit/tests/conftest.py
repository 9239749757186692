"""A stand-in for the central audit log's Elasticsearch, on 127.0.0.1.

It speaks the part of Elasticsearch's document API that the shipping client
uses: `PUT /<index>/_doc/<id>?op_type=create` (and `PUT /<index>/_create/<id>`)
answers 201 for a new id and 409 for one it holds, with the
`X-Elastic-Product` header the client insists on, and checks the client's
basic credentials. Its `mode` makes it fail as a real store can:

- up: as above;
- down: its port is closed;
- unavailable: every request gets 503;
- hang: it accepts requests and never answers;
- lose-reply: it stores a new document, then drops the connection unanswered.

Documents bigger than `largest_document` bytes get 413; `delay` slows every
answer down.
"""

import base64
import collections
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest

from conftest import LoopbackServer

INDEX = "audit-log-test"
USERNAME, PASSWORD = "shipper", "shipper-password"
DOCUMENT_PATH = re.compile(r"/(?P<index>[^/]+)/_(?:doc|create)/(?P<id>[^/?]+)")
CREDENTIALS = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()


class StoreHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self):  # noqa: N802 - the name http.server calls
        store = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        match = DOCUMENT_PATH.fullmatch(path)
        if match is None or ("_doc/" in path and "op_type=create" not in query):
            return self.answer(400, error("illegal_argument_exception"))
        index, doc_id = match["index"], match["id"]
        with store.lock:
            store.attempts[doc_id] += 1
            mode = store.mode
        time.sleep(store.delay)
        if mode == "hang":
            store.hang()
            return self.drop()
        if mode == "unavailable":
            return self.answer(503, error("unavailable_shards_exception"))
        if self.headers.get("Authorization") != CREDENTIALS:
            return self.answer(401, error("security_exception"))
        if len(body) > store.largest_document:
            return self.answer(413, error("content_too_long"))
        with store.lock:
            known = doc_id in store.indices[index]
            if not known:
                store.indices[index][doc_id] = json.loads(body)
        if known:
            return self.answer(409, error("version_conflict_engine_exception"))
        if mode == "lose-reply":
            return self.drop()
        self.answer(
            201,
            {"_index": index, "_id": doc_id, "_version": 1, "result": "created"},
        )

    def answer(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        """End the exchange without an answer."""
        self.close_connection = True

    def log_message(self, format, *args):
        pass


def error(kind):
    return {"error": {"type": kind, "reason": kind}, "status": None}


class AuditLogStore(LoopbackServer):
    """The stand-in, with what it holds: `indices[index][id]` is a document."""

    handler = StoreHandler

    def __init__(self):
        self.lock = threading.Lock()
        super().__init__()
        self.reset()

    def reset(self):
        self.indices = collections.defaultdict(dict)
        self.attempts = collections.Counter()  # document id -> PUTs received
        self.largest_document = 100_000
        self.delay = 0.0  # seconds before each answer
        self.set_mode("up")

    @property
    def documents(self):
        return list(self.indices[INDEX].values())


@pytest.fixture(scope="session")
def store_server():
    store = AuditLogStore()
    yield store
    store.set_mode("up")
    store.stop()


@pytest.fixture
def store(store_server, settings):
    """The stand-in, empty and up, as the service's shipping target."""
    settings.RESILIENT_LOGGER = {
        **settings.RESILIENT_LOGGER,
        "environment": "test",
        "targets": [
            {
                "class": "audit.resilient.StoreTarget",
                "es_url": store_server.url,
                "es_index": INDEX,
                "es_username": USERNAME,
                "es_password": PASSWORD,
                "timeout": 1,
                "required": True,
            }
        ],
    }
    store_server.reset()
    yield store_server
    store_server.set_mode("up")
