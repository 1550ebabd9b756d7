"""Signed Slack slash commands through `pacebot serve` at 50 concurrent clients, side by side with a
bare slack-bolt app that only acknowledges the same requests; prints a table, the ratio and JSON.

    python bench/slack_load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/pacebot_bench

Both servers run as their own processes (waitress, 16 threads); the load comes from this process over
keep-alive connections; a local stand-in for the Slack Web API (bench/slack_fake.py, its own process)
answers auth.test, users.info and the response_url posts. Latency is what Slack waits for: request sent
to acknowledgement received. For pacebot the run then waits for every answer to reach its response_url
and reports how long the person waited for it (request sent to answer posted).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Fake:
    """bench/slack_fake.py in its own process."""

    def __init__(self, token: str, users: int):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "slack_fake.py"), token, str(users)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        self.api_url = self.url + "/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def ask(self, line: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def arrivals(self) -> dict[str, float]:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            self.ask(f"dump {f.name}")
            return json.loads(Path(f.name).read_text())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)

SECRET = "bench-signing-secret"
TOKEN = "xoxb-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET" if path == "/healthz" else "POST", path)
            status = conn.getresponse().status
            conn.close()
            if status in (200, 401, 403, 404) and (path != "/healthz" or status == 200):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not come up")


def body(seq: int, reps: int, fake: Fake) -> str:
    user = f"UBENCH{seq % reps + 1}"
    return urlencode({
        "token": "verification-unused", "team_id": "T0PACE", "team_domain": "pace-bench",
        "channel_id": f"D{user}", "channel_name": "directmessage", "user_id": user, "user_name": user.lower(),
        "command": "/pace", "text": "me", "api_app_id": "A0PACE", "is_enterprise_install": "false",
        "response_url": fake.response_url(f"r{seq}"), "trigger_id": f"{seq}.{time.time_ns()}.bench"})


def load(port: int, total: int, concurrency: int, reps: int, fake: Fake, offset: int,
         rate: float | None = None, sent: dict | None = None) -> dict:
    """`total` requests from `concurrency` keep-alive clients; with `rate`, request n is sent no sooner
    than n/rate seconds after the start (an open-loop load that is the same for both servers)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                seq = next(counter, None)
            if seq is None:
                break
            if rate:
                delay = begin + seq / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            payload = body(seq + offset, reps, fake)
            ts = str(int(time.time()))
            sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{payload}".encode(), hashlib.sha256).hexdigest()
            started = time.perf_counter()
            if sent is not None:
                sent[f"r{seq + offset}"] = time.monotonic()  # the fake stamps arrivals with the same clock
            try:
                conn.request("POST", "/slack/events", payload, {
                    "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": sig})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    begin = started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": total, "errors": errors[0], "throughput_rps": round(total / wall, 1),
            "p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2), "p99_ms": round(cuts[98], 2)}


def answers(fake: Fake, sent: dict[str, float], timeout: float) -> dict:
    """Wait until every request's answer reached its response_url; how long people waited for them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = fake.arrivals()
        if all(name in arrived for name in sent):
            break
        time.sleep(1)
    waits = [(arrived[name] - at) * 1000 for name, at in sent.items() if name in arrived]
    if not waits:
        return {"answered": 0}
    cuts = statistics.quantiles(waits, n=100, method="inclusive")
    span = max(arrived[name] for name in sent if name in arrived) - min(sent.values())
    return {"answered": len(waits), "throughput_rps": round(len(waits) / span, 1), "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1), "p99_ms": round(cuts[98], 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database seeded by bench/seed.py")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--reps", type=int, default=10_000, help="Slack users UBENCH1..N (seeded)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--rate", type=float, help="requests per second for both servers (default: as fast as "
                        "the clients can send)")
    args = parser.parse_args(argv)
    from bench.machine import line, speed

    machine = speed()
    print(line(machine))
    fake = Fake(TOKEN, min(args.reps, 2000))
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "PACEBOT_DATABASE_URL": args.url, "PACEBOT_LOG_LEVEL": "ERROR", "SLACK_SEND_INTERVAL": "0"}
    for name in ("WECOM_CORP_ID", "DINGTALK_APP_KEY", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    bot_port, bare_port = free_port(), free_port()
    procs = [
        subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(bot_port)],
                         cwd=ROOT, env=env),
        subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_bolt.py"), str(bare_port)], cwd=ROOT, env=env),
    ]
    try:
        wait_ready(bot_port, "/healthz")
        wait_ready(bare_port, "/slack/events")
        results = {}
        for name, port in (("bare bolt (ack only)", bare_port), ("pacebot serve", bot_port)):
            warm: dict[str, float] = {}
            load(port, 200, args.concurrency, args.reps, fake, offset=10_000_000, sent=warm)
            if port == bot_port:
                answers(fake, warm, timeout=120)  # start from an empty queue
            sent: dict[str, float] = {}
            results[name] = load(port, args.requests, args.concurrency, args.reps, fake, offset=0, rate=args.rate,
                                 sent=sent)
        answered = answers(fake, sent, timeout=600)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        fake.close()
    bare, bot = results["bare bolt (ack only)"], results["pacebot serve"]
    ratio = {k: round(bot[k] / bare[k], 2) for k in ("p50_ms", "p95_ms", "p99_ms")}
    print(f"{'server':<22}{'req':>6}{'err':>5}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, r in results.items():
        print(f"{name:<22}{r['requests']:>6}{r['errors']:>5}{r['throughput_rps']:>9}{r['p50_ms']:>9}"
              f"{r['p95_ms']:>9}{r['p99_ms']:>9}")
    print(f"pacebot / bare latency: p50 {ratio['p50_ms']}x, p95 {ratio['p95_ms']}x, p99 {ratio['p99_ms']}x "
          f"(bar: 1.5x) at {args.concurrency} concurrent clients")
    if answered.get("answered"):
        print(f"pacebot's answers: {answered['answered']} of {args.requests} posted to their response_url, "
              f"{answered['throughput_rps']}/s; request to answer p50 {answered['p50_ms']} ms, "
              f"p95 {answered['p95_ms']} ms, p99 {answered['p99_ms']} ms")
    out = {"concurrency": args.concurrency, "rate": args.rate, "machine": machine, "results": results, "ratio": ratio,
           "answers": answered}
    print(json.dumps(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
