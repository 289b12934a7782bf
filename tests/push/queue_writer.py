"""A child process for the crash test: puts and deletes queue batches until it is killed.

Every payload carries its sequence number and a SHA-256 of its body, so the parent can tell an
intact batch from a torn one. One line on stdout after each commit: `put SEQ` or `del SEQ`.
"""

from __future__ import annotations

import hashlib
import random
import struct
import sys

from agent.push.queue import PushQueue

HEADER = struct.Struct(">Q32s")


def payload(seq: int) -> bytes:
    rng = random.Random(seq)
    words = [rng.choice((b"ifHCInOctets", b"node_cpu", b"device", b"x")) for _ in range(3000)]
    body = b" ".join(words) + rng.randbytes(rng.randrange(10, 20_000))
    return HEADER.pack(seq, hashlib.sha256(body).digest()) + body


def verify(data: bytes) -> int:
    """The payload's sequence number; ValueError if it is not intact."""
    seq, digest = HEADER.unpack_from(data)
    if hashlib.sha256(data[HEADER.size :]).digest() != digest:
        raise ValueError(f"batch {seq} is corrupt")
    return int(seq)


def main(directory: str, first_seq: int) -> None:
    queue = PushQueue(directory, max_bytes=2**40)
    seq = first_seq
    while True:
        queue.put(payload(seq), samples=seq, oldest_ms=seq, newest_ms=seq)
        print(f"put {seq}", flush=True)
        seq += 1
        if seq % 3 == 0:
            oldest = queue.oldest(1)[0]
            queue.delete([oldest.id])
            print(f"del {verify(oldest.protobuf())}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
