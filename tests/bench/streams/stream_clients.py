#!/usr/bin/env python3
"""Opens --streams concurrent streaming chat requests to the gateway (--rate new ones per second),
reads each to its [DONE] and checks it: status 200, --expect content events. Prints one JSON line:
opened, completed, errors by reason, time to first event p50/p99 (ms). Touches --ready-file once
every stream has its first event (all are open) and removes it when the first one ends."""
import argparse
import asyncio
import json
import os
import time

result = {"opened": 0, "first_event": 0, "completed": 0, "errors": {}, "events": 0}
ttfe = []


def error(reason):
    result["errors"][reason] = result["errors"].get(reason, 0) + 1


async def read_body(reader, chunked):
    """Yields the body's bytes as they come."""
    if not chunked:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            yield data
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return
        yield await reader.readexactly(size)
        await reader.readexactly(2)


async def one_stream(args, body, state):
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", args.port, limit=1 << 20)
    except OSError as e:
        return error("connect: " + type(e).__name__)
    result["opened"] += 1
    try:
        writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s" % (args.key.encode(), len(body), body))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), args.timeout)
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            return error("status %d" % status)
        chunked = b"transfer-encoding: chunked" in head.lower()
        buf, events, done, first = b"", 0, False, False
        async for data in read_body(reader, chunked):
            buf += data
            while b"\n\n" in buf:
                ev, buf = buf.split(b"\n\n", 1)
                if not first:
                    first = True
                    ttfe.append(time.monotonic() - t0)
                    result["first_event"] += 1
                    state["first"] += 1
                    if state["first"] == args.streams:
                        open(args.ready_file, "w").close()
                if ev == b"data: [DONE]":
                    done = True
                elif ev.startswith(b"data: ") and b'"content":" tok' in ev:
                    events += 1
        result["events"] += events
        if not done:
            return error("no [DONE]")
        if events != args.expect:
            return error("events %d != %d" % (events, args.expect))
        result["completed"] += 1
    except asyncio.TimeoutError:
        error("timeout")
    except (asyncio.IncompleteReadError, ConnectionError) as e:
        error("cut: " + type(e).__name__)
    finally:
        if os.path.exists(args.ready_file) and not state["ended"]:
            os.unlink(args.ready_file)
        state["ended"] = True
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--model", default="slow")
    p.add_argument("--streams", type=int, default=10000)
    p.add_argument("--rate", type=float, default=500)
    p.add_argument("--expect", type=int, default=30)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--ready-file", required=True)
    args = p.parse_args()
    body = json.dumps({"model": args.model, "stream": True, "max_tokens": 64,
                       "messages": [{"role": "user", "content": "Count slowly, please."}]}).encode()
    state = {"first": 0, "ended": False}
    tasks = []
    start = time.monotonic()
    for i in range(args.streams):
        delay = start + i / args.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_stream(args, body, state)))
    await asyncio.gather(*tasks)
    ttfe.sort()
    q = lambda f: round(1000 * ttfe[min(len(ttfe) - 1, int(f * len(ttfe)))], 2) if ttfe else None
    result.update({"ttfe_p50_ms": q(0.5), "ttfe_p99_ms": q(0.99), "seconds": round(time.monotonic() - start, 1)})
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
