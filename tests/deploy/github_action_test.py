"""deploy/ci/github/action.yml run as GitHub Actions runs a composite action: its steps' `${{ }}`
expressions filled from the inputs (and their defaults) and the github context, each `run` under
`bash --noprofile --norc -eo pipefail` with GitHub's variables, against a real em-metrics server.
The GitHub side is emulated; no runner or network is involved (docs/ci-client.md#github-action)."""
import os
import re
import subprocess

import yaml

import ci_harness
from ci_harness import TOKEN, CiTestCase

ACTION_DIR = os.path.join(ci_harness.SOURCE_DIR, "deploy", "ci", "github")
RUN_ID = "4242"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def fill(text, context):
    """`${{ a.b }}` replaced from context["a.b"]; an expression the test does not know fails."""
    def value(m):
        if m.group(1) not in context:
            raise AssertionError("expression not emulated: " + m.group(0))
        return context[m.group(1)]
    return EXPRESSION.sub(value, text)


def input_string(v):
    # GitHub hands every input over as a string; YAML's true is "true".
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


class GitHubActionTest(CiTestCase):
    def setUp(self):
        super().setUp()
        self.workspace = os.path.join(self.tmp, "workspace")
        self.sha = ci_harness.git_repo(self.workspace)

    def github_env(self, extra=None, with_binary=True):
        env = self.base_env(with_binary)
        env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_SHA": self.sha,
                    "GITHUB_REPOSITORY": "acme/shop", "GITHUB_REF_NAME": "main",
                    "GITHUB_RUN_ID": RUN_ID, "GITHUB_WORKSPACE": self.workspace,
                    "GITHUB_ACTION_PATH": ACTION_DIR,
                    # The workflow's env, as the original's README sets it.
                    "EM_METRICS_ENDPOINT": self.server.url})
        env.update(extra or {})
        return env

    def run_action(self, inputs, env=None, action_ref="v0.1.0", with_binary=True):
        """(exit code, stdout+stderr) of the action's steps, stopping at the first failure."""
        with open(os.path.join(ACTION_DIR, "action.yml")) as f:
            action = yaml.safe_load(f)
        declared = action["inputs"]
        # GitHub warns about, and ignores, an input the action does not declare.
        self.assertLessEqual(set(inputs), set(declared), "inputs the action does not declare")
        context = {"github.action_path": ACTION_DIR, "github.action_ref": action_ref}
        for name, spec in declared.items():
            context["inputs." + name] = input_string(inputs.get(name, spec.get("default", "")))
        self.assertEqual(action["runs"]["using"], "composite")
        output = ""
        for i, step in enumerate(action["runs"]["steps"]):
            self.assertLessEqual(set(step), {"name", "id", "shell", "run", "env"},
                                 "step keys not emulated")
            self.assertEqual(step["shell"], "bash")
            step_env = self.github_env(env, with_binary)
            step_env.update({k: fill(input_string(v), context)
                             for k, v in (step.get("env") or {}).items()})
            script = os.path.join(self.tmp, "step-%d.sh" % i)
            with open(script, "w") as f:
                f.write(fill(step["run"], context))
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                               cwd=self.workspace, env=step_env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=120)
            output += r.stdout
            if r.returncode != 0:
                return r.returncode, output
        return 0, output

    def original_inputs(self, **kw):
        inputs = {"em_api_token": TOKEN, "deployment_id": "dep-1", "project_id": "shop",
                  "first_commit_at": "2026-03-01T09:00:00.000Z"}
        inputs.update(kw)
        return inputs

    def test_created_then_deployed(self):
        code, out = self.run_action(self.original_inputs(deployment_type="CREATED"))
        self.assertEqual(code, 0, out)
        d = self.deployment("dep-1")
        self.assertEqual(d["project_id"], "shop")
        self.assertEqual(d["first_commit_at"], "2026-03-01T09:00:00.000Z")
        self.assertEqual(d["commit_sha"], self.sha)  # ours: GITHUB_SHA, read by the client
        self.assertIsNone(d["deployed_at"])

        code, out = self.run_action(self.original_inputs(deployment_type="DEPLOYED"))
        self.assertEqual(code, 0, out)
        d = self.deployment("dep-1")
        self.assertEqual(d["status"], "deployed")
        self.assertIsNotNone(d["deployed_at"])

    def test_deployed_alone_with_create_if_not_exists(self):
        for id, flag in (("dep-2", "true"), ("dep-3", True), ("dep-4", "TRUE")):
            code, out = self.run_action(self.original_inputs(
                deployment_type="DEPLOYED", deployment_id=id, create_if_not_exists=flag,
                deployment_start_time="2026-03-02T11:00:00.000Z"))
            self.assertEqual(code, 0, out)
            d = self.deployment(id)
            self.assertEqual(d["status"], "deployed")
            self.assertEqual(d["deploy_start_at"], "2026-03-02T11:00:00.000Z")
            self.assertGreater(d["deployed_at"], "2026-03-03")  # now, not the start time
            self.assertEqual(d["first_commit_at"], "2026-03-01T09:00:00.000Z")

    def test_deployed_unknown_without_create_if_not_exists_fails(self):
        code, out = self.run_action(self.original_inputs(deployment_type="DEPLOYED",
                                                         deployment_id="never-started"))
        self.assertEqual(code, 1, out)
        self.assertIn("refused (404)", out)
        self.assertIn("::error title=em-metrics::", out)

    def test_create_if_not_exists_other_than_true_or_false_fails(self):
        code, out = self.run_action(self.original_inputs(
            deployment_type="DEPLOYED", deployment_id="dep-5", create_if_not_exists="yes"))
        self.assertEqual(code, 1, out)
        self.assertIn("create_if_not_exists must be true or false, not 'yes'", out)
        self.assertEqual(self.server.get("/api/v1/deployments/dep-5")[0], 404)

    def test_wrong_type_exits_1_unless_always_succeed(self):
        for kind in ("deployed", "STARTED", ""):
            code, out = self.run_action(self.original_inputs(deployment_type=kind))
            self.assertEqual(code, 1, out)
            self.assertIn("deployment_type can only be CREATED or DEPLOYED", out)
        code, out = self.run_action(self.original_inputs(deployment_type="deployed"),
                                    env={"ALWAYS_SUCCEED": "true"})
        self.assertEqual(code, 0, out)
        self.assertEqual(self.server.get("/api/v1/deployments/dep-1")[0], 404)

    def test_wrong_token_fails_unless_always_succeed(self):
        inputs = self.original_inputs(deployment_type="CREATED", em_api_token="wrong")
        code, out = self.run_action(inputs)
        self.assertEqual(code, 1, out)
        self.assertIn("refused (403)", out)
        code, out = self.run_action(inputs, env={"ALWAYS_SUCCEED": "1"})
        self.assertEqual(code, 0, out)
        self.assertIn("passing as ALWAYS_SUCCEED is set", out)
        self.assertEqual(self.server.get("/api/v1/deployments/dep-1")[0], 404)

    def test_github_defaults_for_what_is_not_given(self):
        # Only what our action needs: the id, project, commit and first commit come from GitHub's
        # variables and the workspace's git history (its head's committer time).
        code, out = self.run_action({"em_api_token": TOKEN, "deployment_type": "CREATED",
                                     "environment": "production", "kind": "hotfix"})
        self.assertEqual(code, 0, out)
        d = self.deployment(RUN_ID)
        self.assertEqual(d["project_id"], "acme/shop")
        self.assertEqual(d["first_commit_at"], "2026-03-02T10:30:00.000Z")
        self.assertEqual(d["commit_sha"], self.sha)
        self.assertEqual(d["environment"], "production")
        self.assertEqual(d["kind"], "hotfix")
        code, out = self.run_action({"em_api_token": TOKEN, "deployment_type": "DEPLOYED"})
        self.assertEqual(code, 0, out)
        self.assertEqual(self.deployment(RUN_ID)["status"], "deployed")

    def test_em_metrics_url_input_wins_over_the_endpoint_variable(self):
        code, out = self.run_action(self.original_inputs(deployment_type="CREATED",
                                                         em_metrics_url=self.server.url),
                                    env={"EM_METRICS_ENDPOINT": "http://127.0.0.1:1"})
        self.assertEqual(code, 0, out)
        self.deployment("dep-1")

    def test_log_levels(self):
        inputs = self.original_inputs(deployment_type="CREATED", em_api_token="wrong")
        code, out = self.run_action(dict(inputs, log_level="NONE"))
        self.assertEqual((code, out), (1, ""))
        code, out = self.run_action(dict(inputs, log_level="INFO", em_api_token=TOKEN))
        self.assertEqual(code, 0, out)
        self.assertIn("em-metrics: em-metrics deployment start --id dep-1", out)
        self.assertNotIn(TOKEN, out)

    def test_the_original_workflow_with_its_uses_lines_changed(self):
        original = ci_harness.markdown_block("docs/ci-client.md", "original-workflow")
        ours = ci_harness.markdown_block("docs/ci-client.md", "our-workflow")
        a, b = original.splitlines(), ours.splitlines()
        self.assertEqual(len(a), len(b))
        changed = [(x, y) for x, y in zip(a, b) if x != y]
        self.assertTrue(changed)
        for x, y in changed:
            self.assertRegex(x, r"^\s*(- )?uses: jsmrcaga/em-metrics/\.github/actions/deployments@")
            self.assertRegex(y, r"^\s*(- )?uses: [\w.-]+/em-metrics/deploy/ci/github@")
        # Run ours as GitHub would: the job's env, then each step using the action.
        workflow = yaml.safe_load(ours)
        (job,) = workflow["jobs"].values()
        context = {"secrets.EM_API_TOKEN": TOKEN, "vars.EM_METRICS_ENDPOINT": self.server.url,
                   "github.run_id": RUN_ID,
                   "github.event.head_commit.timestamp": "2026-03-01T09:00:00Z"}
        env = {k: fill(str(v), context) for k, v in (job.get("env") or {}).items()}
        ran = 0
        for step in job["steps"]:
            if "deploy/ci/github@" not in step.get("uses", ""):
                continue
            inputs = {k: fill(input_string(v), context) for k, v in step["with"].items()}
            code, out = self.run_action(inputs, env=env)
            self.assertEqual(code, 0, out)
            ran += 1
        self.assertGreaterEqual(ran, 2)
        d = self.deployment(RUN_ID)
        self.assertEqual(d["status"], "deployed")
        self.assertEqual(d["first_commit_at"], "2026-03-01T09:00:00.000Z")

    def test_the_image_when_no_binary_is_on_the_runner(self):
        # A stand-in for `docker run`: the client runs with only the variables named by -e, as in
        # a container; the image and the arguments are written down.
        record = os.path.join(self.tmp, "docker-args")
        docker_bin = os.path.join(self.tmp, "docker-bin")
        os.makedirs(docker_bin)
        with open(os.path.join(docker_bin, "docker"), "w") as f:
            f.write("""#!/usr/bin/env bash
printf '%%s\\n' "$@" > %s
[ "$1" = run ] || exit 99
shift
envs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rm) shift ;;
    --network) shift 2 ;;
    -e) if [ -n "${!2+x}" ]; then envs+=("$2=${!2}"); fi; shift 2 ;;
    -*) echo "docker stand-in: unexpected $1" >&2; exit 98 ;;
    *) break ;;
  esac
done
echo "image $1" >> %s
shift
exec env -i "${envs[@]}" %s "$@"
""" % (record, record, ci_harness.BINARY))
        os.chmod(os.path.join(docker_bin, "docker"), 0o755)
        env = {"PATH": docker_bin + ":/usr/bin:/bin"}
        cases = (("v1.2.3", "", "ghcr.io/em-metrics/em-metrics:v1.2.3"),
                 ("main", "", "ghcr.io/em-metrics/em-metrics:latest"),
                 ("main", "v9.9.9", "ghcr.io/em-metrics/em-metrics:v9.9.9"))
        for n, (ref, version, image) in enumerate(cases):
            id = "img-%d" % n
            code, out = self.run_action(self.original_inputs(
                deployment_type="CREATED", deployment_id=id, version=version),
                env=env, action_ref=ref, with_binary=False)
            self.assertEqual(code, 0, out)
            with open(record) as f:
                args = f.read()
            self.assertIn("image " + image, args)
            self.assertNotIn(TOKEN, args)  # passed by name (-e EM_METRICS_TOKEN), not value
            self.assertEqual(self.deployment(id)["commit_sha"], self.sha)  # GITHUB_SHA went in


if __name__ == "__main__":
    ci_harness.main()
