#!/usr/bin/python3
"""A remote ICE agent nobody here wrote: aioice (Debian python3-aioice) behind our rendezvous.

It registers with the rendezvous exactly as docs/signalling.md says (Ed25519 key, signed nonce), then
speaks our session protocol (puncher-verticle io.p2pquic.puncher.session.IceSession), every body
carrying "sessionId":
  offerer (ICE controlling):  offer {sessionId, method:"ice", ufrag, pwd, candidates, complete}
  answerer (ICE controlled):  answer, same shape, same sessionId
  both, then:                 candidate {sessionId, candidate:"<sdp>"} ... end-of-candidates {sessionId}
With --offer-to PEER_ID aioice offers (controlling), else it waits for the first offer (controlled).
aioice gathers before describing itself, so its description holds all its candidates (complete:true);
it still sends end-of-candidates, as the protocol asks. The peer's candidates trickle in while
conn.connect() runs (aioice pairs candidates added during checks).

Lines on stdout, for the test to read:
  PEER <peer id>                     after registration
  SESSION <session id> <role>        once the session is known (role: controlling|controlled)
  NOMINATED <local> <remote>         each pair aioice nominated, highest pair priority first
  CONNECTED <local> <remote> <role>  the pair aioice uses (ip:port ip:port) and its final ICE role
  FINAL <local> <remote>             the pair aioice uses --linger seconds later (it answers checks meanwhile)
  FAILED <reason>
Options to provoke what a test wants: --ice-role (start in a role the offer/answer does not give, i.e. a
role conflict), --tie-breaker low|high (who wins it), --gather-loopback (a second working path).
"""
import argparse
import asyncio
import base64
import hashlib
import json
import logging
import sys
import uuid

import aioice
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DOMAIN = b"p2p-quic/signalling/register/v1\x00"


def peer_id(raw_public_key: bytes) -> str:
    digest = hashlib.sha256(raw_public_key).digest()
    return "pq1" + base64.b32encode(digest).decode().lower().rstrip("=")


def out(line: str) -> None:
    print(line, flush=True)


def log(line: str) -> None:
    logging.getLogger("aioice_peer").info(line)


def parse_candidate(sdp: str):
    """Our candidates, bare or "candidate:"-prefixed (or "a=candidate:"); None for IPv6 (not gathered)."""
    s = sdp.strip()
    if s.startswith("a="):
        s = s[2:]
    if s.lower().startswith("candidate:"):
        s = s[len("candidate:"):]
    c = aioice.Candidate.from_sdp(s)
    return None if ":" in c.host else c


def nominated(conn: aioice.Connection) -> str:
    """The pair aioice uses now (it keeps no public accessor): "<local ip:port> <remote ip:port>"."""
    pair = conn._nominated.get(1)
    if pair is None:
        return "? ?"
    return (f"{pair.local_candidate.host}:{pair.local_candidate.port} "
            f"{pair.remote_candidate.host}:{pair.remote_candidate.port}")


class Session:
    def __init__(self, ws, conn: aioice.Connection, me: str):
        self.ws = ws
        self.conn = conn
        self.me = me
        self.peer = None
        self.session_id = None
        self.remote_known = asyncio.get_running_loop().create_future()  # set once ufrag/pwd are in
        self.remote_end = False
        self.seq = 0

    async def send(self, kind: str, body: dict) -> None:
        self.seq += 1
        await self.ws.send(json.dumps({"type": kind, "id": f"{kind[0]}{self.seq}", "to": self.peer,
                                       "body": dict(body, sessionId=self.session_id)}))

    def description(self) -> dict:
        return {"method": "ice", "ufrag": self.conn.local_username, "pwd": self.conn.local_password,
                "candidates": [c.to_sdp() for c in self.conn.local_candidates], "complete": True}

    async def add_candidate(self, sdp: str) -> None:
        if self.remote_end:
            log(f"candidate after end-of-candidates ignored: {sdp}")
            return
        c = parse_candidate(sdp)
        if c is not None:
            log(f"remote candidate {c.to_sdp()}")
            await self.conn.add_remote_candidate(c)

    async def end_of_candidates(self) -> None:
        if not self.remote_end:
            self.remote_end = True
            log("remote end-of-candidates")
            await self.conn.add_remote_candidate(None)

    async def apply_description(self, body: dict) -> None:
        self.conn.remote_username = body["ufrag"]
        self.conn.remote_password = body["pwd"]
        for sdp in body.get("candidates", []):
            await self.add_candidate(sdp)
        if body.get("complete", False):
            await self.end_of_candidates()
        if not self.remote_known.done():
            self.remote_known.set_result(None)

    async def read(self, expect_offer: bool) -> None:
        """Dispatches every incoming message until the socket closes; errors end the session."""
        async for raw in self.ws:
            m = json.loads(raw)
            kind = m.get("type")
            body = m.get("body") or {}
            if kind == "error":
                raise RuntimeError("rendezvous error: " + json.dumps(m))
            if kind in ("ack", "pong"):
                continue
            if expect_offer and self.session_id is None:
                if kind != "offer" or "sessionId" not in body:
                    log(f"ignored before an offer: {raw}")
                    continue
                self.peer = m["from"]
                self.session_id = body["sessionId"]
                out(f"SESSION {self.session_id} controlled")
                await self.apply_description(body)
                await self.send("answer", self.description())
                await self.send("end-of-candidates", {})
                continue
            if body.get("sessionId") != self.session_id or m.get("from") != self.peer:
                log(f"ignored (other session or peer): {raw}")
                continue
            if kind == "answer":
                await self.apply_description(body)
            elif kind == "candidate":
                await self.add_candidate(body.get("candidate", ""))
            elif kind == "end-of-candidates":
                await self.end_of_candidates()
            elif kind == "bye":
                raise RuntimeError("peer said bye: " + body.get("reason", "no reason"))
            else:
                log(f"ignored: {raw}")
        raise RuntimeError("rendezvous connection closed")


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rendezvous", required=True)
    ap.add_argument("--offer-to", help="peer id to offer to (aioice controlling); else wait for an offer")
    ap.add_argument("--timeout", type=float, default=30, help="seconds from registration to a nominated pair")
    ap.add_argument("--linger", type=float, default=3)
    ap.add_argument("--ice-role", choices=["controlling", "controlled"],
                    help="start ICE in this role whatever the offer/answer says (provokes a role conflict, RFC 8445 7.3.1.1)")
    ap.add_argument("--tie-breaker", choices=["low", "high"],
                    help="ICE tie-breaker 0 or 2^64-1 instead of a random one: decides who wins a role conflict")
    ap.add_argument("--gather-loopback", action="store_true",
                    help="also gather 127.0.0.1 (aioice leaves loopback out): a second path, so that the agents must "
                         "agree on one of several working pairs")
    ap.add_argument("--verbose", action="store_true", help="aioice's own log (checks, nomination) on stderr")
    args = ap.parse_args()
    if args.verbose:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(relativeCreated)8.1f ms %(name)s %(message)s")

    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    me = peer_id(raw)
    if args.gather_loopback:
        host_addresses = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: host_addresses(use_ipv4, use_ipv6) + ["127.0.0.1"]
    controlling = args.offer_to is not None
    ice_controlling = controlling if args.ice_role is None else args.ice_role == "controlling"
    conn = aioice.Connection(ice_controlling=ice_controlling, components=1, use_ipv6=False)
    if args.tie_breaker is not None:
        conn._tie_breaker = 0 if args.tie_breaker == "low" else (1 << 64) - 1
    await conn.gather_candidates()  # host candidates only (no STUN server), IPv4: non-loopback unless --gather-loopback
    if not conn.local_candidates:
        out("FAILED aioice gathered no candidate (no non-loopback IPv4 address on this machine)")
        return 1

    async with websockets.connect(args.rendezvous) as ws:
        challenge = json.loads(await ws.recv())
        nonce = base64.b64decode(challenge["nonce"])
        await ws.send(json.dumps({"type": "register", "id": "reg", "peerId": me,
                                  "publicKey": base64.b64encode(spki).decode(),
                                  "signature": base64.b64encode(key.sign(DOMAIN + nonce)).decode()}))
        reply = json.loads(await ws.recv())
        if reply.get("type") != "registered":
            out("FAILED registration: " + json.dumps(reply))
            return 1
        out("PEER " + me)

        s = Session(ws, conn, me)
        if controlling:
            s.peer = args.offer_to
            s.session_id = str(uuid.uuid4())
            out(f"SESSION {s.session_id} controlling")
            await s.send("offer", s.description())
            await s.send("end-of-candidates", {})
        reader = asyncio.ensure_future(s.read(expect_offer=not controlling))

        async def ice():
            await s.remote_known  # connect() needs the remote ufrag/pwd; candidates may still trickle
            await conn.connect()

        checks = asyncio.ensure_future(ice())
        try:
            done, _ = await asyncio.wait({reader, checks}, timeout=args.timeout, return_when=asyncio.FIRST_COMPLETED)
            if checks not in done:
                if reader in done:
                    reader.result()  # raises the reason the signalling ended
                raise TimeoutError(f"no nominated pair within {args.timeout} s")
            checks.result()  # raises ConnectionError("ICE negotiation failed")
            role = "controlling" if conn.ice_controlling else "controlled"
            # aioice nominates every pair whose check succeeds while controlling (aggressive nomination)
            # and keeps the last one: list them all, best pair priority first (RFC 8445 8.1.1 says both
            # agents use the highest-priority nominated pair).
            for p in sorted((p for p in conn._check_list if p.nominated), reverse=True,
                            key=lambda p: aioice.ice.candidate_pair_priority(
                                p.local_candidate, p.remote_candidate, conn.ice_controlling)):
                out(f"NOMINATED {p.local_candidate.host}:{p.local_candidate.port} "
                    f"{p.remote_candidate.host}:{p.remote_candidate.port}")
            out(f"CONNECTED {nominated(conn)} {role}")
            # aioice keeps answering checks and, as controlling, nominates on every triggered check it
            # sends later: a late check from the peer can move its pair. Say which pair it ends on.
            await asyncio.sleep(args.linger)
            out(f"FINAL {nominated(conn)}")
            return 0
        finally:
            for t in (reader, checks):
                t.cancel()
            await conn.close()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as e:  # the test reads stdout; say what went wrong there
        out(f"FAILED {type(e).__name__}: {e}")
        sys.exit(1)
