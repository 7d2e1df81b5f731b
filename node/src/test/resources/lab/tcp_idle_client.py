#!/usr/bin/env python3
"""Connects, checks an echo, stays silent for IDLE seconds, checks an echo again. Exit 0 if both came back.

usage: tcp_idle_client.py HOST PORT IDLE_SECONDS
"""
import socket
import sys
import time

host, port, idle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.create_connection((host, port), timeout=30)
s.settimeout(30)


def echo(word):
    s.sendall(word)
    got = b""
    while len(got) < len(word):
        chunk = s.recv(len(word) - len(got))
        if not chunk:
            break
        got += chunk
    return got == word


ok_before = echo(b"before")
time.sleep(idle)
ok_after = echo(b"after-the-idle-period")
print(f"before={ok_before} after={ok_after}")
sys.exit(0 if ok_before and ok_after else 1)
