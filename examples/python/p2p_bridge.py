#!/usr/bin/env python3
"""A p2p-quic peer used from Python through its TCP event-bus bridge (docs/bridge.md).

Standard library only. Start a peer with the bridge on (it listens on 127.0.0.1):

    java -jar node/target/p2p-node.jar peer --rendezvous ws://HOST:8088/signal --bridge-port 7000

then, with a remote peer that runs `p2p-node peer --echo`:

    python3 examples/python/p2p_bridge.py --bridge 127.0.0.1:7000 pq1...remote --random 1048576
    python3 examples/python/p2p_bridge.py --bridge 127.0.0.1:7000 pq1...remote --file big.bin
    echo hello | python3 examples/python/p2p_bridge.py --bridge 127.0.0.1:7000 pq1...remote

The script asks the peer to connect to the remote peer, streams the data through the session (base64 in
JSON: the bridge's frames cannot carry raw bytes), and checks that the echo has the same length and
SHA-256. Exit 0 when it does, 1 otherwise, 2 for bad usage.

Wire format of the bridge: every frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON
{"type": "send"|"publish"|"register"|"unregister"|"ping", "address", "replyAddress", "headers", "body"}.
The bridge answers with "message" frames (replies and registered messages), "pong", and "err" frames
(with "address" = the request's replyAddress when a request failed; without it for refused addresses).
"""

import argparse
import base64
import hashlib
import json
import os
import queue
import socket
import struct
import sys
import threading
import time
import uuid

# Decoded bytes per send request: under the peer's limit of 65536 (larger requests get a 413 error).
CHUNK_BYTES = 48 * 1024
# Send requests in flight at once: each reply says "written to the session", so this bounds what the peer
# buffers for us while still keeping the path busy.
WINDOW = 8
# Largest frame accepted from the bridge: the peer publishes data in pieces of at most 64 KiB (about
# 88 KB of JSON); anything much larger is a protocol error, not something to buffer.
MAX_FRAME_BYTES = 4 * 1024 * 1024


class BridgeError(Exception):
    """An "err" frame, or the bridge connection ending while a reply was awaited."""

    def __init__(self, message, failure_code=None):
        super().__init__(message if failure_code is None else "%s (code %s)" % (message, failure_code))
        self.message = message
        self.failure_code = failure_code


class BridgeClient:
    """One connection to a Vert.x TCP event-bus bridge: requests with replies, publish, register, ping.

    A reader thread dispatches incoming frames: replies to the waiting request, messages of registered
    addresses to their handler (called on the reader thread: keep handlers short).
    """

    def __init__(self, host, port, connect_timeout=10.0):
        self._sock = socket.create_connection((host, port), timeout=connect_timeout)
        self._sock.settimeout(None)
        self._write_lock = threading.Lock()
        self._pending = {}  # replyAddress -> queue.Queue of one reply body or BridgeError
        self._pending_lock = threading.Lock()
        self._handlers = {}  # address -> handler(body, headers)
        self._pongs = queue.Queue()
        self.errors = queue.Queue()  # "err" frames that name no request (e.g. a refused register)
        self._reader = threading.Thread(target=self._read_loop, name="bridge-reader", daemon=True)
        self._reader.start()

    # ---- frames --------------------------------------------------------------------------------------

    def _write(self, frame):
        data = json.dumps(frame, separators=(",", ":")).encode("utf-8")
        with self._write_lock:
            self._sock.sendall(struct.pack(">I", len(data)) + data)

    def _read_exact(self, n):
        chunks = []
        while n > 0:
            chunk = self._sock.recv(min(n, 1 << 16))
            if not chunk:
                raise BridgeError("the bridge closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_loop(self):
        try:
            while True:
                (length,) = struct.unpack(">I", self._read_exact(4))
                if length > MAX_FRAME_BYTES:
                    raise BridgeError("frame of %d bytes from the bridge, more than %d" % (length, MAX_FRAME_BYTES))
                self._dispatch(json.loads(self._read_exact(length).decode("utf-8")))
        except (OSError, ValueError, BridgeError) as e:
            failure = e if isinstance(e, BridgeError) else BridgeError("bridge connection lost: %s" % e)
            self._fail_pending(failure)

    def _dispatch(self, frame):
        kind = frame.get("type")
        address = frame.get("address")
        if kind == "pong":
            self._pongs.put(True)
        elif kind == "err":
            error = BridgeError(frame.get("message"), frame.get("failureCode"))
            waiting = self._take_pending(address)
            if waiting is not None:
                waiting.put(error)
            else:
                # access_denied and friends name no request: whoever waits cannot succeed any more.
                self.errors.put(error)
                self._fail_pending(error)
        elif kind == "message":
            waiting = self._take_pending(address)
            if waiting is not None:
                waiting.put(frame.get("body"))
                return
            handler = self._handlers.get(address)
            if handler is not None:
                handler(frame.get("body"), frame.get("headers") or {})

    def _take_pending(self, address):
        if address is None:
            return None
        with self._pending_lock:
            return self._pending.pop(address, None)

    def _fail_pending(self, error):
        with self._pending_lock:
            waiting = list(self._pending.values())
            self._pending.clear()
        for q in waiting:
            q.put(error)

    # ---- API -----------------------------------------------------------------------------------------

    def request_async(self, address, body, timeout_ms=None):
        """Sends a request; returns a queue that receives the reply body or a BridgeError."""
        reply_address = "py." + uuid.uuid4().hex
        answer = queue.Queue(maxsize=1)
        with self._pending_lock:
            self._pending[reply_address] = answer
        frame = {"type": "send", "address": address, "replyAddress": reply_address, "body": body}
        if timeout_ms is not None:
            frame["headers"] = {"timeout": int(timeout_ms)}  # the bridge's send timeout (a number)
        self._write(frame)
        return answer

    @staticmethod
    def result(answer, timeout_s=60.0):
        try:
            value = answer.get(timeout=timeout_s)
        except queue.Empty:
            raise BridgeError("no reply within %.0f s" % timeout_s) from None
        if isinstance(value, BridgeError):
            raise value
        return value

    def request(self, address, body, timeout_s=60.0):
        """Request/reply: the reply's body, or BridgeError (refused address, the service's failure)."""
        return self.result(self.request_async(address, body, int(timeout_s * 1000)), timeout_s + 5)

    def publish(self, address, body):
        self._write({"type": "publish", "address": address, "body": body})

    def register(self, address, handler):
        """Receives what is sent or published to address. The bridge does not acknowledge this; a refused
        address shows up in .errors (access_denied)."""
        self._handlers[address] = handler
        self._write({"type": "register", "address": address})

    def unregister(self, address):
        self._handlers.pop(address, None)
        self._write({"type": "unregister", "address": address})

    def ping(self, timeout_s=5.0):
        self._write({"type": "ping"})
        try:
            self._pongs.get(timeout=timeout_s)
        except queue.Empty:
            raise BridgeError("no pong within %.0f s" % timeout_s) from None

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


class PeerSession:
    """One p2p-quic session of the bridged peer, through the JSON facade (docs/bridge.md)."""

    def __init__(self, bridge, description):
        self.bridge = bridge
        self.description = description
        self.local_peer = description["localPeer"]
        self.session_id = description["sessionId"]
        prefix = "p2p.bridge.session.%s.%s" % (self.local_peer, self.session_id)
        self.send_address = prefix + ".send"
        self.data_address = prefix + ".data"
        self.close_address = "p2p.session.%s.%s.close" % (self.local_peer, self.session_id)

    @staticmethod
    def connect(bridge, remote_peer, local_peer=None, method="auto", timeout_ms=20000):
        """Asks the peer to connect to remote_peer. With local_peer the scoped address is used (needed when
        several peers share the bridged JVM; the plain one goes to any of them)."""
        address = "p2p.peer.connect" + ("." + local_peer if local_peer else "")
        body = {"peer": remote_peer, "method": method, "timeoutMs": timeout_ms}
        return PeerSession(bridge, bridge.request(address, body, timeout_s=timeout_ms / 1000 + 10))

    def on_data(self, handler):
        """handler(bytes, stream id) for every piece received on the session."""
        self.bridge.register(self.data_address,
                             lambda body, headers: handler(base64.b64decode(body["data"]), body.get("stream", 0)))

    def send_async(self, data):
        return self.bridge.request_async(self.send_address, {"data": base64.b64encode(data).decode("ascii")})

    def send(self, data):
        return self.bridge.result(self.send_async(data))

    def close(self, reason="done"):
        return self.bridge.request(self.close_address, {"reason": reason})


def payload_chunks(args):
    """The data to send, CHUNK_BYTES at a time: a file, stdin, or N pseudo-random bytes."""
    if args.random is not None:
        seed = hashlib.sha256(b"p2p-bridge-example").digest()
        left = args.random
        while left > 0:
            n = min(CHUNK_BYTES, left)
            block = bytearray()
            while len(block) < n:
                seed = hashlib.sha256(seed).digest()
                block += seed
            yield bytes(block[:n])
            left -= n
        return
    stream = open(args.file, "rb") if args.file else sys.stdin.buffer
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                return
            yield chunk
    finally:
        if args.file:
            stream.close()


def check_refused(bridge, address):
    """True when the bridge refuses a request to address (what its permissions promise)."""
    try:
        bridge.request(address, {}, timeout_s=5)
    except BridgeError as e:
        if e.message == "access_denied":
            print("refused %s: %s" % (address, e.message), flush=True)
            return True
        print("NOT refused %s: it answered with an error: %s" % (address, e), flush=True)
        return False
    print("NOT refused %s: it answered" % address, flush=True)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Connect a p2p-quic peer to a remote peer through the peer's TCP event-bus bridge, stream "
                    "data through the session and verify the echo (the remote peer runs 'p2p-node peer --echo').")
    parser.add_argument("peer", help="remote peer id (pq1...)")
    parser.add_argument("--bridge", default="127.0.0.1:7000", metavar="HOST:PORT",
                        help="the local peer's bridge (bridge.port / --bridge-port; default 127.0.0.1:7000)")
    parser.add_argument("--local-peer", metavar="ID",
                        help="the bridged peer's own id: connect through p2p.peer.connect.<ID> (needed when several "
                             "peers share its JVM)")
    parser.add_argument("--method", default="auto", help="connect method (auto, ice, relay, dcutr, tcp, quic-native)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the whole echo")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", metavar="PATH", help="send this file (default: stdin)")
    source.add_argument("--random", type=int, metavar="N", help="send N generated bytes")
    parser.add_argument("--check-refused", action="append", default=[], metavar="ADDRESS",
                        help="also check that the bridge refuses a request to ADDRESS (repeatable)")
    args = parser.parse_args(argv)

    host, _, port = args.bridge.rpartition(":")
    bridge = BridgeClient(host.strip("[]") or "127.0.0.1", int(port))
    try:
        bridge.ping()
        ok = all(check_refused(bridge, a) for a in args.check_refused)

        session = PeerSession.connect(bridge, args.peer, args.local_peer, args.method)
        d = session.description
        print("session %s with %s: path %s, method %s" % (session.session_id, d.get("peer"), d.get("path"),
                                                          d.get("method")), flush=True)
        received = hashlib.sha256()
        counts = {"received": 0, "sent": None}
        all_back = threading.Event()

        def on_data(data, stream):
            received.update(data)
            counts["received"] += len(data)
            if counts["sent"] is not None and counts["received"] >= counts["sent"]:
                all_back.set()

        session.on_data(on_data)

        sent = hashlib.sha256()
        total = 0
        in_flight = []
        started = time.monotonic()
        for chunk in payload_chunks(args):
            if len(in_flight) >= WINDOW:
                bridge.result(in_flight.pop(0))
            in_flight.append(session.send_async(chunk))
            sent.update(chunk)
            total += len(chunk)
        for answer in in_flight:
            bridge.result(answer)
        counts["sent"] = total
        print("sent %d bytes sha256 %s" % (total, sent.hexdigest()), flush=True)
        if counts["received"] >= total:
            all_back.set()
        if not all_back.wait(args.timeout):
            print("only %d of %d bytes came back within %.0f s (does the remote peer run --echo?)"
                  % (counts["received"], total, args.timeout), flush=True)
            return 1
        seconds = time.monotonic() - started
        print("received %d bytes sha256 %s in %.2f s" % (counts["received"], received.hexdigest(), seconds),
              flush=True)
        intact = counts["received"] == total and received.hexdigest() == sent.hexdigest()
        print("echo intact" if intact else "echo DIFFERS", flush=True)
        session.close("p2p_bridge.py done")
        return 0 if intact and ok else 1
    except BridgeError as e:
        print("error: %s" % e, file=sys.stderr, flush=True)
        return 1
    finally:
        bridge.close()


if __name__ == "__main__":
    sys.exit(main())
