"""The compose stack's em-metrics and Prometheus, run for real (tests/deploy/compose_check.py
--binary): the binary with the compose file's environment, a stand-in for Alloy's OTLP receiver,
seed.sh, and Debian's Prometheus with the stack's prometheus.yml and rules."""
import http.server, json, os, shutil, signal, socket, subprocess, tempfile, threading, time
import urllib.parse, urllib.request

import ci_harness  # its Server: em-metrics on a free port
from compose_stack import Failed, http_get, need, yaml


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
    need(shutil.which('prometheus'), 'prometheus is not installed (make test-deps installs it)')
    config_path = stack.flag('prometheus', '--config.file')
    root = os.path.join(tmp, 'prometheus-root')
    stack.materialize('prometheus', root)
    with open(root + config_path) as f:
        config = yaml.safe_load(f)
    config['global'].update(scrape_interval='1s', evaluation_interval='1s')
    em_job = None
    for job in config['scrape_configs']:
        job.pop('scrape_interval', None)
        for sc in job.get('static_configs', []):
            if any(t.startswith('em-metrics:') for t in sc['targets']):
                em_job = job['job_name']
            sc['targets'] = [urllib.parse.urlsplit(em_url).netloc if t.startswith('em-metrics:')
                             else t for t in sc['targets']]
    need(em_job, 'prometheus.yml has no scrape job for em-metrics (its own series)')
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
                    'count by (__name__) ({job="%s"})' % em_job))['result']
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
