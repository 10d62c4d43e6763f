"""Rows and baselines for bench/search.sh (standard library only, plus the psql client).

  load-sqlite DB OWNER N FOLDER_ID_FILE         insert N files + 1 020 folders for OWNER
  load-pg URL OWNER N FOLDER_ID_FILE WORKDIR    the same through psql \\copy, then ANALYZE
  scan-sqlite DB OWNER QUERYSTRING REPS         seconds per LIKE '%q%' full scan, one a line
  scan-pg URL OWNER QUERYSTRING REPS            the same on PostgreSQL, index scans off

Names are deterministic (seeded) and realistic enough for a search: camera names, Chinese
names, accented ones, invoices, music, a rare "sunset beach". `name_key` is folded as
`files::name_key::fold` does (NFKD, accents dropped, lower case, NFKC).
"""

import csv
import datetime
import random
import re
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import uuid

ACCENTS = [(0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F)]


def fold(name):
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", name)
        if not any(lo <= ord(c) <= hi for lo, hi in ACCENTS)
    )
    return unicodedata.normalize("NFKC", stripped.lower())


# (weight, name pattern, mime); {n} is unique per file, {y} a year.
KINDS = [
    (30, "IMG_{n:06d}.jpg", "image/jpeg"),
    (10, "DSC{n:06d}.JPG", "image/jpeg"),
    (5, "家庭照片{y}-{n}.jpg", "image/jpeg"),
    (5, "旅行{n}.png", "image/png"),
    (5, "会议纪要 {n}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (2, "Résumé {n}.pdf", "application/pdf"),
    (8, "invoice-{y}-{n:06d}.pdf", "application/pdf"),
    (5, "report {y} Q{q} {n}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (8, "song {n}.mp3", "audio/mpeg"),
    (5, "clip {n}.mp4", "video/mp4"),
    (10, "notes {n}.txt", "text/plain"),
    (0.1, "sunset beach {n}.jpg", "image/jpeg"),
    (6.9, "misc {n}.bin", "application/octet-stream"),
]
TOP = ["Photos", "Documents", "Music", "Videos", "工作", "家庭", "Archive", "Backup", "Projects",
       "Téléchargements", "Scans", "Invoices", "School", "Travel", "旅行", "Phone", "Camera",
       "Shared", "Old", "Misc"]
SHA = "0" * 64
START = datetime.datetime(2021, 1, 1)


def rows(owner, n):
    """Yields (id, owner, parent, kind, name, size, mime, sha, created, modified, key)."""
    rng = random.Random(14)
    new_id = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
    stamp = lambda: (START + datetime.timedelta(seconds=rng.randrange(5 * 365 * 86400),
                                                microseconds=rng.randrange(10**6))
                     ).strftime("%Y-%m-%d %H:%M:%S.%f")
    folders = []
    for top in TOP:
        top_id = new_id()
        t = stamp()
        yield (top_id, owner, None, "folder", top, 0, None, None, t, t, fold(top))
        folders.append(top_id)
        for i in range(50):
            sub = f"{top} {2000 + i}" if i % 2 else f"Album {i}"
            sub_id = new_id()
            yield (sub_id, owner, top_id, "folder", sub, 0, None, None, t, t, fold(sub))
            folders.append(sub_id)
    weights = [k[0] for k in KINDS]
    for i in range(n):
        _, pattern, mime = rng.choices(KINDS, weights)[0]
        name = pattern.format(n=i, y=rng.randrange(2015, 2026), q=rng.randrange(1, 5))
        t = stamp()
        parent = rng.choice(folders) if rng.random() < 0.9 else None
        yield (new_id(), owner, parent, "file", name, 1, mime, SHA, t, t, fold(name))


COLUMNS = "id, owner_id, parent_id, kind, name, size, mime, blob_sha256, created_at, modified_at, name_key"


def documents_folder(owner, n):
    # The second top folder ("Documents"): the one the folder filter searches.
    return [r[0] for r in rows(owner, 0) if r[2] is None][1]


def load_sqlite(db, owner, n, folder_file):
    conn = sqlite3.connect(db, timeout=30)
    with conn:
        conn.execute("INSERT INTO blobs (sha256, size, refcount, created_at) VALUES (?, 1, ?, ?)",
                     (SHA, n, "2021-01-01 00:00:00"))
        conn.executemany(f"INSERT INTO files ({COLUMNS}) VALUES ({', '.join('?' * 11)})",
                         rows(owner, n))
    conn.close()
    open(folder_file, "w").write(documents_folder(owner, n))


def psql(url, *args, **kw):
    return subprocess.run(["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", *args],
                          check=True, capture_output=True, text=True, **kw).stdout


def load_pg(url, owner, n, folder_file, work):
    path = f"{work}/files.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows(owner, n))
    psql(url, "-c", f"INSERT INTO blobs (sha256, size, refcount, created_at) "
                    f"VALUES ('{SHA}', 1, {n}, '2021-01-01')")
    psql(url, "-c", f"\\copy files ({COLUMNS}) FROM '{path}' WITH (FORMAT csv)")
    psql(url, "-c", "ANALYZE files")
    open(folder_file, "w").write(documents_folder(owner, n))


def like_pattern(text):
    return "%" + re.sub(r"([%_\\])", r"\\\1", text) + "%"


def baseline_sql(qs, placeholder):
    """The search's filter as a LIKE scan, newest first, with its parameters."""
    p = {k: v[0] for k, v in urllib.parse.parse_qs(qs).items()}
    params = [like_pattern(fold(p["q"].strip()))]
    extra = ""
    if "type" in p:
        extra += " AND (mime = 'application/pdf' OR mime LIKE 'text/%' OR mime LIKE 'application/vnd.%')"
    if "folder" in p:
        extra += (" AND parent_id IN (WITH RECURSIVE tree (id) AS (SELECT CAST({0} AS TEXT) UNION ALL "
                  "SELECT c.id FROM files c JOIN tree t ON c.parent_id = t.id WHERE c.kind = 'folder') "
                  "SELECT id FROM tree)").format(placeholder(2))
        params.append(p["folder"])
    return (f"SELECT id FROM files {{hint}}WHERE owner_id = {placeholder(0)} AND trashed_at IS NULL "
            f"AND name_key LIKE {placeholder(1)} ESCAPE '\\'{extra} "
            f"ORDER BY modified_at DESC, id LIMIT 51"), params


def scan_sqlite(db, owner, qs, reps):
    sql, params = baseline_sql(qs, lambda i: f"?{i + 1}")
    sql = sql.replace("{hint}", "NOT INDEXED ")
    conn = sqlite3.connect(db)
    for _ in range(int(reps)):
        t = time.perf_counter()
        conn.execute(sql, [owner, *params]).fetchall()
        print(time.perf_counter() - t)


def scan_pg(url, owner, qs, reps):
    sql, params = baseline_sql(qs, lambda i: f"${i + 1}")
    sql = sql.replace("{hint}", "")
    values = ", ".join("'" + v.replace("'", "''") + "'" for v in [owner, *params])
    script = ("SET enable_indexscan = off; SET enable_bitmapscan = off; "
              "SET enable_indexonlyscan = off;\n"
              f"PREPARE q AS {sql};\n\\timing on\n" + f"EXECUTE q ({values});\n" * int(reps))
    out = psql(url, input=script)
    for ms in re.findall(r"Time: ([0-9.]+) ms", out):
        print(float(ms) / 1000)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"load-sqlite": lambda db, o, n, f: load_sqlite(db, o, int(n), f),
     "load-pg": lambda u, o, n, f, w: load_pg(u, o, int(n), f, w),
     "scan-sqlite": scan_sqlite,
     "scan-pg": scan_pg}[cmd](*args)
