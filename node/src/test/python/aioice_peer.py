#!/usr/bin/python3
"""A remote ICE agent nobody here wrote: aioice (Debian python3-aioice) behind our rendezvous.

It registers with the rendezvous exactly as docs/signalling.md says (Ed25519 key, signed nonce),
then either offers to --offer-to PEER_ID (aioice controlling) or waits for an offer (aioice
controlled), exchanges PeerDescription bodies ({"ufrag","pwd","candidates":[sdp],"complete"}) and
runs ICE. Lines on stdout, for the test to read:
  PEER <peer id>             after registration
  CONNECTED <local> <remote> the pair aioice nominated/selected
  FAILED <reason>
It stays up --linger seconds after connecting so consent checks keep being answered.
"""
import argparse
import asyncio
import base64
import hashlib
import json
import sys

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


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rendezvous", required=True)
    ap.add_argument("--offer-to")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--linger", type=float, default=3)
    args = ap.parse_args()

    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    me = peer_id(raw)
    controlling = args.offer_to is not None
    conn = aioice.Connection(ice_controlling=controlling, components=1, use_ipv6=False)

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

        async def description():
            await conn.gather_candidates()
            return {"ufrag": conn.local_username, "pwd": conn.local_password,
                    "candidates": [c.to_sdp() for c in conn.local_candidates], "complete": True}

        async def receive(kind):
            while True:
                m = json.loads(await ws.recv())
                if m.get("type") == kind:
                    return m
                if m.get("type") == "error":
                    raise RuntimeError(json.dumps(m))

        async def apply(body):
            conn.remote_username = body["ufrag"]
            conn.remote_password = body["pwd"]
            for sdp in body["candidates"]:
                if sdp.startswith("candidate:"):
                    sdp = sdp[len("candidate:"):]
                c = aioice.Candidate.from_sdp(sdp)
                if ":" not in c.host:  # IPv4 only, as configured
                    await conn.add_remote_candidate(c)
            await conn.add_remote_candidate(None)

        if controlling:
            await ws.send(json.dumps({"type": "offer", "id": "o1", "to": args.offer_to, "body": await description()}))
            answer = await receive("answer")
            await apply(answer["body"])
        else:
            offer = await receive("offer")
            await apply(offer["body"])
            await ws.send(json.dumps({"type": "answer", "id": "a1", "to": offer["from"], "body": await description()}))

        await asyncio.wait_for(conn.connect(), args.timeout)
        pair = conn._nominated.get(1)
        local = f"{pair.local_candidate.host}:{pair.local_candidate.port}" if pair else "?"
        remote = f"{pair.remote_candidate.host}:{pair.remote_candidate.port}" if pair else "?"
        out(f"CONNECTED {local} {remote}")
        await asyncio.sleep(args.linger)
        await conn.close()
        return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as e:  # the test reads stdout; say what went wrong there
        out(f"FAILED {type(e).__name__}: {e}")
        sys.exit(1)
