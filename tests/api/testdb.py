"""testdb.py — the test database of a suite, on SQLite or on PostgreSQL, and a small way to read and write it.

Every runner that builds a council and starts `hearth serve` takes its database from here, so the same runner
works on both back ends:

    import testdb
    db = testdb.council(tmp, "signin")          # a path in tmp, or a fresh PostgreSQL database's address
    subprocess.run([hearth, "demo", "--db", db, ...])
    con = testdb.connect(db)                     # sqlite3.Connection, or the same few methods over psql
    con.execute("UPDATE app_user SET totp_secret = NULL WHERE id = ?", (4,))
    trail = testdb.connect(testdb.trail(db))     # the audit trail: its own file beside SQLite's, a table on PG
    subprocess.run([hearth, "audit", "verify", "--db", db, "--public-key", testdb.pubkey(db)])
    print("%s: %d passed, %d failed" % (testdb.suite("signin"), passed, failed))

The back end is PostgreSQL when HEARTH_TEST_BACKEND=postgres, under script/with-postgres (which sets
HEARTH_TEST_PG to a throwaway cluster's address); otherwise SQLite. On PostgreSQL each council() is a database
of its own on that cluster (dropped and made again), and HEARTH_AUDIT_DIR is set to a directory of its own in
tmp for the trail's keys and checkpoints (src/audit/README.md), so a runner works on one council at a time.

The PostgreSQL connection runs each statement through `psql` (the Python standard library has no PostgreSQL
client), one psql process kept open per database. Values are bound as SQL literals (`?` or `:name`, as sqlite3
takes them); each row comes back as `row_to_json`, so integers stay integers, NULL is None, text is text and a
boolean is 1 or 0, as from sqlite3. Each statement commits on its own; commit() and rollback() do nothing. An
INSERT's lastrowid is its row's `id` column. SQL that only SQLite understands fails loudly with PostgreSQL's
message (DatabaseError): write what both back ends read the same way.
"""
import atexit
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from urllib.parse import urlsplit, urlunsplit

ON_PG = os.environ.get("HEARTH_TEST_BACKEND") == "postgres"


def suite(name):
    """The name a runner prints its counts under: NAME on SQLite, NAME_pg on PostgreSQL."""
    return name + "_pg" if ON_PG else name


def _with_dbname(url, name):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def council(tmp, name):
    """Where a new council goes: tmp/NAME.db on SQLite; on PostgreSQL the empty database hearth_NAME on the
    HEARTH_TEST_PG cluster, with HEARTH_AUDIT_DIR set to tmp/audit-NAME (made empty)."""
    if not ON_PG:
        return os.path.join(tmp, name + ".db")
    base = os.environ.get("HEARTH_TEST_PG")
    if not base:
        raise SystemExit("HEARTH_TEST_BACKEND=postgres needs HEARTH_TEST_PG: run under script/with-postgres")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError("council name must be lowercase letters, digits and _: %r" % name)
    dbname = "hearth_" + name
    _end_sessions(dbname)
    _psql(base, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname)
    _psql(base, "CREATE DATABASE %s" % dbname)
    audit = os.path.join(tmp, "audit-" + name)
    os.makedirs(audit, exist_ok=True)
    os.environ["HEARTH_AUDIT_DIR"] = audit
    return _with_dbname(base, dbname)


def copy(db, tmp, name):
    """A copy of council db (data, trail and the trail's files) as a new council NAME, taken while a server may
    be running on db; returns its address. On PostgreSQL HEARTH_AUDIT_DIR then names the copy's directory
    (use() goes back)."""
    if not ON_PG:
        dest = os.path.join(tmp, name + ".db")
        for ext in ("", ".audit"):
            src = sqlite3.connect(db + ext)
            dst = sqlite3.connect(dest + ext)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
        for ext in (".audit-key", ".audit-pubkey", ".audit-signing-key", ".audit-checkpoints", ".research-key"):
            if os.path.exists(db + ext):
                shutil.copy2(db + ext, dest + ext)
        return dest
    src_dir = os.environ["HEARTH_AUDIT_DIR"]
    dest = council(tmp, name)
    dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", db], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if dump.returncode != 0:
        raise DatabaseError("pg_dump: " + dump.stderr.decode().strip())
    load = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dest], input=dump.stdout,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if load.returncode != 0:
        raise DatabaseError("loading the copy: " + load.stderr.decode().strip())
    for f in os.listdir(src_dir):
        shutil.copy2(os.path.join(src_dir, f), os.path.join(os.environ["HEARTH_AUDIT_DIR"], f))
    return dest


def where(tmp, name):
    """The address of the council NAME that council(tmp, NAME) made."""
    if not ON_PG:
        return os.path.join(tmp, name + ".db")
    return _with_dbname(os.environ["HEARTH_TEST_PG"], "hearth_" + name)


def absent(tmp, name):
    """Where a council NAME would be, made sure not to be there (a path, or a database the cluster lacks)."""
    if not ON_PG:
        return os.path.join(tmp, name + ".db")
    dbname = "hearth_" + name
    _end_sessions(dbname)
    _psql(os.environ["HEARTH_TEST_PG"], "DROP DATABASE IF EXISTS %s WITH (FORCE)" % dbname)
    return _with_dbname(os.environ["HEARTH_TEST_PG"], dbname)


def exists(db):
    """Whether the council db is there: its file, or its database on the cluster."""
    if not ON_PG:
        return os.path.exists(db)
    name = urlsplit(db).path.lstrip("/")
    return _psql(os.environ["HEARTH_TEST_PG"], "SELECT count(*) FROM pg_database WHERE datname = %s"
                 % literal(name)).strip() == "1"


def use(db):
    """Make db's trail files the ones commands find (PostgreSQL: HEARTH_AUDIT_DIR back to db's directory, as
    council() or copy() left it for that database). Nothing to do on SQLite."""
    if ON_PG:
        name = urlsplit(db).path.lstrip("/")[len("hearth_"):]
        audit = os.path.join(os.path.dirname(os.environ["HEARTH_AUDIT_DIR"]), "audit-" + name)
        os.environ["HEARTH_AUDIT_DIR"] = audit


def trail(db):
    """Where db's audit trail is read: its own database file beside SQLite's, db itself on PostgreSQL."""
    return db if ON_PG else db + ".audit"


def pubkey(db):
    """The trail's public key file, for `hearth audit verify --public-key`."""
    return os.path.join(os.environ["HEARTH_AUDIT_DIR"], "hearth.audit-pubkey") if ON_PG else db + ".audit-pubkey"


def audit_file(db, suffix):
    """One of the trail's files (suffix "audit-key", "audit-checkpoints", ...) beside SQLite's, in
    HEARTH_AUDIT_DIR on PostgreSQL."""
    return os.path.join(os.environ["HEARTH_AUDIT_DIR"], "hearth." + suffix) if ON_PG else db + "." + suffix


def connect(db, timeout=30):
    """A connection to db: sqlite3's on SQLite, PgConnection on PostgreSQL."""
    if not ON_PG:
        return sqlite3.connect(db, timeout=timeout)
    return PgConnection(db)


def rows(db, sql, args=()):
    """All rows of sql with args bound, on a connection of its own."""
    con = connect(db)
    try:
        with con:
            return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ---- PostgreSQL through psql ----------------------------------------------------------------------------------

def _psql(url, text):
    """One statement through a psql of its own (for CREATE and DROP DATABASE, which need no open session)."""
    p = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", url, "-c", text], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise DatabaseError("%s\n  in: %s" % (p.stderr.strip(), text))
    return p.stdout


class _Session:
    """One psql process kept open on a database: a statement is written to it followed by a marker line
    carrying psql's ERROR and LAST_ERROR_MESSAGE variables, and its output read back up to the marker. A new
    process per statement cost 30-60 ms; the access matrix makes thousands."""

    MARK = "--hearth-test-end--"

    def __init__(self, url):
        self.url = url
        self.proc = subprocess.Popen(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=0", url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stderr = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def alive(self):
        return self.proc.poll() is None

    def run(self, text):
        """The output lines of text; DatabaseError with psql's message when it failed."""
        self.proc.stdin.write(("%s\n;\n\\echo %s :ERROR :LAST_ERROR_MESSAGE\n" % (text, self.MARK)).encode())
        self.proc.stdin.flush()
        lines = []
        while True:
            raw = self.proc.stdout.readline()
            if not raw:
                raise DatabaseError("psql ended: %s\n  in: %s" % ("".join(self.stderr[-5:]).strip(), text))
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith(self.MARK + " "):
                failed, _, message = line[len(self.MARK) + 1:].partition(" ")
                if failed == "true":
                    raise DatabaseError("%s\n  in: %s" % (message, text))
                return lines
            lines.append(line)

    def close(self):
        if self.alive():
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_SESSIONS = {}


def _session(url):
    s = _SESSIONS.get(url)
    if s is None or not s.alive():
        s = _SESSIONS[url] = _Session(url)
    return s


def _end_sessions(dbname=None):
    """Close the kept psql sessions (those on database dbname only, when given)."""
    for url in list(_SESSIONS):
        if dbname is None or urlsplit(url).path.lstrip("/") == dbname:
            _SESSIONS.pop(url).close()


atexit.register(_end_sessions)


class DatabaseError(Exception):
    """psql refused a statement (the text is psql's message and the statement)."""


def literal(v):
    """v as a PostgreSQL literal: numbers bare, text quoted (standard_conforming_strings: only ' is doubled),
    bytes as bytea, None as NULL, booleans as 1 and 0 (as sqlite3 stores them)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    return "'" + str(v).replace("'", "''") + "'"


def bind(sql, args):
    """sql with each ? outside quotes replaced by the next value of args as a literal; or, when args is a dict,
    each :name (not a :: cast) by args[name], as sqlite3 binds them."""
    named = isinstance(args, dict)
    out, i, quote, k, n = [], 0, None, 0, len(sql)
    while k < n:
        ch = sql[k]
        if quote:
            if ch == quote:
                quote = None
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?" and not named:
            if i >= len(args):
                raise ValueError("fewer values than ? in: " + sql)
            out.append(literal(args[i]))
            i += 1
        elif ch == ":" and named and re.match(r"[A-Za-z_]", sql[k + 1:k + 2]) and sql[k - 1:k] != ":":
            name = re.match(r"[A-Za-z_]\w*", sql[k + 1:]).group(0)
            out.append(literal(args[name]))
            k += len(name)
        else:
            out.append(ch)
        k += 1
    if not named and i != len(args):
        raise ValueError("%d values for %d ? in: %s" % (len(args), i, sql))
    return "".join(out)


class PgCursor:
    def __init__(self, rows, lastrowid=None, describe=None):
        self._rows, self.lastrowid, self.rowcount = rows, lastrowid, len(rows)
        self._describe = describe

    @property
    def description(self):
        """(name, None, ...) per column, as sqlite3 gives it (asked of the server when first wanted)."""
        names = self._describe() if self._describe else []
        return [(n, None, None, None, None, None, None) for n in names]

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self):
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self):
        return iter(self.fetchall())


class PgConnection:
    """The part of sqlite3.Connection the suites use, over psql: execute, executemany, commit, close, `with`."""

    def __init__(self, url):
        self.url = url

    def execute(self, sql, args=()):
        text = bind(sql.strip().rstrip(";"), args if isinstance(args, dict) else tuple(args))
        head = text.lstrip("( \n\t").split(None, 1)[0].upper() if text.strip() else ""
        if head == "PRAGMA":  # SQLite's settings (foreign_keys and the like): PostgreSQL always enforces them
            return PgCursor([])
        returning = re.search(r"\bRETURNING\b", text, re.I) is not None
        insert = head == "INSERT" and not returning
        if head in ("SELECT", "WITH", "VALUES"):  # a query: each of its rows as JSON
            inner = text
            wrapped = "SELECT row_to_json(hearth_test_t) FROM (%s) hearth_test_t" % inner
        elif returning or insert:  # a change whose rows come back (an INSERT's for its id)
            inner = text + (" RETURNING *" if insert else "")
            wrapped = "WITH hearth_test_t AS (%s) SELECT row_to_json(hearth_test_t) FROM hearth_test_t" % inner
        else:
            inner = None
        if inner is not None:
            out = _session(self.url).run(wrapped)
            pairs = [json.loads(line, object_pairs_hook=list) for line in out if line]
            if insert:
                ids = [dict(p).get("id") for p in pairs]
                return PgCursor([], ids[-1] if ids else None)
            return PgCursor([tuple(int(v) if isinstance(v, bool) else v for _, v in p) for p in pairs],
                            describe=lambda: self._names(inner))
        _session(self.url).run(text)
        return PgCursor([])

    def _names(self, query):
        """The column names of query: its header, with psql's tuples-only mode off for one statement."""
        out = _session(self.url).run("\\pset tuples_only off\nSELECT * FROM (%s) hearth_test_t LIMIT 0;\n"
                                     "\\pset tuples_only on" % query)
        return out[0].split("|") if out else []

    def executemany(self, sql, seq):
        for args in seq:
            self.execute(sql, args)

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
