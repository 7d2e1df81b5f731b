#!/usr/bin/python3
"""NAT behaviour probe for the NAT lab tests (RFC 4787 terms).

server mode:  natprobe.py server IP1,IP2 PORT1,PORT2
    Binds a UDP socket on every IP x PORT. A datagram "REPLY <fromIp|-> <fromPort|-> <tag>"
    makes the server answer "<tag> <observed-src-ip>:<observed-src-port>" to the sender's
    observed address, from the socket (fromIp, fromPort) ('-' = the socket that received it).
    "ECHO ..." is sent back verbatim from the receiving socket.
    Prints "READY" once all sockets are bound.

client mode:  natprobe.py client IP1 IP2 PORT1 PORT2 LOCALPORT
    Prints key=value lines describing mapping and filtering behaviour as seen from behind the NAT.

rtt mode:     natprobe.py rtt IP PORT COUNT [TIMEOUT_S]
    Sends COUNT ECHO datagrams one after another, prints "rtt_ms=<v>" per reply (ms, float)
    or "rtt_ms=lost".

punch mode:   natprobe.py punch LOCALPORT REMOTE_IP REMOTE_PORT COUNT GAP_MS
    Hole punching: sends COUNT "PUNCH" datagrams GAP_MS apart to REMOTE from LOCALPORT while
    collecting whatever arrives, until 0.5 s after the last; prints received=, from=.

burst mode:   natprobe.py burst IP PORT COUNT GAP_MS WAIT_S
    Sends COUNT numbered ECHO datagrams GAP_MS apart, collects replies until WAIT_S after the
    last one, prints sent=, received=, in_order=true|false, min_ms=, max_ms=.
"""
import socket, sys, time, select

def send(sock, data, dst):
    try:
        sock.sendto(data, dst)
    except OSError as e:  # e.g. no route back to an un-NATed private source: not the server's problem
        print("send to %s failed: %s" % (dst, e), file=sys.stderr, flush=True)

def server(ips, ports):
    socks = {}
    for ip in ips:
        for p in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((ip, p))
            socks[(ip, p)] = s
    print("READY", flush=True)
    by_fd = {s.fileno(): (k, s) for k, s in socks.items()}
    while True:
        r, _, _ = select.select([s for s in socks.values()], [], [])
        for s in r:
            try:
                data, src = s.recvfrom(2048)
            except OSError:
                continue
            words = data.decode(errors="replace").split()
            if not words:
                continue
            if words[0] == "ECHO":
                send(s, data, src)
            elif words[0] == "REPLY" and len(words) == 4:
                here = s.getsockname()
                fip = here[0] if words[1] == "-" else words[1]
                fport = here[1] if words[2] == "-" else int(words[2])
                out = socks.get((fip, fport))
                if out is not None:
                    send(out, ("%s %s:%d" % (words[3], src[0], src[1])).encode(), src)

def ask(sock, dst, frm_ip, frm_port, tag, wait=0.4, tries=1):
    """Sends REPLY and returns (from-address, observed-mapping) of the answer, or (None, None)."""
    msg = ("REPLY %s %s %s" % (frm_ip, frm_port, tag)).encode()
    for _ in range(tries):
        sock.sendto(msg, dst)
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([sock], [], [], left)
            if not r:
                break
            data, src = sock.recvfrom(2048)
            words = data.decode(errors="replace").split()
            if len(words) == 2 and words[0] == tag:
                return "%s:%d" % src, words[1]
    return None, None

def client(ip1, ip2, p1, p2, lport):
    out = []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", lport))
    A1, A2, B1, B2 = (ip1, p1), (ip1, p2), (ip2, p1), (ip2, p2)
    # 1. mapping towards the primary endpoint (retried: the first packet may meet cold links)
    _, m = ask(s, A1, "-", "-", "m_a1", wait=0.5, tries=4)
    out.append("map_a1=%s" % m)
    # 2. filtering: only A1 has been contacted; ask A1 to answer from other endpoints
    src, _ = ask(s, A1, ip1, p2, "f_port", wait=0.5)
    out.append("filter_port_change=%s" % ("open" if src else "blocked"))
    src, _ = ask(s, A1, ip2, p1, "f_addr", wait=0.5)
    out.append("filter_addr_change=%s" % ("open" if src else "blocked"))
    # 3. mapping towards the other endpoints
    for name, dst in (("a2", A2), ("b1", B1), ("b2", B2)):
        _, m = ask(s, dst, "-", "-", "m_" + name, wait=0.5, tries=4)
        out.append("map_%s=%s" % (name, m))
    s.close()
    # 4. the conntrack trap: an unsolicited packet from A1 reaching the public port before
    #    the host ever sends to A1 must not change the mapping the host later gets towards A1.
    t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t.bind(("0.0.0.0", lport + 1))
    _, mb = ask(t, B2, "-", "-", "t_b2", wait=0.5, tries=4)
    src, _ = ask(t, B2, ip1, p1, "t_unsolicited", wait=0.5)
    _, ma = ask(t, A1, "-", "-", "t_a1", wait=0.5, tries=4)
    out.append("trap_unsolicited=%s" % ("open" if src else "blocked"))
    out.append("trap_map_before=%s" % mb)
    out.append("trap_map_after=%s" % ma)
    t.close()
    print("\n".join(out), flush=True)

def burst(ip, port, count, gap, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent_at = {}
    got = []
    rtts = []
    def drain():
        while True:
            try:
                data, _ = s.recvfrom(2048)
            except BlockingIOError:
                return
            w = data.decode(errors="replace").split()
            if len(w) == 2 and w[0] == "ECHO" and int(w[1]) in sent_at:
                got.append(int(w[1]))
                rtts.append((time.perf_counter() - sent_at[int(w[1])]) * 1000.0)
    for i in range(count):
        sent_at[i] = time.perf_counter()
        s.sendto(("ECHO %d" % i).encode(), (ip, port))
        drain()
        time.sleep(gap / 1000.0)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        drain()
    print("sent=%d" % count)
    print("received=%d" % len(got))
    print("in_order=%s" % ("true" if got == sorted(got) else "false"))
    print("min_ms=%.3f" % (min(rtts) if rtts else -1))
    print("max_ms=%.3f" % (max(rtts) if rtts else -1), flush=True)

def punch(lport, rip, rport, count, gap):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", lport))
    s.setblocking(False)
    received = 0
    sources = set()
    end = None
    i = 0
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if i < count and now >= next_send:
            try:
                s.sendto(b"PUNCH %d" % i, (rip, rport))
            except OSError:
                pass
            i += 1
            next_send = now + gap / 1000.0
            if i == count:
                end = now + 0.5
        if end is not None and now >= end:
            break
        wake = next_send if i < count else end
        select.select([s], [], [], max(0.0, wake - time.monotonic()))
        while True:
            try:
                data, src = s.recvfrom(2048)
            except (BlockingIOError, ConnectionRefusedError):
                break
            if data.startswith(b"PUNCH"):
                received += 1
                sources.add("%s:%d" % src)
    print("received=%d" % received)
    print("from=%s" % ",".join(sorted(sources)), flush=True)

def rtt(ip, port, count, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    for i in range(count):
        t0 = time.perf_counter()
        s.sendto(("ECHO %d" % i).encode(), (ip, port))
        try:
            while True:
                data, _ = s.recvfrom(2048)
                if data.decode() == "ECHO %d" % i:
                    break
            print("rtt_ms=%.3f" % ((time.perf_counter() - t0) * 1000.0), flush=True)
        except socket.timeout:
            print("rtt_ms=lost", flush=True)

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "server":
        server(sys.argv[2].split(","), [int(p) for p in sys.argv[3].split(",")])
    elif mode == "client":
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    elif mode == "rtt":
        rtt(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
            float(sys.argv[5]) if len(sys.argv) > 5 else 1.0)
    elif mode == "punch":
        punch(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
              float(sys.argv[6]))
    elif mode == "burst":
        burst(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
              float(sys.argv[6]))
    else:
        sys.exit("unknown mode " + mode)
