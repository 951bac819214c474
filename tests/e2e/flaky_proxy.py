"""A fault-injecting HTTP proxy in front of a real registry (tests only).

    python3 flaky_proxy.py LISTEN_PORT_FILE UPSTREAM_HOST:PORT MODE

MODE "5xx-once": the first request of each method+path (upload sessions
counted as one path) gets 503, later ones
are forwarded. MODE "reset-once": the first such request has its connection
closed without an answer. MODE "no-chunks": every PATCH (a chunk of an
upload) gets 405, as from a registry without chunked uploads; nothing else
is touched. Writes the port it listens on to LISTEN_PORT_FILE
and the count of injected faults to stdout as they happen.
"""
import http.client
import re
import http.server
import sys

port_file, upstream, mode = sys.argv[1], sys.argv[2], sys.argv[3]
seen = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        # Upload sessions have fresh names: one fault per kind of request.
        key = (self.command, re.sub(r"/uploads/[^/?]+", "/uploads/ID", self.path.split("?")[0]))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if mode == "no-chunks":
            if self.command == "PATCH":
                print("fault", self.command, key[1], flush=True)
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        elif key not in seen:
            seen.add(key)
            print("fault", self.command, key[1], flush=True)
            if mode == "reset-once":
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection(upstream)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            if k.lower() == "location":
                v = v.replace("http://" + upstream, "")  # keep the client on the proxy
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402

os.rename(port_file + ".tmp", port_file)
server.serve_forever()
