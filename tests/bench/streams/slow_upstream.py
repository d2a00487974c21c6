#!/usr/bin/env python3
"""A slow OpenAI-style streaming upstream for the open-streams benchmark: every POST is answered
with an SSE stream of --chunks content events, one every --interval seconds, then a usage event
and [DONE] (chunked transfer encoding, keep-alive). asyncio, so that 10,000 open streams cost it
little. Writes its port to --port-file; /stats answers the counts as JSON."""
import argparse
import asyncio
import json
import os

stats = {"open": 0, "streams": 0, "completed": 0, "chunks": 0, "cut": 0}


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def event(obj) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def delta(i, content, finish=None):
    return {"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": 1741569952, "model": "slow-1",
            "choices": [{"index": 0, "delta": {"content": content} if content is not None else {},
                         "finish_reason": finish}]}


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head.split(b"\r\n", 1)[0], body


async def serve(reader, writer, args):
    try:
        while True:
            line, _ = await read_request(reader)
            if line.startswith(b"GET /stats"):
                body = json.dumps(stats).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
                continue
            stats["streams"] += 1
            stats["open"] += 1
            try:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                writer.write(chunk(event(delta(0, ""))))
                await writer.drain()
                for i in range(args.chunks):
                    await asyncio.sleep(args.interval)
                    writer.write(chunk(event(delta(i, " tok%d" % i))))
                    await writer.drain()
                    stats["chunks"] += 1
                writer.write(chunk(event(delta(0, None, "stop"))))
                usage = {"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": 1741569952,
                         "model": "slow-1", "choices": [],
                         "usage": {"prompt_tokens": 20, "completion_tokens": args.chunks,
                                   "total_tokens": 20 + args.chunks}}
                writer.write(chunk(event(usage)))
                writer.write(chunk(b"data: [DONE]\n\n"))
                writer.write(b"0\r\n\r\n")
                await writer.drain()
                stats["completed"] += 1
            finally:
                stats["open"] -= 1
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    except Exception:  # noqa: BLE001 - a broken client only ends its own stream
        stats["cut"] += 1
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--chunks", type=int, default=30)
    p.add_argument("--interval", type=float, default=1.0)
    args = p.parse_args()
    server = await asyncio.start_server(lambda r, w: serve(r, w, args), "127.0.0.1", args.port, backlog=16384,
                                        limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, args.port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
