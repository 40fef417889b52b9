"""The compose stack's `postgres` profile (docs/compose.md#postgresql), for compose_check.py:
what the file says (check_postgres_profile) and, with the binary, the replicas run for real
against a PostgreSQL set up as the postgres image's entrypoint sets it up (check_postgres_run)."""
import json, os, re, shutil, signal, subprocess, tempfile, threading, time, urllib.parse

import ci_harness  # its Server: em-metrics on a free port
from compose_run import OtlpStandIn, free_port
from compose_stack import Failed, http_get, need, yaml

PROFILE = 'postgres'
PG_IMAGE = re.compile(r'^postgres:15\.\d+$')  # the official image, PostgreSQL 15, a fixed minor
DATA = '/var/lib/postgresql/data'
# What the replicas' environment may differ in from the SQLite service's.
REPLICA_OWN = {'DATABASE_URL', 'DATABASE_POOL_SIZE', 'SQLITE_DB', 'OTEL_RESOURCE_ATTRIBUTES'}


def profile_services(stack):
    return {n: s for n, s in stack.config['services'].items() if PROFILE in s.get('profiles', [])}


def replicas(stack):
    """The profile's em-metrics services: the ones with a DATABASE_URL."""
    return sorted(n for n in profile_services(stack) if 'DATABASE_URL' in stack.env(n))


def instance_id(env):
    for kv in env.get('OTEL_RESOURCE_ATTRIBUTES', '').split(','):
        k, _, v = kv.partition('=')
        if k.strip() == 'service.instance.id':
            return v.strip()
    return None


def pg_login(stack):
    env = stack.env(PROFILE)
    user = env.get('POSTGRES_USER', 'postgres')
    return user, env.get('POSTGRES_PASSWORD', ''), env.get('POSTGRES_DB', user)


def check_postgres_profile(stack):
    services = profile_services(stack)
    need(PROFILE in services, f'no `{PROFILE}` service in the `{PROFILE}` profile')
    # Without the profile the stack is the SQLite one: no service outside the profile names one
    # inside it (Compose would refuse, or start it anyway).
    for name, s in stack.config['services'].items():
        if name in services:
            continue
        need(not set(s.get('depends_on') or {}) & set(services),
             f'{name} (no profile) depends on a service of the {PROFILE} profile')
        need('DATABASE_URL' not in stack.env(name), f'{name} (no profile) sets DATABASE_URL')
    pg = stack.service(PROFILE)
    need(PG_IMAGE.match(pg.get('image', '')),
         f'{PROFILE}: image {pg.get("image")!r} is not the official postgres:15.<minor>')
    need(any(dst == DATA and not bind for _, dst, bind in stack.mounts(PROFILE)),
         f'{PROFILE}: no named volume on {DATA}')
    test = (pg.get('healthcheck') or {}).get('test') or []
    need(test[:2] == ['CMD', 'pg_isready'], f'{PROFILE}: the health check is not pg_isready')
    user, password, db = pg_login(stack)
    need(password, f'{PROFILE}: no POSTGRES_PASSWORD (the image refuses to initialise without it)')
    reps = replicas(stack)
    need(len(reps) >= 2, f'the {PROFILE} profile has {len(reps)} em-metrics replicas, not 2+')
    sqlite_env = stack.env('em-metrics')
    ids, host_ports = set(), []
    for name in reps:
        s, env = stack.service(name), stack.env(name)
        need(s.get('image') == stack.service('em-metrics').get('image') and s.get('build'),
             f'{name}: not the em-metrics image built from the repository')
        u = urllib.parse.urlsplit(env['DATABASE_URL'])
        need(u.scheme in ('postgres', 'postgresql') and u.hostname == PROFILE and
             (u.port or 5432) == 5432, f'{name}: DATABASE_URL {u.geturl()} is not {PROFILE}:5432')
        need((urllib.parse.unquote(u.username or ''), urllib.parse.unquote(u.password or ''),
              u.path.lstrip('/')) == (user, password, db),
             f'{name}: DATABASE_URL\'s user, password or database are not those of {PROFILE}\'s '
             'POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB')
        cond = ((s.get('depends_on') or {}).get(PROFILE) or {}).get('condition')
        need(cond == 'service_healthy', f'{name}: does not wait for {PROFILE} to be healthy')
        need(not any(dst == '/data' for _, dst, _ in stack.mounts(name)),
             f'{name}: mounts /data (a replica keeps no SQLite file)')
        need(s.get('healthcheck') == stack.service('em-metrics').get('healthcheck'),
             f'{name}: another health check than em-metrics\'')
        differ = sorted(k for k in set(env) | set(sqlite_env)
                        if k not in REPLICA_OWN and env.get(k) != sqlite_env.get(k))
        need(not differ, f'{name}: settings differ from the em-metrics service\'s: {differ}')
        ids.add(instance_id(env))
        host_ports += [p.get('published') if isinstance(p, dict) else p.split(':')[-2]
                       for p in s.get('ports', [])]
    need(len(ids) == 1 and None not in ids,
         f'the replicas\' service.instance.id differ or are missing ({ids}): the series would '
         'change with the export leader')
    need(ids != {instance_id(sqlite_env)}, 'the replicas push under the SQLite service\'s '
         'service.instance.id: Prometheus would mix the two databases\' series')
    need(len(set(map(str, host_ports))) == len(host_ports) == len(reps),
         f'the replicas\' published host ports are not one each and distinct: {host_ports}')
    return (f'{PROFILE} ({pg["image"]}, pg_isready, volume on {DATA}); replicas {", ".join(reps)} '
            f'on host ports {", ".join(map(str, host_ports))}; the default stack names none')


def check_postgres_scrape(stack, prom):
    """prom: prometheus.yml. A job finds every replica by a network alias they all carry, and
    keeps the same series as the em-metrics job (the service's own)."""
    aliases = None
    for name in replicas(stack):
        nets = stack.service(name).get('networks') or {}
        mine = {a for n in (nets.values() if isinstance(nets, dict) else []) for a in
                ((n or {}).get('aliases') or [])}
        aliases = mine if aliases is None else aliases & mine
    jobs = {j['job_name']: j for j in prom.get('scrape_configs', [])}
    found = [j for j in jobs.values() for sd in j.get('dns_sd_configs', [])
             if set(sd.get('names', [])) & (aliases or set())]
    need(found, f'prometheus.yml: no dns_sd_configs job on the replicas\' shared alias {aliases}')
    job = found[0]
    em_port = min(stack.container_ports('em-metrics'))
    need(all(sd.get('type') == 'A' and sd.get('port') == em_port
             for sd in job['dns_sd_configs']),
         f'prometheus.yml: {job["job_name"]}: type A on port {em_port} expected')
    need(job.get('metric_relabel_configs') == jobs['em-metrics'].get('metric_relabel_configs'),
         f'prometheus.yml: {job["job_name"]} keeps other series than the em-metrics job (the '
         'DORA series are the same on every replica: summed across them they would double)')
    return f'Prometheus job {job["job_name"]} scrapes each replica by {sorted(aliases)}'


class PgServer:
    """PostgreSQL 15 on a free port, initialised as the postgres image does it from
    POSTGRES_USER/PASSWORD/DB (the superuser with that password, its database, scram over TCP).
    Runs as `postgres` when we are root; stopped by its own PID."""

    def __init__(self, tmp, user, password, db):
        bindir = os.environ.get('EMM_PG_BIN') or '/usr/lib/postgresql/15/bin'
        need(os.path.isfile(os.path.join(bindir, 'initdb')),
             f'no PostgreSQL 15 in {bindir} (make test-deps installs postgresql-15)')
        self.port, self.dir = free_port(), os.path.join(tmp, 'pg')
        os.makedirs(self.dir)
        as_user = {'user': 'postgres', 'group': 'postgres'} if os.geteuid() == 0 else {}
        if as_user:
            os.chmod(tmp, 0o711)  # the server's user passes through to its own directory
            shutil.chown(self.dir, 'postgres', 'postgres')
        pwfile = os.path.join(self.dir, 'pw')
        with open(pwfile, 'w') as f:
            f.write(password + '\n')
        if as_user:
            shutil.chown(pwfile, 'postgres', 'postgres')
        data = os.path.join(self.dir, 'data')
        r = subprocess.run([os.path.join(bindir, 'initdb'), '-D', data, '-U', user,
                            '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8',
                            '--locale=C.UTF-8', '--no-sync'], capture_output=True, text=True,
                           cwd=self.dir, **as_user)
        need(r.returncode == 0, 'initdb failed:\n' + r.stderr[-2000:])
        self.log = open(os.path.join(self.dir, 'server.log'), 'w')
        self.proc = subprocess.Popen(
            [os.path.join(bindir, 'postgres'), '-D', data, '-p', str(self.port), '-k', self.dir,
             '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
            stdout=self.log, stderr=self.log, cwd=self.dir, **as_user)
        self.env = dict(os.environ, PGPASSWORD=password)
        self.args = ['-h', '127.0.0.1', '-p', str(self.port)]
        deadline = time.monotonic() + 60
        while subprocess.run([os.path.join(bindir, 'pg_isready')] + self.args,
                             capture_output=True).returncode != 0:
            need(self.proc.poll() is None and time.monotonic() < deadline,
                 'PostgreSQL did not start:\n' + open(self.log.name).read()[-2000:])
            time.sleep(0.1)
        r = subprocess.run([os.path.join(bindir, 'createdb')] + self.args + ['-U', user, db],
                           capture_output=True, text=True, env=self.env)
        need(r.returncode == 0 or 'already exists' in r.stderr, 'createdb: ' + r.stderr)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # smart shutdown: our servers' sessions are closed already
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def metric_values(text, name):
    return [float(line.rsplit(' ', 1)[1]) for line in text.splitlines()
            if line.startswith(name) and line[len(name):len(name) + 1] in (' ', '{')]


def check_postgres_run(stack, binary):
    user, password, db = pg_login(stack)
    otlp = OtlpStandIn()
    threading.Thread(target=otlp.serve_forever, daemon=True).start()
    servers, pg = [], None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            pg = PgServer(tmp, user, password, db)
            # The compose health check, aimed at this server (in the container it uses the socket).
            test = stack.service(PROFILE)['healthcheck']['test'][1:]
            hc = subprocess.run([shutil.which(test[0]) or os.path.join(
                os.environ.get('EMM_PG_BIN') or '/usr/lib/postgresql/15/bin', test[0])] +
                test[1:] + pg.args, capture_output=True, text=True)
            need(hc.returncode == 0, f'{PROFILE}\'s health check fails: {hc.stdout}{hc.stderr}')
            # Both replicas at once, with their compose environment: DATABASE_URL to this server,
            # the OTLP endpoint to a stand-in, host paths, free ports, and a 1 s export interval.
            procs, errors = [], []

            def start(d, env):
                try:
                    servers.append(ci_harness.Server(d, env, os.path.abspath(binary)))
                except RuntimeError as e:
                    errors.append(str(e))
            for name in replicas(stack):
                env = dict(stack.env(name))
                url = urllib.parse.urlsplit(env['DATABASE_URL'])
                netloc = url.netloc.rsplit('@', 1)[0] + f'@127.0.0.1:{pg.port}'
                env.update(DATABASE_URL=url._replace(netloc=netloc).geturl(),
                           CONFIG=stack.source_of(name, env['CONFIG']), PORT='0',
                           HOST='127.0.0.1', OTEL_METRIC_EXPORT_INTERVAL='1000',
                           OTEL_EXPORTER_OTLP_ENDPOINT=f'http://127.0.0.1:{otlp.server_address[1]}')
                d = os.path.join(tmp, name)
                os.makedirs(d)
                procs.append(threading.Thread(target=start, args=(d, env)))
            for t in procs:
                t.start()
            for t in procs:
                t.join()
            need(not errors, 'a replica did not start with the compose environment: '
                 + errors[0][-1500:] if errors else '')
            for s in servers:
                need(http_get(s.url + '/health')[0] == 200, f'{s.url}/health is not 200')
                need('both set' not in s.log(), 'a replica warns that SQLITE_DB is set too')
            # The same deployment marked deployed on each replica: one deployment, counted once.
            body = json.dumps({'create_if_not_exists': True, 'project_id': 'web-app',
                               'first_commit_at': '2026-01-05T09:00:00Z',
                               'deploy_start_at': '2026-01-05T10:00:00Z'}).encode()
            codes = sorted(http_get(s.url + '/api/v1/deployments/pg-1/deployed', s.token, body)[0]
                           for s in servers)
            need(codes[0] in (200, 201) and codes.count(201) == 1,
                 f'the same deployment marked on each replica answered {codes}')
            # Every replica serves the shared figures; exactly one leads the export.
            deadline = time.monotonic() + 30
            while True:
                pages = [http_get(s.url + '/metrics')[1].decode() for s in servers]
                counts = [sum(metric_values(p, 'deployment_frequency_total')) for p in pages]
                leaders = [sum(metric_values(p, 'em_metrics_export_leader')) for p in pages]
                if sum(leaders) == 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            need(counts == [1.0] * len(servers),
                 f'deployment_frequency_total on each replica: {counts} (1 each expected)')
            need(sum(leaders) == 1, f'em_metrics_export_leader on each replica: {leaders}')
        finally:
            for s in servers:
                s.stop(signal.SIGTERM)
            otlp.shutdown()
            if pg:
                pg.stop()
    ids = {instance_id(stack.env(n)) for n in replicas(stack)}
    need(otlp.requests and all(i.encode() in otlp.requests[-1][2] for i in ids),
         f'no push reached the stand-in with service.instance.id {ids}')
    return (f'{len(servers)} replicas started together on one PostgreSQL (pg_isready passed); '
            f'the same deployment on each: {codes}; deployment_frequency_total {counts}; '
            f'export leaders {leaders}')
