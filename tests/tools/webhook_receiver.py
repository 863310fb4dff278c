#!/usr/bin/env python3
"""A webhook receiver for tests/integration/test_notify.sh (standard library only).

It listens on 127.0.0.1 (port 0: any free one, written to --port-file) and
answers every POST as told:

  --fail N     answer 500 to the first N requests, then 200
  --slow N     sleep --sleep seconds (past the deliverer's timeout) before
               answering the first N requests, then answer at once
  --hold N     hold the first N requests until the file --release exists
               (or 120 s), then answer 200: a request in flight to kill the
               deliverer during
  --never      answer 503 to every request
  --delay S    sleep S seconds before every answer (widens the window in
               which two deliverers could overlap)

Every request is logged when it arrives and again when it is answered, one
line each in DIR/requests.log: "start|end <n> <event id> <signature header>
<status> <monotonic time>", and its body, byte for byte, in DIR/<n>.body, so
that the test verifies each signature with openssl itself.
"""
import argparse
import http.server
import os
import threading
import time

lock = threading.Lock()
count = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--sleep", type=float, default=5.0)
    ap.add_argument("--hold", type=int, default=0)
    ap.add_argument("--release", default="")
    ap.add_argument("--never", action="store_true")
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    log_path = os.path.join(args.dir, "requests.log")

    def log(line):
        with lock:
            with open(log_path, "a") as f:
                f.write(line + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            global count
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                count += 1
                n = count
            with open(os.path.join(args.dir, "%d.body" % n), "wb") as f:
                f.write(body)
            event = self.headers.get("Gpumeter-Event-Id", "-")
            sig = self.headers.get("Gpumeter-Signature", "-")
            if args.never:
                status = 503
            elif n <= args.fail:
                status = 500
            else:
                status = 200
            log("start %d %s %s %d %.3f" % (n, event, sig, status, time.monotonic()))
            if n <= args.slow:
                time.sleep(args.sleep)
            if n <= args.hold:
                deadline = time.monotonic() + 120
                while not os.path.exists(args.release) and time.monotonic() < deadline:
                    time.sleep(0.05)
            if args.delay:
                time.sleep(args.delay)
            log("end %d %s %s %d %.3f" % (n, event, sig, status, time.monotonic()))
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the deliverer went away (timed out or killed)

        def log_message(self, fmt, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
