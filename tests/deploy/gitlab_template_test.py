"""deploy/ci/gitlab/em-metrics.gitlab-ci.yml run as GitLab runs an included template: the
pipelines of docs/ci-client.md with the template merged in (`include:`), each job's `extends:`
resolved, its variables over GitLab's predefined ones, its image checked, and its script under
bash with `set -eo pipefail` (the image has bash and the binary on PATH) against a real em-metrics
server; dotenv reports carry variables to later jobs. The GitLab side is emulated
(docs/ci-client.md#gitlab-ci-template)."""
import os
import re
import subprocess
from urllib.parse import quote

import yaml

import ci_harness
from ci_harness import TOKEN, CiTestCase

TEMPLATE = os.path.join(ci_harness.SOURCE_DIR, "deploy", "ci", "gitlab",
                        "em-metrics.gitlab-ci.yml")
PIPELINE_ID = "1717"
GLOBAL_KEYS = {"include", "variables", "stages", "default", "workflow"}


def merge(base, over):
    """GitLab's merge of `extends` and `include`: hashes deeply, everything else replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def expand(text, env):
    """$NAME and ${NAME} from env (unknown: empty), as the runner expands variables' values."""
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m.group(1) or m.group(2), ""),
                  str(text))


class GitLabTemplateTest(CiTestCase):
    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        self.sha = ci_harness.git_repo(self.repo)
        self.images = []

    def load(self, pipeline_text):
        user = yaml.safe_load(pipeline_text)
        (include,) = user["include"]
        self.assertRegex(include["remote"], r"/deploy/ci/gitlab/em-metrics\.gitlab-ci\.yml$")
        with open(TEMPLATE) as f:
            template = yaml.safe_load(f)
        return merge(template, {k: v for k, v in user.items() if k != "include"})

    def resolve(self, config, name):
        job = config[name]
        parents = job.get("extends", [])
        base = {}
        for parent in [parents] if isinstance(parents, str) else parents:
            base = merge(base, self.resolve(config, parent))
        return merge(base, {k: v for k, v in job.items() if k != "extends"})

    def run_pipeline(self, pipeline_text, project_variables=None, only=None):
        """Runs the pipeline's em-metrics jobs in file order; (job, exit code, output) of each,
        stopping at the first failure."""
        config = self.load(pipeline_text)
        dotenv = {}
        results = []
        for name in config:
            if name in GLOBAL_KEYS or name.startswith("."):
                continue
            job = self.resolve(config, name)
            if not job.get("image", {}).get("name", "").startswith("$EM_METRICS_IMAGE"):
                continue  # the user's own jobs (./deploy.sh ...)
            if only and name not in only:
                continue
            code, out = self.run_job(name, job, config.get("variables", {}), dotenv,
                                     project_variables or {})
            results.append((name, code, out))
            if code != 0:
                break
        return results

    def run_job(self, name, job, global_variables, dotenv, project_variables):
        env = self.base_env()
        env.update({"CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_ID": PIPELINE_ID,
                    "CI_PROJECT_PATH": "group/shop", "CI_COMMIT_SHA": self.sha,
                    "CI_COMMIT_BEFORE_SHA": "0" * 40, "CI_JOB_NAME": name,
                    "CI_COMMIT_TIMESTAMP": "2026-03-01T09:00:00+00:00",
                    "GITLAB_USER_LOGIN": "jdoe"})
        environment = job.get("environment")
        if environment:
            env["CI_ENVIRONMENT_NAME"] = environment if isinstance(environment, str) \
                else environment["name"]
        for scope in (global_variables, job.get("variables", {})):
            for k, v in scope.items():
                env[k] = expand(v, env)
        env.update(dotenv)
        env.update({"EM_METRICS_URL": self.server.url, "EM_METRICS_TOKEN": TOKEN})
        env.update(project_variables)
        self.images.append((expand(job["image"]["name"], env),
                            tuple(job["image"].get("entrypoint", ["default"]))))
        # No clone (GIT_STRATEGY none): the job's directory is empty, as in a fresh runner.
        workdir = self.repo if env.get("GIT_STRATEGY") != "none" else os.path.join(self.tmp, name)
        os.makedirs(workdir, exist_ok=True)
        script = os.path.join(self.tmp, name + ".sh")
        with open(script, "w") as f:
            f.write("set -eo pipefail\n")
            f.write("\n".join(job.get("before_script", []) + job["script"]) + "\n")
        r = subprocess.run(["bash", "--noprofile", "--norc", script], cwd=workdir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        report = job.get("artifacts", {}).get("reports", {}).get("dotenv")
        if r.returncode == 0 and report:
            with open(os.path.join(workdir, report)) as f:
                dotenv.update(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
        return r.returncode, r.stdout

    def assert_all_succeeded(self, results, jobs):
        for name, code, out in results:
            self.assertEqual(code, 0, "%s: %s" % (name, out))
        self.assertEqual([n for n, _, _ in results], jobs)

    def test_deployment_pipeline_of_the_docs(self):
        results = self.run_pipeline(ci_harness.markdown_block("docs/ci-client.md",
                                                              "gitlab-pipeline"))
        self.assert_all_succeeded(results, ["em-metrics-start", "em-metrics-finish"])
        d = self.deployment(PIPELINE_ID)
        self.assertEqual(d["project_id"], "group/shop")
        self.assertEqual(d["environment"], "production")
        self.assertEqual(d["commit_sha"], self.sha)
        # No git in the job: the pushed commit's CI_COMMIT_TIMESTAMP.
        self.assertEqual(d["first_commit_at"], "2026-03-01T09:00:00.000Z")
        self.assertEqual(d["status"], "deployed")
        self.assertEqual(set(self.images), {("ghcr.io/em-metrics/em-metrics:v0.1.0", ("",))})

    def test_incident_pipeline_of_the_docs(self):
        results = self.run_pipeline(ci_harness.markdown_block("docs/ci-client.md",
                                                              "gitlab-incidents"))
        self.assert_all_succeeded(results, ["incident-open", "incident-restore",
                                            "incident-finish"])
        status, incidents = self.server.get("/api/v1/incidents")
        self.assertEqual(status, 200)
        self.assertEqual(len(incidents), 1, incidents)
        # The server's id holds the project's '/': it reached the later jobs whole.
        self.assertEqual(incidents[0]["id"], "incident_group/shop_1")
        status, i = self.server.get("/api/v1/incidents/" + quote(incidents[0]["id"], safe=""))
        self.assertEqual(status, 200)
        self.assertEqual(i["project_id"], "group/shop")
        self.assertIsNotNone(i["restored_at"])
        self.assertIsNotNone(i["finished_at"])

    def test_record_with_more_flags_and_the_default_image(self):
        pipeline = """
include:
  - remote: https://raw.githubusercontent.com/em-metrics/em-metrics/main/deploy/ci/gitlab/em-metrics.gitlab-ci.yml
em-metrics-record:
  extends: .em-metrics:deployment-record
  environment: staging
  variables:
    EM_METRICS_ARGS: --kind hotfix --username $GITLAB_USER_LOGIN --id record-$CI_PIPELINE_ID
"""
        results = self.run_pipeline(pipeline)
        self.assert_all_succeeded(results, ["em-metrics-record"])
        d = self.deployment("record-" + PIPELINE_ID)
        self.assertEqual((d["kind"], d["environment"], d["status"]),
                         ("hotfix", "staging", "deployed"))
        self.assertEqual(self.images, [("ghcr.io/em-metrics/em-metrics:latest", ("",))])

    def test_every_job_passes_em_metrics_args(self):
        pipeline = """
include:
  - remote: https://raw.githubusercontent.com/em-metrics/em-metrics/main/deploy/ci/gitlab/em-metrics.gitlab-ci.yml
start:
  extends: .em-metrics:deployment-start
  variables: { EM_METRICS_ARGS: --id args-1 --kind rollback }
finish:
  extends: .em-metrics:deployment-finish
  variables: { EM_METRICS_ARGS: --id args-1 --deployed-at 2026-03-01T12:00:00Z }
record:
  extends: .em-metrics:deployment-record
  variables: { EM_METRICS_ARGS: --id args-2 --project-id other }
open:
  extends: .em-metrics:incident-open
  variables:
    EM_METRICS_ARGS: --id inc-1 --deployment-id args-1 --started-at 2026-03-01T12:30:00Z
restore:
  extends: .em-metrics:incident-restore
  variables: { EM_METRICS_ARGS: --restored-at 2026-03-01T13:00:00Z }
close:
  extends: .em-metrics:incident-finish
  variables: { EM_METRICS_ARGS: --finished-at 2026-03-01T14:00:00Z }
"""
        results = self.run_pipeline(pipeline)
        self.assert_all_succeeded(results, ["start", "finish", "record", "open", "restore",
                                            "close"])
        d = self.deployment("args-1")
        self.assertEqual((d["kind"], d["deployed_at"]), ("rollback", "2026-03-01T12:00:00.000Z"))
        self.assertEqual(self.deployment("args-2")["project_id"], "other")
        status, i = self.server.get("/api/v1/incidents/inc-1")
        self.assertEqual(status, 200)
        self.assertEqual((i["deployment_id"], i["restored_at"], i["finished_at"]),
                         ("args-1", "2026-03-01T13:00:00.000Z", "2026-03-01T14:00:00.000Z"))

    def test_a_refused_request_fails_the_job(self):
        results = self.run_pipeline(
            ci_harness.markdown_block("docs/ci-client.md", "gitlab-pipeline"),
            project_variables={"EM_METRICS_TOKEN": "wrong"})
        ((name, code, out),) = results
        self.assertEqual((name, code), ("em-metrics-start", 1), out)
        self.assertIn("refused (403)", out)
        self.assertEqual(self.server.get("/api/v1/deployments/" + PIPELINE_ID)[0], 404)


if __name__ == "__main__":
    ci_harness.main()
