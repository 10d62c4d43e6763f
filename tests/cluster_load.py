#!/usr/bin/env python3
"""The cluster test's load and checks (started by tests/cluster.sh, which brings up PostgreSQL,
the S3 server and nginx). Starts two homedisk nodes, drives a bounded mixed load through the
load balancer, kills one node with SIGKILL in the middle and restarts it, then checks:

- every upload that was acknowledged (201) downloads byte-exact through either node;
- a logout through node B rejects the token on node A at once;
- a preview node B has just answered (from its grant cache) is refused by B within 1 s (the
  notification bound is milliseconds, docs/benchmarks.md) of a logout on node A;
- login limits hold across nodes;
- no 5xx for idempotent requests beyond the kill instant;
- the web pages (login form with CSRF, files, account, admin) work with one cookie on
  either node;
- `homedisk admin fsck` is clean at the end;
- with `HOMEDISK_TUSPY` (a Python with tuspy): a resumable upload started through the load
  balancer before the kill (its chunks land on both nodes) is resumed while node a is down,
  finished by node b, and downloads byte-exact through both nodes.

Standard library only. Prints its figures; exits 1 when a check fails.
"""

import hashlib
import http.client
import http.cookiejar
import json
import re
import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

LB = os.environ["CLUSTER_LB"]
NODES = {"a": int(os.environ["CLUSTER_PORT_A"]), "b": int(os.environ["CLUSTER_PORT_B"])}
BIN = os.environ["CLUSTER_BIN"]
WORK = os.environ["CLUSTER_WORK"]
SECONDS = float(os.environ.get("CLUSTER_SECONDS", "60"))
WORKERS = int(os.environ.get("CLUSTER_WORKERS", "6"))
PASSWORD = "correct horse battery"
TUSPY = os.environ.get("HOMEDISK_TUSPY")
TUS_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tus", "upload.py")

failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, flush=True)


def node_env(name):
    env = {k: v for k, v in os.environ.items() if k.startswith(("HOMEDISK_", "AWS_", "RUST_LOG"))}
    env["PATH"] = os.environ.get("PATH", "")
    env["HOMEDISK_BIND"] = f"127.0.0.1:{NODES[name]}"
    env["HOMEDISK_DATA_DIR"] = os.path.join(WORK, f"node-{name}")
    return env


def start_node(name):
    log = open(os.path.join(WORK, f"node-{name}.log"), "ab")
    proc = subprocess.Popen([BIN], env=node_env(name), stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if request("GET", f"http://127.0.0.1:{NODES[name]}/healthz", timeout=1)[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    sys.exit(f"node {name} did not start; see {WORK}/node-{name}.log")


def request(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def api(method, path, token=None, payload=None, base=LB, headers=None):
    h = dict(headers or {})
    body = None
    if token:
        h["Authorization"] = f"Bearer {token}"
    if payload is not None:
        body = json.dumps(payload).encode()
        h["Content-Type"] = "application/json"
    return request(method, base + path, body, h)


def multipart(name, data):
    boundary = "cluster-" + os.urandom(8).hex()
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def png(seed):
    """A small real PNG (64x48, RGB) whose pixels depend on seed."""
    rng = random.Random(seed)
    w, h = 64, 48
    rows = b"".join(b"\0" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.events = []  # (time, kind, method, status)
        self.uploads = []  # (id, sha256, token)

    def add(self, kind, method, status):
        with self.lock:
            self.events.append((time.time(), kind, method, status))


def worker(index, stats, stop):
    name = f"load{index}-{os.urandom(3).hex()}"
    status, body, _ = api("POST", "/api/v1/auth/register", payload={"username": name, "password": PASSWORD})
    stats.add("register", "POST", status)
    if status != 201:
        fail(f"register {name}: {status} {body[:200]!r}")
        return
    token = json.loads(body)["token"]
    rng = random.Random(index)
    mine = []
    images = []
    while not stop.is_set():
        op = rng.choices(["upload", "image", "list", "download", "preview"], [3, 1, 2, 3, 3])[0]
        try:
            if op in ("upload", "image") or not mine:
                data = png(rng.random()) if op == "image" else os.urandom(rng.randrange(1, 300_000))
                body, ctype = multipart(f"f{len(mine)}.{'png' if op == 'image' else 'bin'}", data)
                status, out, _ = request("POST", LB + "/api/v1/files", body,
                                         {"Authorization": f"Bearer {token}", "Content-Type": ctype})
                stats.add("upload", "POST", status)
                if status == 201:
                    item = json.loads(out)["items"][0]
                    entry = (item["id"], hashlib.sha256(data).hexdigest(), token)
                    mine.append(entry)
                    if op == "image":
                        images.append(item["id"])
                    with stats.lock:
                        stats.uploads.append(entry)
            elif op == "list":
                status, _, _ = api("GET", "/api/v1/files", token)
                stats.add("list", "GET", status)
            elif op == "download":
                fid, sha, _ = rng.choice(mine)
                status, out, _ = api("GET", f"/api/v1/files/{fid}/content", token)
                stats.add("download", "GET", status)
                if status == 200 and hashlib.sha256(out).hexdigest() != sha:
                    fail(f"download {fid}: bytes differ")
            elif op == "preview" and images:
                fid = rng.choice(images)
                status, out, _ = api("POST", f"/api/v1/files/{fid}/preview-url", token, {"size": "sm"})
                stats.add("preview-url", "POST", status)
                if status == 200:
                    url = json.loads(out)["url"]
                    status, _, _ = request("GET", LB + url)
                    stats.add("preview", "GET", status)
        except (OSError, http.client.HTTPException) as e:
            # A connection the killed node was answering: reset, or cut mid-body.
            stats.add(op, "POST" if op in ("upload", "image", "preview-url") else "GET", 0)
            print(f"worker {index}: {op}: {e}", flush=True)


def check_uploads(stats):
    verified = 0
    for fid, sha, token in stats.uploads:
        for node, port in NODES.items():
            status, out, _ = api("GET", f"/api/v1/files/{fid}/content", token, base=f"http://127.0.0.1:{port}")
            if status != 200 or hashlib.sha256(out).hexdigest() != sha:
                fail(f"acknowledged upload {fid} through node {node}: {status}")
            else:
                verified += 1
    return verified


class TusUpload:
    """tuspy's upload of a 20 MiB file in 1 MiB chunks with checksums (tests/tus/upload.py)."""

    def __init__(self):
        name = "tus-" + os.urandom(3).hex()
        status, body, _ = api("POST", "/api/v1/auth/register", payload={"username": name, "password": PASSWORD})
        if status != 201:
            sys.exit(f"registering {name}: {status} {body[:200]!r}")
        self.token = json.loads(body)["token"]
        self.path = os.path.join(WORK, "tus.bin")
        data = os.urandom((20 << 20) + 12345)
        self.sha = hashlib.sha256(data).hexdigest()
        with open(self.path, "wb") as f:
            f.write(data)
        self.store = os.path.join(WORK, "tus-urls.json")

    def run(self, phase):
        out = subprocess.run([TUSPY, TUS_SCRIPT, LB + "/api/v1/uploads", self.token, self.path, self.store, phase],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            fail(f"tuspy {phase}: {out.stderr[-800:]}")
            return {}
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"tuspy {phase}: {result}", flush=True)
        return result

    def check(self, resumed):
        """The finished file through each node; returns how many answered byte-exact."""
        fid = resumed.get("fileId")
        if not fid:
            fail(f"the resumed upload made no file: {resumed}")
            return 0
        if not resumed.get("resumedFrom"):
            fail(f"tuspy did not resume, it started over: {resumed}")
        good = 0
        for node, port in NODES.items():
            status, out, _ = api("GET", f"/api/v1/files/{fid}/content", self.token, base=f"http://127.0.0.1:{port}")
            if status != 200 or hashlib.sha256(out).hexdigest() != self.sha:
                fail(f"the resumed upload through node {node}: {status}, not the bytes sent")
            else:
                good += 1
        return good


def check_logout_everywhere():
    a, b = (f"http://127.0.0.1:{NODES[n]}" for n in ("a", "b"))
    name = "logout-" + os.urandom(3).hex()
    status, body, _ = api("POST", "/api/v1/auth/register", payload={"username": name, "password": PASSWORD}, base=a)
    token = json.loads(body)["token"]
    if api("GET", "/api/v1/me", token, base=a)[0] != 200:
        fail("fresh token refused on node A")
    if api("POST", "/api/v1/auth/logout", token, base=b)[0] != 204:
        fail("logout through node B")
    status = api("GET", "/api/v1/me", token, base=a)[0]
    if status != 401:
        fail(f"token logged out on node B still answers {status} on node A")
    return status


def check_preview_revocation():
    """Warms a preview on node B, logs its session out on node A, then asks B until it refuses:
    returns (seconds, previews B still answered after the logout)."""
    a, b = (f"http://127.0.0.1:{NODES[n]}" for n in ("a", "b"))
    name = "grant-" + os.urandom(3).hex()
    _, out, _ = api("POST", "/api/v1/auth/register", payload={"username": name, "password": PASSWORD}, base=a)
    token = json.loads(out)["token"]
    body, ctype = multipart("grant.png", png(name))
    _, out, _ = request("POST", a + "/api/v1/files", body, {"Authorization": f"Bearer {token}", "Content-Type": ctype})
    fid = json.loads(out)["items"][0]["id"]
    url = json.loads(api("POST", f"/api/v1/files/{fid}/preview-url", token, {"size": "sm"}, base=a)[1])["url"]
    if [request("GET", b + url)[0] for _ in range(3)] != [200] * 3:
        fail("preview through node B before the logout")
    api("POST", "/api/v1/auth/logout", token, base=a)
    logged_out, late = time.time(), 0
    while request("GET", b + url)[0] == 200 and time.time() - logged_out < 2:
        late += 1
    took = time.time() - logged_out
    if took > 1:
        fail(f"node B still answered the preview {took:.2f} s after a logout on node A")
    return took, late


def check_login_limits(per_minute):
    name = "limited-" + os.urandom(3).hex()
    api("POST", "/api/v1/auth/register", payload={"username": name, "password": PASSWORD},
        base=f"http://127.0.0.1:{NODES['a']}", headers={"X-Forwarded-For": "192.0.2.200"})
    statuses = []
    for i in range(per_minute + 2):
        node = "ab"[i % 2]
        # A different client address each time (the nodes trust 127.0.0.1 as a proxy), so
        # only the per-account limit can refuse.
        status, _, _ = api("POST", "/api/v1/auth/login", payload={"login": name, "password": "wrong password"},
                           base=f"http://127.0.0.1:{NODES[node]}", headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
        statuses.append(status)
    if statuses[:per_minute] != [401] * per_minute or statuses[per_minute:] != [429, 429]:
        fail(f"login limit of {per_minute} across two nodes: {statuses}")
    return statuses


def check_pages():
    """The first account is the administrator: log in through the balancer with the web form,
    then open the pages with that one cookie on each node directly."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(LB + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"login": "admin", "password": PASSWORD, "csrf_token": token}).encode()
    landed = browser.open(LB + "/login", data=form, timeout=30)
    if not landed.geturl().endswith("/files"):
        fail(f"web login through the balancer landed on {landed.geturl()}")
    seen = {}
    for node, port in NODES.items():
        for path in ("/files", "/account", "/admin", "/admin/users", "/admin/audit"):
            try:
                resp = browser.open(f"http://127.0.0.1:{port}{path}", timeout=30)
                status, url = resp.status, resp.geturl()
            except urllib.error.HTTPError as e:
                status, url = e.code, e.geturl()
            seen[f"{node}{path}"] = status
            if status != 200 or "/login" in url:
                fail(f"page {path} on node {node}: {status} at {url}")
    return seen


def fsck(cut_posts):
    """No row may lack its object. Objects without rows are allowed only from uploads the
    kill cut (bytes sent, row never committed: never acknowledged), at most one per cut POST;
    the operator's repair then removes them and a last check must be clean."""
    def run(*args):
        return subprocess.run([BIN, "admin", "fsck", *args], env=node_env("a"),
                              capture_output=True, text=True)
    first = run()
    missing = first.stdout.count("missing object:")
    orphans = first.stdout.count("orphan object:")
    if missing:
        fail(f"fsck: {missing} row(s) without their object:\n{first.stdout}")
    if orphans > cut_posts:
        fail(f"fsck: {orphans} orphan object(s), more than the {cut_posts} upload(s) the kill cut")
    run("--repair", "--grace-hours", "0")
    last = run()
    if last.returncode != 0:
        fail(f"fsck after the repair: {last.stdout} {last.stderr}")
    return missing, orphans, last.stdout.strip().splitlines()[-1] if last.stdout else last.stderr


def main():
    procs = {n: start_node(n) for n in NODES}
    # The first account of an instance is its administrator (used by check_pages).
    status, body, _ = api("POST", "/api/v1/auth/register", payload={"username": "admin", "password": PASSWORD})
    if status != 201:
        sys.exit(f"registering the administrator: {status} {body[:200]!r}")
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=worker, args=(i, stats, stop)) for i in range(WORKERS)]
    started = time.time()
    for t in threads:
        t.start()
    tus = TusUpload() if TUSPY else None
    if tus:
        tus.run("start")
    kill_at = started + SECONDS * 0.4
    time.sleep(max(0, kill_at - time.time()))
    procs["a"].send_signal(signal.SIGKILL)
    procs["a"].wait()
    killed = time.time()
    print(f"killed node a (SIGKILL) at {killed - started:.1f} s", flush=True)
    resumed = tus.run("resume") if tus else {}
    time.sleep(max(0, killed + SECONDS * 0.15 - time.time()))
    procs["a"] = start_node("a")
    print(f"node a back at {time.time() - started:.1f} s", flush=True)
    time.sleep(max(0, started + SECONDS - time.time()))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.time() - started

    by_kind = {}
    for _, kind, _, status in stats.events:
        by_kind.setdefault(kind, {}).setdefault(status, 0)
        by_kind[kind][status] += 1
    # Idempotent requests may fail only in the instant the node died (requests it had taken).
    late_5xx = [(t - started, k, s) for t, k, m, s in stats.events
                if m == "GET" and (s >= 500 or s == 0) and not (killed - 1 <= t <= killed + 2)]
    if late_5xx:
        fail(f"idempotent requests failed outside the kill instant: {late_5xx[:10]}")
    post_5xx = sum(1 for _, _, m, s in stats.events if m == "POST" and (s >= 500 or s == 0))

    verified = check_uploads(stats)
    logout_status = check_logout_everywhere()
    preview_took, preview_late = check_preview_revocation()
    pages = check_pages()
    limits = check_login_limits(int(os.environ.get("HOMEDISK_LOGIN_ATTEMPTS_PER_MINUTE", "10")))
    tus_good = tus.check(resumed) if tus else None
    missing, orphans, fsck_line = fsck(post_5xx)
    for p in procs.values():
        p.terminate()
        p.wait(timeout=15)

    print("\n== cluster test figures ==")
    print(f"load: {WORKERS} workers, {elapsed:.0f} s, {len(stats.events)} requests "
          f"({len(stats.events) / elapsed:.0f}/s), node a killed at {killed - started:.1f} s")
    for kind, statuses in sorted(by_kind.items()):
        print(f"  {kind:12} {dict(sorted(statuses.items()))}")
    print(f"acknowledged uploads: {len(stats.uploads)}, verified byte-exact through both nodes: {verified} "
          f"of {2 * len(stats.uploads)}")
    print(f"POSTs cut by the kill (5xx/reset, never acknowledged): {post_5xx}")
    print(f"GET failures outside the kill instant: {len(late_5xx)}")
    print(f"logout on node B, then node A answers: {logout_status}")
    print(f"logout on node A, then node B refuses a preview it had just answered after "
          f"{preview_took * 1000:.1f} ms ({preview_late} answered meanwhile)")
    print(f"login attempts alternating nodes: {limits}")
    if tus:
        print(f"resumable upload (tuspy) started on both nodes, resumed from byte "
              f"{resumed.get('resumedFrom')} with node a down: byte-exact through {tus_good} of 2 nodes")
    else:
        print("resumable upload across nodes: skipped (HOMEDISK_TUSPY not set)")
    print(f"pages with one web session on both nodes: {sum(1 for s in pages.values() if s == 200)} of {len(pages)} answered 200")
    print(f"fsck after the load: {missing} missing object(s), {orphans} orphan object(s) "
          f"(bytes of cut uploads); after --repair: {fsck_line}")
    if failures:
        print(f"\n{len(failures)} check(s) failed")
        sys.exit(1)
    print("\nall cluster checks passed")


if __name__ == "__main__":
    main()
