"""What the CI templates' tests share (deploy/ci/): a real em-metrics server on a free port with
token auth and a temporary SQLite file, a git repository with commits, a PATH holding the built
binary, and the markdown snippets of docs/ci-client.md the tests run.

Run by ctest as `python3 tests/deploy/<name>_test.py <em-metrics binary>`."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "s3cret"
BINARY = None  # set by main()


class Server:
    """`em-metrics serve` on 127.0.0.1:0; stopped by its own PID. `env` adds to or replaces the
    defaults below (tests/deploy/compose_check.py runs it with the compose file's environment)."""

    def __init__(self, tmp, env=None, binary=None):
        self.log_path = os.path.join(tmp, "server.log")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOST": "127.0.0.1", "PORT": "0",
               "SQLITE_DB": os.path.join(tmp, "em.db"), "EM_METRICS_TOKEN_AUTH": TOKEN,
               "EM_METRICS_LOG_LEVEL": "info", **(env or {})}
        self.token = env["EM_METRICS_TOKEN_AUTH"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([binary or BINARY, "serve"], env=env, cwd=tmp,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = re.search(r'"msg":"listening".*"port":([0-9]+)', self.log())
            if m:
                self.url = "http://127.0.0.1:" + m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        self.stop()
        raise RuntimeError("em-metrics did not start:\n" + self.log())

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGKILL):
        """SIGTERM lets the server finish as in production (its last OTLP push included)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def get(self, path):
        """(status, JSON body or None) of an authenticated GET."""
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": "Token " + self.token})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, None


def git_repo(path):
    """A repository with two commits at known committer times; returns the head's sha."""
    os.makedirs(path)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    run = lambda *a, **kw: subprocess.run(["git", *a], cwd=path, check=True, env={**env, **kw},
                                          stdout=subprocess.PIPE, text=True).stdout.strip()
    run("init", "-q")
    for n, when in ((1, "2026-03-01T09:00:00Z"), (2, "2026-03-02T10:30:00Z")):
        with open(os.path.join(path, "f"), "w") as f:
            f.write(str(n))
        run("add", "f")
        run("commit", "-q", "-m", "c%d" % n, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return run("rev-parse", "HEAD")


def markdown_block(path, marker):
    """The fenced code block that follows `<!-- marker -->` in a markdown file."""
    with open(os.path.join(SOURCE_DIR, path), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- %s -->\s*```[a-z]*\n(.*?)```" % re.escape(marker), text, re.S)
    if not m:
        raise AssertionError("no code block after <!-- %s --> in %s" % (marker, path))
    return m.group(1)


class CiTestCase(unittest.TestCase):
    """A server, a temporary directory and a bin/ directory with em-metrics in it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="emm-ci-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.server = Server(self.tmp)
        self.addCleanup(self.server.stop)
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        os.symlink(BINARY, os.path.join(self.bin, "em-metrics"))

    def base_env(self, with_binary=True):
        """A clean environment: the job's PATH (bin/ first when the binary is 'installed')."""
        path = "/usr/local/bin:/usr/bin:/bin"
        return {"PATH": (self.bin + ":" + path) if with_binary else path,
                "HOME": self.tmp, "LANG": "C.UTF-8"}

    def deployment(self, id):
        status, body = self.server.get("/api/v1/deployments/" + id)
        self.assertEqual(status, 200, "deployment %s not stored; server log:\n%s"
                         % (id, self.server.log()[-2000:]))
        return body


def main():
    global BINARY
    if len(sys.argv) < 2:
        sys.exit("usage: %s <em-metrics binary> [unittest args]" % sys.argv[0])
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(module="__main__", verbosity=2)
