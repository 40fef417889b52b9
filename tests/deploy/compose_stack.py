"""The compose stack as docker-compose resolves it, for tests/deploy/compose_check.py and
compose_run.py: services, mounts, ports, environments, and the Failed/need of their checks."""
import os, shutil, subprocess, sys, tempfile, urllib.error, urllib.parse, urllib.request

try:
    import yaml
except ImportError:  # a python3 of its own (pyenv) first on PATH: Debian's has python3-yaml
    if sys.executable != '/usr/bin/python3' and os.path.exists('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3'] + sys.argv)
    sys.exit('tests/deploy: python3-yaml is missing (make test-deps installs it)')


class Failed(Exception):
    pass


def need(cond, message):
    if not cond:
        raise Failed(message)


class Stack:
    """The compose file as docker-compose resolved it, and helpers over it."""

    def __init__(self, root):
        self.root = root
        self.dir = os.path.join(root, 'deploy', 'compose')
        self.file = os.path.join(self.dir, 'docker-compose.yml')
        self.config = None

    def compose(self, *args, env_file=None):
        cmd = ['docker-compose']
        if env_file:
            cmd += ['--env-file', env_file]
        cmd += ['-f', self.file] + list(args)
        # The compose file's own defaults, not whatever the caller's shell exports.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('EM_METRICS_', 'GRAFANA_', 'COMPOSE_'))
               and k not in ('BIND_ADDRESS', 'PROMETHEUS_RETENTION')}
        return subprocess.run(cmd, capture_output=True, text=True, env=env)

    def service(self, name):
        return self.config['services'][name]

    def mounts(self, name):
        """[(host source or volume name, container target, is_bind)] of a service."""
        out = []
        for v in self.service(name).get('volumes', []):
            if isinstance(v, dict):
                src, dst, bind = v.get('source'), v['target'], v.get('type') == 'bind'
            else:
                parts = v.split(':')
                src, dst = parts[0], parts[1]
                bind = src.startswith('/')
            out.append((src, dst, bind))
        return out

    def materialize(self, name, fake_root):
        """Copies a service's bind mounts under fake_root at their container paths."""
        for src, dst, bind in self.mounts(name):
            if bind:
                os.makedirs(os.path.dirname(fake_root + dst), exist_ok=True)
                (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, fake_root + dst)

    def source_of(self, name, target):
        for src, dst, bind in self.mounts(name):
            if bind and dst == target:
                return src
        return None

    def container_ports(self, name):
        ports = set()
        for p in self.service(name).get('ports', []):
            text = p if isinstance(p, str) else str(p.get('target'))
            ports.add(int(text.split('/')[0].rsplit(':', 1)[-1]))
        return ports

    def env(self, name):
        e = self.service(name).get('environment', {})
        if isinstance(e, list):
            e = dict(x.split('=', 1) for x in e)
        return {k: '' if v is None else str(v) for k, v in e.items()}

    def command(self, name):
        c = self.service(name).get('command', [])
        return c.split() if isinstance(c, str) else list(c)

    def flag(self, name, flag):
        """The value of --flag=value in a service's command, or None."""
        for a in self.command(name):
            if a.startswith(flag + '='):
                return a.split('=', 1)[1]
        return None

    def check_service_url(self, url, service, what):
        """url names a service of the stack and a port its container listens on."""
        u = urllib.parse.urlsplit(url)
        need(u.hostname == service, f'{what}: {url} does not name the {service} service')
        need(u.port in self.container_ports(service) or (u.port is None and 80 in
             self.container_ports(service)),
             f'{what}: {url}: port {u.port} is not a port of {service} '
             f'({sorted(self.container_ports(service))})')
        return u


# --- the checks ---
def resolve(stack):
    with tempfile.NamedTemporaryFile('w', suffix='.env') as empty:
        r = stack.compose('config', env_file=empty.name)
    need(r.returncode == 0, 'docker-compose config refused the file:\n' + r.stderr.strip())
    stack.config = yaml.safe_load(r.stdout)

def http_get(url, token=None, body=None):
    headers = {'Authorization': f'Token {token}'} if token else {}
    if body is not None:
        headers['Content-Type'] = 'application/json'
    req = urllib.request.Request(url, headers=headers, data=body)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
