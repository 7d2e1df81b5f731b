"""Sends a file through a TCP port (a p2p-node forward), half-closes, reads the echo until EOF and prints
'sent N sha256 H' and 'received M sha256 H2' so the test compares them. Exit 0 only if identical."""
import hashlib
import socket
import sys
import threading

def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.create_connection((host, port), timeout=300)
    sent = hashlib.sha256()
    total = [0]

    def send():
        with open(path, "rb") as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                s.sendall(chunk)
                sent.update(chunk)
                total[0] += len(chunk)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=send)
    t.start()
    got = hashlib.sha256()
    n = 0
    while True:
        data = s.recv(65536)
        if not data:
            break
        got.update(data)
        n += len(data)
    t.join()
    print("sent", total[0], "sha256", sent.hexdigest(), flush=True)
    print("received", n, "sha256", got.hexdigest(), flush=True)
    sys.exit(0 if (n == total[0] and got.digest() == sent.digest()) else 1)

if __name__ == "__main__":
    main()
