#!/usr/bin/env python3
"""Shows that tests/deploy/compose_check.py fails when a file of the compose stack is broken.

Usage: python3 tests/deploy/compose_check_test.py [--binary PATH]

Each case copies the Dockerfile and deploy/ into a temporary repository, breaks one thing in one
file, runs the check on the copy and expects the named check to FAIL (and the unbroken copy to
pass). A case whose text is no longer in the file fails too, so the cases follow the files.
"""
import argparse, concurrent.futures, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPOSE = 'deploy/compose/docker-compose.yml'
PROM = 'deploy/compose/prometheus/prometheus.yml'
DATASOURCES = 'deploy/compose/grafana/provisioning/datasources/em-metrics.yml'
DASHBOARDS = 'deploy/compose/grafana/provisioning/dashboards/em-metrics.yml'
ALLOY = 'deploy/compose/alloy/config.alloy'
TEAMS = 'deploy/compose/em-metrics/teams.json'
SEED = 'deploy/compose/seed.sh'
ENV_EXAMPLE = 'deploy/compose/.env.example'
BINARY_CHECKS = ('check_binary', 'check_postgres_run')  # the checks that need --binary

# (what is broken, file, text, replacement, the check that must fail)
CASES = [
    ('compose: a dependency condition Compose does not know', COMPOSE,
     'condition: service_started', 'condition: service_ready', 'check_compose_config'),
    ('compose: an image left on latest', COMPOSE,
     'prom/prometheus:v3.5.0', 'prom/prometheus:latest', 'check_services_and_images'),
    ('compose: a mount of a file that does not exist', COMPOSE,
     './em-metrics/teams.json:', './em-metrics/team.json:', 'check_mounts'),
    ('compose: the recording rules not mounted', COMPOSE,
     '../prometheus/em-metrics.rules.yml:/etc/prometheus/rules/em-metrics.rules.yml:ro',
     '../prometheus/em-metrics.rules.yml:/etc/prometheus/em-metrics.rules.yml:ro',
     'check_prometheus'),
    ('compose: Prometheus without its OTLP receiver', COMPOSE,
     '- --web.enable-otlp-receiver', '- --web.enable-lifecycle', 'check_prometheus'),
    ('compose: em-metrics pushing to the original\'s typo port', COMPOSE,
     'http://alloy:4318}', 'http://alloy:4138}', 'check_alloy'),
    ('compose: Grafana given another token than em-metrics', COMPOSE,
     'EM_METRICS_TOKEN: ${EM_METRICS_TOKEN:-insecure-dev-token}',
     'EM_METRICS_TOKEN: ${EM_METRICS_TOKEN:-dev-token}', 'check_grafana'),
    ('compose: the Infinity plugin unpinned', COMPOSE,
     'yesoreyeram-infinity-datasource@3.6.0', 'yesoreyeram-infinity-datasource', 'check_grafana'),
    ('.env.example: the second path without Prometheus\' OTLP prefix', ENV_EXAMPLE,
     'http://prometheus:9090/api/v1/otlp', 'http://prometheus:9090/otlp', 'check_prometheus'),
    ('prometheus.yml: a rule file that is not mounted', PROM,
     'rules/em-metrics.rules.yml', 'rules/dora.rules.yml', 'check_prometheus'),
    ('prometheus.yml: a duration Prometheus cannot read', PROM,
     'scrape_interval: 30s', 'scrape_interval: 30 seconds', 'check_prometheus'),
    ('prometheus.yml: scraping em-metrics on a port it does not listen on', PROM,
     "'em-metrics:3000'", "'em-metrics:3001'", 'check_prometheus'),
    ('prometheus.yml: the scrape job keeping every series (the DORA ones twice)', PROM,
     "regex: 'em_metrics_.*|process_start_time_seconds'", "regex: '.*'", 'check_binary'),
    ('compose: /metrics closed to the scrape', COMPOSE,
     'EM_METRICS_SCRAPE_NO_AUTH: "true"', 'EM_METRICS_SCRAPE_NO_AUTH: "false"', 'check_binary'),
    ('datasources: the Infinity data source under another uid', DATASOURCES,
     'uid: em-metrics-api', 'uid: em-metrics', 'check_grafana'),
    ('datasources: YAML that does not parse', DATASOURCES,
     '    uid: prometheus\n', '    uid: prometheus\n   type: [\n', 'check_grafana'),
    ('datasources: Prometheus at a host the stack does not have', DATASOURCES,
     'url: http://prometheus:9090', 'url: http://localhost:9090', 'check_grafana'),
    ('dashboards provider: reading a directory nothing is mounted at', DASHBOARDS,
     'path: /var/lib/grafana/dashboards', 'path: /etc/grafana/dashboards', 'check_grafana'),
    ('config.alloy: a syntax error', ALLOY,
     'otelcol.processor.batch "default" {', 'otelcol.processor.batch "default" {{',
     'check_alloy'),
    ('config.alloy: a reference to a component that does not exist', ALLOY,
     '[otelcol.processor.batch.default.input]', '[otelcol.processor.batch.batch.input]',
     'check_alloy'),
    ('config.alloy: the receiver on the original\'s typo port', ALLOY,
     '"0.0.0.0:4318"', '"0.0.0.0:4138"', 'check_alloy'),
    ('config.alloy: the exporter not forwarding to remote_write', ALLOY,
     'forward_to                       = [prometheus.remote_write.default.receiver]',
     'forward_to                       = []', 'check_alloy'),
    ('config.alloy: remote write to a port Prometheus does not listen on', ALLOY,
     'http://prometheus:9090/api/v1/write', 'http://prometheus:9091/api/v1/write', 'check_alloy'),
    ('compose: the OTLP endpoint given with its path (pushed to /v1/metrics/v1/metrics)', COMPOSE,
     'http://alloy:4318}', 'http://alloy:4318/v1/metrics}', 'check_binary'),
    ('compose: no fixed service.instance.id', COMPOSE,
     'OTEL_RESOURCE_ATTRIBUTES: service.instance.id=em-metrics',
     'OTEL_RESOURCE_ATTRIBUTES: service.namespace=dora', 'check_binary'),
    ('seed.sh: a flag the CI client does not have', SEED,
     '--project-id "$project" --environment', '--project "$project" --environment',
     'check_binary'),
    ('compose: PostgreSQL on a floating major tag', COMPOSE,
     'image: postgres:15.15', 'image: postgres:15', 'check_postgres_profile'),
    ('compose: a replica\'s DATABASE_URL naming another database than POSTGRES_DB', COMPOSE,
     '@postgres:5432/em-metrics', '@postgres:5432/emmetrics', 'check_postgres_profile'),
    ('compose: the replicas not waiting for PostgreSQL to be healthy', COMPOSE,
     'postgres:\n        condition: service_healthy', 'postgres:\n        condition: service_started',
     'check_postgres_profile'),
    ('compose: the replicas pushing under the SQLite service\'s instance id', COMPOSE,
     'service.instance.id=em-metrics-postgres', 'service.instance.id=em-metrics',
     'check_postgres_profile'),
    ('prometheus.yml: the replicas\' job looking up a name they do not carry', PROM,
     'names: [em-metrics-postgres]', 'names: [em-metrics-pg]', 'check_prometheus'),
    ('compose: a replica pool size the server refuses', COMPOSE,
     'DATABASE_POOL_SIZE: "8"', 'DATABASE_POOL_SIZE: "0"', 'check_postgres_run'),
    ('compose: the image\'s SQLITE_DB left set on the replicas (a warning at every start)',
     COMPOSE, '      SQLITE_DB: ""\n', '', 'check_postgres_run'),
    ('teams.json: projects as a string', TEAMS,
     '"projects": ["web-app"]', '"projects": "web-app"', 'check_binary'),
]


def copy_repo(dest):
    os.makedirs(dest)
    shutil.copy(os.path.join(ROOT, 'Dockerfile'), dest)
    shutil.copytree(os.path.join(ROOT, 'deploy'), os.path.join(dest, 'deploy'))


def run_check(root, binary, only=None):
    cmd = [sys.executable, os.path.join(HERE, 'compose_check.py'), '--root', root]
    if binary:
        cmd += ['--binary', binary]
    if only:
        cmd += ['--only', only]
    return subprocess.run(cmd, capture_output=True, text=True)


def run_case(tmp, n, case, binary):
    """'PASS ...' or 'FAIL ...' for one broken copy."""
    what, path, old, new, check = case
    root = os.path.join(tmp, f'case{n}')
    copy_repo(root)
    target = os.path.join(root, path)
    with open(target) as f:
        text = f.read()
    if old not in text:
        return f'FAIL {what}: {path} no longer contains {old!r}; update the case'
    with open(target, 'w') as f:
        f.write(text.replace(old, new, 1))
    # The named check alone: the others would only cost time.
    r = run_check(root, binary if check in BINARY_CHECKS else None, check)
    if r.returncode != 0 and f'FAIL {check}:' in r.stdout:
        return f'PASS {what}: {check} failed'
    return f'FAIL {what}: expected {check} to fail; it said:\n{r.stdout}{r.stderr}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary')
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, 'unbroken')
        copy_repo(base)
        cases = [(n, c) for n, c in enumerate(CASES) if opts.binary or c[4] not in BINARY_CHECKS]
        # Several at a time, the unbroken copy among them: most of a case's time is waiting
        # (Prometheus applies new scrape targets every 5 s), not computing.
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            unbroken = pool.submit(run_check, base, opts.binary)
            results = list(pool.map(lambda nc: run_case(tmp, nc[0], nc[1], opts.binary), cases))
            r = unbroken.result()
    if r.returncode != 0:
        # Then the cases' failures prove nothing.
        print('FAIL the unbroken copy does not pass:\n' + r.stdout + r.stderr)
        sys.exit(1)
    for line in results:
        print(line)
    sys.exit(1 if any(line.startswith('FAIL') for line in results) else 0)


if __name__ == '__main__':
    main()
