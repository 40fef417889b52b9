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
- The `postgres` profile (compose_postgres.py): the official postgres:15.<minor> image, a named
  volume, pg_isready; two or more em-metrics replicas whose DATABASE_URL is that service's
  user/password/database, waiting for it to be healthy, with the SQLite service's settings but
  one shared service.instance.id of their own; a Prometheus job finding each replica by their
  shared alias; no service outside the profile naming one inside it.
- With --binary, the profile's replicas (compose_postgres.py) start together against a
  PostgreSQL 15 initialised as the image does from its environment, after its pg_isready health
  check passes; the same deployment sent to each is created once, each serves the same
  deployment_frequency_total, and exactly one is the export leader.
- With --binary (compose_run.py): the real em-metrics runs with the compose file's environment
  for it and the mounted teams file: it starts, /health answers, /api/v1/config returns the
  example teams with the stack's token, seed.sh fills both teams' DORA figures, the compose health
  check command passes against it, its OTLP push reaches a stand-in for Alloy's receiver, and
  Debian's Prometheus scrapes it with the stack's prometheus.yml and rules.

Prints PASS/FAIL per check; exit 0 when all pass, 1 otherwise. --root points at a copy of the
repository (tests/deploy/compose_check_test.py breaks copies to show each check fails).
"""
import argparse, json, os, re, subprocess, sys, tempfile, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compose_stack import Failed, Stack, need, resolve, yaml  # noqa: E402 (after the path)
import alloy_syntax  # noqa: E402
import compose_postgres  # noqa: E402

SERVICES = ('em-metrics', 'alloy', 'prometheus', 'grafana')
DATASOURCES = {'prometheus': 'prometheus', 'em-metrics-api': 'yesoreyeram-infinity-datasource'}
INFINITY = 'yesoreyeram-infinity-datasource'
# major.minor.patch; PostgreSQL's own versions have two parts (15.15: minor = patch release).
PINNED = re.compile(r'^v?\d+\.\d+(\.\d+)?$')


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
    scrape = compose_postgres.check_postgres_scrape(stack, prom)
    return ('promtool check config passed on the mounted tree; our rules loaded; the OTLP '
            f'receiver path offered: {m.group(1)}; {scrape}')


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

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--root', default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument('--binary', help='em-metrics to run with the compose environment')
    ap.add_argument('--only', help='run this check alone (after resolving the compose file)')
    opts = ap.parse_args()
    stack = Stack(os.path.abspath(opts.root))
    checks = [(c.__name__, c) for c in (check_compose_config, check_services_and_images,
                                        check_mounts, check_prometheus, check_grafana, check_alloy,
                                        compose_postgres.check_postgres_profile)]
    if opts.binary:
        import compose_run
        checks.append(('check_binary', lambda s: compose_run.check_binary(s, opts.binary)))
        checks.append(('check_postgres_run',
                       lambda s: compose_postgres.check_postgres_run(s, opts.binary)))
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
