"""A webhook receiver that verifies every delivery with the ``standardwebhooks`` library.

Run by livetests/test_live_webhooks.py with the tools virtualenv's Python:
``webhook_receiver.py <port> <secret> <output file>``. Each POST is verified
(``Webhook(secret).verify``); a verified one is answered 204 and appended to the output
file as a JSON line ``{"id", "type", "data", "at"}`` (its arrival, Unix time), a refused one is answered 400 and written
with ``"refused"``.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT, SECRET, OUTPUT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
WEBHOOK = Webhook(SECRET)
LOCK = threading.Lock()


def write(line):
    with LOCK, open(OUTPUT, "a") as output:
        output.write(json.dumps(line) + "\n")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            payload = WEBHOOK.verify(body, headers)
        except WebhookVerificationError as error:
            write({"refused": str(error), "id": headers.get("webhook-id")})
            self.send_response(400)
        else:
            write({"id": headers["webhook-id"], "type": payload["type"], "data": payload["data"], "at": time.time()})
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
