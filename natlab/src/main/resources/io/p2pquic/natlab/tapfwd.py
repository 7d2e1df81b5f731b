#!/usr/bin/python3
"""NAT lab delay forwarder: joins two TAP devices living in two network namespaces and
forwards Ethernet frames both ways, holding each frame for DELAY ms plus a uniform random
extra in [0, JITTER] ms. Order is preserved per direction (a frame never overtakes the one
before it), so jitter never reorders packets.

usage: tapfwd.py NS_A TAP_A NS_B TAP_B DELAY_MS JITTER_MS [--parent PID] [--detach] [--control FILE]

Both TAP devices must already exist (ip tuntap add ... mode tap). Each is opened from inside
its namespace (setns via libc, since Python 3.11 has no os.setns). Prints READY on stdout
once both are attached, then detaches stdout. With --parent, exits when that process dies
(a lab owned by a test JVM); with --detach, starts its own session so it outlives the
launcher and its terminal (a lab made by `natlab up`). With --control, SIGHUP makes it read
"DELAY_MS JITTER_MS" from FILE and use them for frames arriving from then on (a delay spike);
frames already held keep their due time, and order is still preserved.
Shipped inside the natlab jar and written to a temporary file at run time.
"""
import collections, ctypes, errno, fcntl, os, random, select, signal, struct, sys, time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


def open_tap(ns, ifname):
    enter_netns(ns)
    # /dev/net/tun binds the device lookup to the namespace current at open() time
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main(argv):
    ns_a, tap_a, ns_b, tap_b = argv[1:5]
    delay = float(argv[5]) / 1000.0
    jitter = float(argv[6]) / 1000.0
    parent = None
    control = None
    rest = argv[7:]
    while rest:
        opt = rest.pop(0)
        if opt == "--parent":
            parent = int(rest.pop(0))
        elif opt == "--detach":
            os.setsid()
        elif opt == "--control":
            control = rest.pop(0)
        else:
            sys.exit("unknown option " + opt)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cond = {"delay": delay, "jitter": jitter}

    def reread(*_):
        try:
            with open(control) as f:
                d, j = f.read().split()[:2]
            cond["delay"], cond["jitter"] = float(d) / 1000.0, float(j) / 1000.0
        except (OSError, ValueError) as e:
            print("control file %s: %s" % (control, e), file=sys.stderr, flush=True)

    if control is not None:
        signal.signal(signal.SIGHUP, reread)
    fd_a = open_tap(ns_a, tap_a)
    fd_b = open_tap(ns_b, tap_b)  # the process stays in ns_b (so `ip netns pids` finds it)
    print("READY", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the launcher may go away; never write to its pipe again

    # per direction: queue of (due, frame) and the last due time (order preservation)
    queues = {fd_a: collections.deque(), fd_b: collections.deque()}
    last_due = {fd_a: 0.0, fd_b: 0.0}
    other = {fd_a: fd_b, fd_b: fd_a}
    ep = select.epoll()
    ep.register(fd_a, select.EPOLLIN)
    ep.register(fd_b, select.EPOLLIN)
    uniform = random.uniform
    clock = time.monotonic
    next_parent_check = clock() + 1.0
    while True:
        now = clock()
        timeout = 1.0
        for q in queues.values():
            if q:
                timeout = min(timeout, q[0][0] - now)
        events = ep.poll(max(timeout, 0.0)) if timeout > 0 else ep.poll(0)
        now = clock()
        for fd, _ in events:
            out = other[fd]
            q = queues[out]
            while True:
                try:
                    frame = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EINTR):
                        break
                    raise
                if not frame:
                    break
                delay, jitter = cond["delay"], cond["jitter"]
                due = now + delay + (uniform(0.0, jitter) if jitter > 0 else 0.0)
                if due < last_due[out]:
                    due = last_due[out]
                last_due[out] = due
                q.append((due, frame))
        now = clock()
        for out, q in queues.items():
            while q and q[0][0] <= now:
                _, frame = q.popleft()
                try:
                    os.write(out, frame)
                except OSError:
                    pass  # device down or full: the frame is lost, like on a wire
        if parent is not None and now >= next_parent_check:
            next_parent_check = now + 1.0
            if os.getppid() != parent:
                return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
