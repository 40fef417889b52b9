#!/usr/bin/env python3
"""Checks the compose stack (deploy/compose/) with what a machine without an image registry has.

Usage: python3 tests/deploy/compose_check.py [--root DIR] [--binary PATH]

- Debian's docker-compose (1.29) validates docker-compose.yml (and each profile, if any) and
  resolves it; every later check reads that resolved form, so they judge what Compose would run.
- Every bind mount's source exists; third-party images carry a version tag; em-metrics is built
  from the repository's Dockerfile.
- Prometheus: its flags (remote-write and OTLP receivers), and `promtool check config` run on a
  copy of the container's /etc/prometheus made from the compose file's mounts, so the rule files
  prometheus.yml lists must be the ones mounted (promtool then checks the rules too).
- Grafana: the provisioning YAML parses; the data sources have the fixed uids and point at the
  services and ports of the compose file; the Infinity plugin is installed at a pinned version;
  the dashboards provider reads the directory the dashboards are mounted at; every dashboard is
  JSON naming only provisioned data source uids.
- Alloy (no Alloy here): config.alloy parses as Alloy syntax (blocks, attributes, references);
  every reference names a declared component; the pipeline runs from the OTLP receiver to
  prometheus.remote_write; its ports and URLs agree with the compose file.
- With --binary: the real em-metrics runs with the compose file's environment for it and the
  mounted teams file: it starts, /health answers, /api/v1/config returns the example teams with
  the stack's token, and the compose health check command passes against it.

Prints PASS/FAIL per check; exit 0 when all pass, 1 otherwise. --root points at a copy of the
repository (tests/deploy/compose_check_test.py breaks copies to show each check fails).
"""
import argparse, http.server, json, os, re, shutil, signal, socket, subprocess, sys, tempfile
import threading, time, urllib.error, urllib.parse, urllib.request

try:
    import yaml
except ImportError:  # a python3 of its own (pyenv) first on PATH: Debian's has python3-yaml
    if sys.executable != '/usr/bin/python3' and os.path.exists('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3'] + sys.argv)
    sys.exit('compose_check: python3-yaml is missing (make test-deps installs it)')

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alloy_syntax  # noqa: E402
import ci_harness  # noqa: E402 (its Server: em-metrics on a free port)

SERVICES = ('em-metrics', 'alloy', 'prometheus', 'grafana')
DATASOURCES = {'prometheus': 'prometheus', 'em-metrics-api': 'yesoreyeram-infinity-datasource'}
INFINITY = 'yesoreyeram-infinity-datasource'
PINNED = re.compile(r'^v?\d+\.\d+\.\d+$')


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


def check_compose_config(stack):
    resolve(stack)
    example = os.path.join(stack.dir, '.env.example')
    need(os.path.isfile(example), '.env.example is missing (docs/compose.md says to copy it)')
    r = stack.compose('config', '-q', env_file=example)
    need(r.returncode == 0, 'docker-compose config with .env.example refused:\n' + r.stderr.strip())
    profiles = sorted({p for s in stack.config['services'].values() for p in s.get('profiles', [])})
    for p in profiles:
        r = stack.compose('--profile', p, 'config', '-q')
        need(r.returncode == 0, f'docker-compose --profile {p} config refused:\n{r.stderr.strip()}')
    return f'docker-compose config: valid with defaults and .env.example; profiles: {profiles}'


def check_services_and_images(stack):
    names = set(stack.config['services'])
    need(set(SERVICES) <= names, f'services missing: {sorted(set(SERVICES) - names)}')
    for name, s in stack.config['services'].items():
        if 'build' in s:
            continue
        image = s.get('image', '')
        tag = image.rsplit(':', 1)[1] if ':' in image.split('/')[-1] else ''
        need(PINNED.match(tag), f'{name}: image {image!r} is not pinned to a version tag')
    build = stack.service('em-metrics').get('build')
    need(build, 'em-metrics is not built from the repository')
    context = build['context'] if isinstance(build, dict) else build
    need(os.path.realpath(context) == os.path.realpath(stack.root),
         f'em-metrics: build context {context} is not the repository root')
    need(os.path.isfile(os.path.join(context, build.get('dockerfile', 'Dockerfile'))),
         'em-metrics: no Dockerfile in the build context')
    return 'services ' + ', '.join(sorted(names)) + '; third-party images pinned'


def check_mounts(stack):
    declared = set(stack.config.get('volumes') or {})
    n = 0
    for name in stack.config['services']:
        for src, dst, bind in stack.mounts(name):
            if bind:
                need(os.path.exists(src), f'{name}: mounts {src} at {dst}, which does not exist')
                n += 1
            else:
                need(src in declared, f'{name}: volume {src} is not declared')
    need(any(dst == '/data' and not bind for _, dst, bind in stack.mounts('em-metrics')),
         'em-metrics: no named volume on /data (the database would die with the container)')
    return f'{n} bind mounts exist; em-metrics keeps /data on a named volume'


def check_prometheus(stack):
    cmd = stack.command('prometheus')
    for flag in ('--web.enable-remote-write-receiver', '--web.enable-otlp-receiver'):
        need(flag in cmd, f'prometheus: {flag} is not in its command')
    config_path = stack.flag('prometheus', '--config.file')
    need(config_path, 'prometheus: no --config.file')
    need(stack.source_of('prometheus', config_path), f'prometheus: {config_path} is not mounted')
    # A copy of the container's file system, as far as the mounts make it, for promtool.
    with tempfile.TemporaryDirectory() as fake_root:
        stack.materialize('prometheus', fake_root)
        r = subprocess.run(['promtool', 'check', 'config', fake_root + config_path],
                           capture_output=True, text=True)
        out = (r.stdout + r.stderr).replace(fake_root, '')
        need(r.returncode == 0, 'promtool check config failed:\n' + out.strip())
    with open(stack.source_of('prometheus', config_path)) as f:
        prom = yaml.safe_load(f)
    base = os.path.dirname(config_path)
    listed = [os.path.normpath(os.path.join(base, p)) for p in prom.get('rule_files') or []]
    ours = os.path.realpath(os.path.join(stack.root, 'deploy/prometheus/em-metrics.rules.yml'))
    need(any(os.path.realpath(stack.source_of('prometheus', t) or '') == ours for t in listed),
         'prometheus: deploy/prometheus/em-metrics.rules.yml is not among the rule files it loads')
    # The second path, as .env.example offers it: Prometheus 3's receiver takes OTLP at
    # /api/v1/otlp/v1/metrics, and em-metrics appends /v1/metrics to the endpoint.
    with open(os.path.join(stack.dir, '.env.example')) as f:
        m = re.search(r'^#?\s*EM_METRICS_OTLP_ENDPOINT=(\S+)$', f.read(), re.M)
    need(m, '.env.example does not show the EM_METRICS_OTLP_ENDPOINT of the second path')
    u = stack.check_service_url(m.group(1), 'prometheus', '.env.example EM_METRICS_OTLP_ENDPOINT')
    need(u.path.rstrip('/') == '/api/v1/otlp', f'{m.group(1)}: Prometheus\' OTLP receiver is '
         'at /api/v1/otlp (+ /v1/metrics)')
    em_port = min(stack.container_ports('em-metrics'))
    for job in prom.get('scrape_configs', []):
        for sc in job.get('static_configs', []):
            for t in sc.get('targets', []):
                host, _, port = t.partition(':')
                if host in stack.config['services']:
                    need(host != 'em-metrics' or int(port) == em_port,
                         f'prometheus: scrape target {t}: em-metrics listens on {em_port}')
    return ('promtool check config passed on the mounted tree; our rules loaded; the OTLP '
            f'receiver path offered: {m.group(1)}')


def load_yaml_files(directory):
    docs = {}
    for f in sorted(os.listdir(directory)):
        if f.endswith(('.yml', '.yaml')):
            with open(os.path.join(directory, f)) as fh:
                try:
                    docs[f] = yaml.safe_load(fh)
                except yaml.YAMLError as e:
                    raise Failed(f'{directory}/{f} does not parse: {e}')
    return docs


def grafana_env_refs(value):
    return re.findall(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?', value)


def check_grafana(stack):
    env = stack.env('grafana')
    plugins = env.get('GF_PLUGINS_PREINSTALL_SYNC', '') + ',' + env.get('GF_INSTALL_PLUGINS', '')
    m = re.search(re.escape(INFINITY) + r'(?:@| )(\S+?)(?:,|$)', plugins)
    need(m and PINNED.match(m.group(1)), f'grafana: {INFINITY} not installed at a pinned version')
    ds_dir = stack.source_of('grafana', '/etc/grafana/provisioning/datasources')
    db_dir = stack.source_of('grafana', '/etc/grafana/provisioning/dashboards')
    need(ds_dir and db_dir, 'grafana: the provisioning directories are not mounted')
    sources = {}
    for f, doc in load_yaml_files(ds_dir).items():
        for ds in (doc or {}).get('datasources', []):
            sources[ds.get('uid')] = ds
    for uid, kind in DATASOURCES.items():
        need(uid in sources, f'grafana: no data source with uid {uid!r}')
        need(sources[uid].get('type') == kind, f'grafana: data source {uid} is not of type {kind}')
    stack.check_service_url(sources['prometheus']['url'], 'prometheus', 'data source prometheus')
    api = sources['em-metrics-api']
    stack.check_service_url(api['url'], 'em-metrics', 'data source em-metrics-api')
    need(api['url'].rstrip('/') == 'http://em-metrics:3000', 'em-metrics-api: base URL is fixed')
    header = (api.get('jsonData') or {}).get('apiKeyKey')
    value = (api.get('secureJsonData') or {}).get('apiKeyValue', '')
    need(header == 'Authorization' and value.startswith('Token '),
         'em-metrics-api: not sending "Authorization: Token <token>"')
    refs = grafana_env_refs(value)
    need(refs and all(r in env for r in refs),
         f'em-metrics-api: the token comes from {refs}, which Grafana\'s environment lacks')
    token = value.replace('Token ', '', 1)
    for r in refs:
        token = re.sub(r'\$\{?' + r + r'\}?', env[r], token)
    need(token == stack.env('em-metrics').get('EM_METRICS_TOKEN_AUTH'),
         'em-metrics-api: the token Grafana sends is not em-metrics\' EM_METRICS_TOKEN_AUTH')
    providers = [p for doc in load_yaml_files(db_dir).values()
                 for p in (doc or {}).get('providers', [])]
    need(providers, 'grafana: no dashboard provider')
    n = 0
    for p in providers:
        path = (p.get('options') or {}).get('path')
        src = stack.source_of('grafana', path)
        need(p.get('type', 'file') == 'file' and src and os.path.isdir(src),
             f'grafana: dashboard provider {p.get("name")} reads {path}, where nothing is mounted')
        for f in sorted(os.listdir(src)):
            if f.endswith('.json'):
                with open(os.path.join(src, f)) as fh:
                    try:
                        board = json.load(fh)
                    except ValueError as e:
                        raise Failed(f'dashboard {f} is not JSON: {e}')
                for uid in dashboard_datasource_uids(board):
                    need(uid in sources, f'dashboard {f} names data source uid {uid!r}, '
                         f'which is not provisioned ({sorted(sources)})')
                n += 1
    return f'data sources {sorted(sources)} as fixed; {n} dashboards read from the mount'


def dashboard_datasource_uids(node):
    """Every literal data source uid a dashboard names (template variables and Grafana's own
    built-in sources left out)."""
    if isinstance(node, dict):
        ds = node.get('datasource')
        if isinstance(ds, dict) and isinstance(ds.get('uid'), str):
            uid = ds['uid']
            if not uid.startswith('$') and not uid.startswith('-- ') and uid != 'grafana':
                yield uid
        for v in node.values():
            yield from dashboard_datasource_uids(v)
    elif isinstance(node, list):
        for v in node:
            yield from dashboard_datasource_uids(v)


def check_alloy(stack):
    path = stack.command('alloy')[-1] if stack.command('alloy') else None
    src = stack.source_of('alloy', path)
    need(src, f'alloy: its config {path} is not mounted')
    with open(src) as f:
        try:
            blocks = alloy_syntax.parse(f.read())
        except alloy_syntax.SyntaxError as e:
            raise Failed(f'config.alloy: {e}')
    components = {b.id: b for b in blocks if b.label is not None}
    edges = {}
    for cid, b in components.items():
        for ref in b.references():
            target, _, export = ref.rpartition('.')
            need(target in components, f'config.alloy: {cid} refers to {ref}, not declared')
            need(export in ('input', 'receiver'), f'config.alloy: {cid} refers to {ref}: '
                 'a pipeline passes data to an .input or a .receiver')
            edges.setdefault(cid, set()).add(target)
    receivers = [c for c in components if c.startswith('otelcol.receiver.otlp.')]
    writers = [c for c in components if c.startswith('prometheus.remote_write.')]
    need(len(receivers) == 1 and len(writers) == 1,
         'config.alloy: needs one otelcol.receiver.otlp and one prometheus.remote_write')
    reached, todo = set(), [receivers[0]]
    while todo:
        c = todo.pop()
        if c not in reached:
            reached.add(c)
            todo += edges.get(c, ())
    need(writers[0] in reached, 'config.alloy: the OTLP receiver\'s output never reaches '
         'prometheus.remote_write')
    need(reached == set(components), f'config.alloy: components no data reaches: '
         f'{sorted(set(components) - reached)}')
    exporters = [c for c in reached if c.startswith('otelcol.exporter.prometheus.')]
    need(exporters and components[exporters[0]].attr('resource_to_telemetry_conversion') is True,
         'config.alloy: otelcol.exporter.prometheus with resource_to_telemetry_conversion = true')
    http = components[receivers[0]].block('http')
    need(http, 'config.alloy: the OTLP receiver has no http block (em-metrics pushes OTLP/HTTP)')
    endpoint = http.attr('endpoint') or '0.0.0.0:4318'
    port = int(endpoint.rsplit(':', 1)[1])
    otlp = urllib.parse.urlsplit(stack.env('em-metrics').get('OTEL_EXPORTER_OTLP_ENDPOINT', ''))
    need(otlp.hostname == 'alloy' and otlp.port == port,
         f'em-metrics pushes to {otlp.geturl()}, Alloy receives on {endpoint}')
    need(port in stack.container_ports('alloy'), f'alloy: OTLP port {port} is not published')
    url = components[writers[0]].block('endpoint').attr('url')
    need(isinstance(url, str), 'config.alloy: prometheus.remote_write has no endpoint url')
    u = stack.check_service_url(url, 'prometheus', 'prometheus.remote_write')
    need(u.path == '/api/v1/write', f'prometheus.remote_write: {url} is not /api/v1/write')
    return ('config.alloy: ' + ' -> '.join(['receiver', 'batch', 'exporter', 'remote_write'])
            + f' wired; em-metrics -> alloy:{port} -> {url}')


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


class OtlpStandIn(http.server.ThreadingHTTPServer):
    """Takes the place of Alloy's OTLP receiver: keeps each request, answers 200 (an empty
    ExportMetricsServiceResponse)."""

    def __init__(self):
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(h):  # noqa: N802 (http.server's name)
                body = h.rfile.read(int(h.headers.get('Content-Length', 0)))
                self.requests.append((h.path, h.headers.get('Content-Type'), body))
                h.send_response(200)
                h.send_header('Content-Type', 'application/x-protobuf')
                h.send_header('Content-Length', '0')
                h.end_headers()

            def log_message(h, *args):
                pass
        super().__init__(('127.0.0.1', 0), Handler)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def prometheus_get(port, path):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}', timeout=5) as r:
        return json.loads(r.read())['data']


def check_scrape(stack, em_url, tmp):
    """Debian's Prometheus (2.42) with the stack's prometheus.yml and rules, the em-metrics target
    moved to em_url and the intervals shortened: it loads the rules, scrapes /metrics without a
    token, and keeps only the service's own series (the DORA ones come by push)."""
    config_path = stack.flag('prometheus', '--config.file')
    root = os.path.join(tmp, 'prometheus-root')
    stack.materialize('prometheus', root)
    with open(root + config_path) as f:
        config = yaml.safe_load(f)
    config['global'].update(scrape_interval='1s', evaluation_interval='1s')
    for job in config['scrape_configs']:
        job.pop('scrape_interval', None)
        for sc in job.get('static_configs', []):
            sc['targets'] = [urllib.parse.urlsplit(em_url).netloc if t.startswith('em-metrics:')
                             else t for t in sc['targets']]
    with open(root + config_path, 'w') as f:
        yaml.safe_dump(config, f)
    port = free_port()
    # The compose file's flags that 2.42 knows (it has no OTLP receiver), with our paths.
    flags = [f for f in stack.command('prometheus') if f != '--web.enable-otlp-receiver' and
             not f.startswith(('--config.file', '--storage.tsdb.path'))]
    with open(os.path.join(tmp, 'prometheus.log'), 'w') as log:
        prom = subprocess.Popen(['prometheus', '--config.file=' + root + config_path,
                                 '--storage.tsdb.path=' + os.path.join(tmp, 'tsdb'),
                                 f'--web.listen-address=127.0.0.1:{port}'] + flags,
                                stdout=log, stderr=log)
    try:
        names, deadline = set(), time.monotonic() + 30
        while 'em_metrics_http_requests_total' not in names and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                result = prometheus_get(port, '/api/v1/query?query=' + urllib.parse.quote(
                    'count by (__name__) ({job="em-metrics"})'))['result']
                names = {r['metric']['__name__'] for r in result}
            except (OSError, ValueError):
                need(prom.poll() is None, 'prometheus exited:\n'
                     + open(os.path.join(tmp, 'prometheus.log')).read()[-2000:])
        need('em_metrics_http_requests_total' in names,
             f'Prometheus did not scrape em-metrics\' own series (scraped: {sorted(names)})')
        dora = {n for n in names if not n.startswith(('em_metrics_', 'process_', 'scrape_', 'up'))}
        need(not dora, f'the scrape job stores series the push brings too: {sorted(dora)}')
        groups = prometheus_get(port, '/api/v1/rules')['groups']
        bad = [r['name'] for g in groups for r in g['rules'] if r.get('health') == 'err']
        need(groups and not bad, f'Prometheus loaded no rules, or rules in error: {bad}')
    finally:
        prom.terminate()
        prom.wait(timeout=15)
    return (f'Prometheus scraped {len(names)} metric names, no DORA one, and loaded '
            f'{len(groups)} rule groups')


def check_binary(stack, binary):
    env = dict(stack.env('em-metrics'))
    teams_target = env.get('CONFIG')
    teams = stack.source_of('em-metrics', teams_target)
    need(teams, f'em-metrics: CONFIG={teams_target} is not a mounted file')
    otlp = OtlpStandIn()
    threading.Thread(target=otlp.serve_forever, daemon=True).start()
    endpoint = urllib.parse.urlsplit(env.get('OTEL_EXPORTER_OTLP_ENDPOINT', ''))
    need(endpoint.hostname == 'alloy', 'em-metrics does not push to alloy')
    with tempfile.TemporaryDirectory() as tmp:
        # The compose environment, with the host's paths, a free port on loopback in place of
        # the container's, and Alloy's host:port replaced by the stand-in's (path kept).
        stand_in = endpoint._replace(netloc=f'127.0.0.1:{otlp.server_address[1]}').geturl()
        env.update({'CONFIG': teams, 'SQLITE_DB': os.path.join(tmp, 'em.db'), 'PORT': '0',
                    'HOST': '127.0.0.1', 'OTEL_EXPORTER_OTLP_ENDPOINT': stand_in})
        try:
            server = ci_harness.Server(tmp, env, os.path.abspath(binary))
        except RuntimeError as e:
            raise Failed(f'em-metrics did not start with the compose environment: {e}')
        try:
            base, token = server.url, server.token
            need(http_get(base + '/health')[0] == 200, '/health did not answer 200')
            status, config = server.get('/api/v1/config')
            need(status == 200, f'/api/v1/config with the stack\'s token: {status}')
            with open(teams) as f:
                need((config or {}).get('teams', {}).keys() == json.load(f)['teams'].keys(),
                     '/api/v1/config does not return the example teams')
            need(http_get(base + '/api/v1/config')[0] == 401, 'the API answers without the token')
            deployed = json.dumps({'create_if_not_exists': True, 'project_id': 'web-app',
                                   'first_commit_at': '2026-01-05T09:00:00Z',
                                   'deploy_start_at': '2026-01-05T10:00:00Z'}).encode()
            status, _ = http_get(base + '/api/v1/deployments/compose-1/deployed', token, deployed)
            need(status == 201, f'recording a deployment with the stack\'s token: {status}')
            # seed.sh as docs/compose.md runs it, with this binary as the client.
            seed = subprocess.run(
                [os.path.join(stack.dir, 'seed.sh')], capture_output=True, text=True, timeout=120,
                env=dict(os.environ, EM_CLIENT=os.path.abspath(binary), EM_METRICS_URL=base,
                         EM_METRICS_TOKEN=token))
            need(seed.returncode == 0, 'seed.sh failed:\n' + seed.stderr[-2000:])
            status, rows = server.get('/api/v1/metrics/dora?group_by=team&format=rows')
            rows = {r['group']: r for r in rows} if status == 200 else {}
            need(all(rows.get(t, {}).get('deployments') for t in ('platform', 'web')) and
                 sum(r['failed_deployments'] for r in rows.values()) > 0,
                 f'after seed.sh, the DORA figures by team lack deployments or failures: {rows}')
            scraped = check_scrape(stack, server.url, tmp)
            hc = stack.service('em-metrics').get('healthcheck', {}).get('test', [])
            need(hc[:1] == ['CMD'], 'em-metrics: no CMD health check')
            args = [a.replace('127.0.0.1/3000', f'127.0.0.1/{server.url.rsplit(":", 1)[1]}')
                    for a in hc[1:]]
            need(subprocess.run(args, capture_output=True, timeout=10).returncode == 0,
                 'the compose health check command fails against a running em-metrics')
        finally:
            # SIGTERM pushes the state once more: what reaches the stand-in is what Alloy gets.
            server.stop(signal.SIGTERM)
            otlp.shutdown()
    need(otlp.requests, 'em-metrics pushed nothing to the OTLP endpoint of the compose file')
    path, content_type, body = otlp.requests[-1]
    need(path == '/v1/metrics' and content_type == 'application/x-protobuf',
         f'the push went to {path} as {content_type}; Alloy\'s OTLP/HTTP receiver takes '
         'protobuf at /v1/metrics')
    # Protobuf keeps strings as they are: the resource and the metric can be seen in the bytes.
    resource = dict(kv.split('=', 1) for kv in
                    env.get('OTEL_RESOURCE_ATTRIBUTES', '').split(',') if '=' in kv)
    instance = resource.get('service.instance.id')
    need(instance, 'em-metrics: no fixed service.instance.id (each restart would start new series)')
    for text in ('deployment_frequency', 'web-app', instance):
        need(text.encode() in body, f'the push does not carry {text!r}')
    return (f'em-metrics ran with the compose environment and {os.path.basename(teams)}; '
            f'its push reached {path} with the deployment and service.instance.id {instance!r}; '
            f'seed.sh filled both example teams; {scraped}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--root', default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument('--binary', help='em-metrics to run with the compose environment')
    ap.add_argument('--only', help='run this check alone (after resolving the compose file)')
    opts = ap.parse_args()
    stack = Stack(os.path.abspath(opts.root))
    checks = [(c.__name__, c) for c in (check_compose_config, check_services_and_images,
                                        check_mounts, check_prometheus, check_grafana, check_alloy)]
    if opts.binary:
        checks.append(('check_binary', lambda s: check_binary(s, opts.binary)))
    if opts.only:
        checks = [(n, c) for n, c in checks if n == opts.only]
        if opts.only != 'check_compose_config':
            checks.insert(0, ('check_compose_config', lambda s: resolve(s) or 'resolved'))
    failed = 0
    for name, check in checks:
        try:
            print(f'PASS {name}: {check(stack)}')
        except Failed as e:
            failed += 1
            print(f'FAIL {name}: {e}')
            if stack.config is None:
                break  # nothing else can be judged without the resolved file
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
