#!/usr/bin/env bash
# The deployments action's one step (action.yml): maps the original em-metrics action's inputs,
# given as EMM_INPUT_* variables, onto the CI client (docs/ci-client.md#github-action). What to
# send and how (GitHub's defaults, git, retries, exit codes) is the client's; this only wires.
set -uo pipefail

log_level=${EMM_INPUT_LOG_LEVEL:-ERROR}
case "$log_level" in
  NONE | ERROR | INFO) ;;
  *) log_level=ERROR ;;  # the original's logger falls back to ERROR too
esac

# Leaves with `code`; ALWAYS_SUCCEED (any non-empty value, as the original's check) turns a
# failure into a passing step, for teams that never want a red check from metrics.
leave() {
  if [ "$1" -ne 0 ] && [ -n "${ALWAYS_SUCCEED:-}" ]; then
    [ "$log_level" = NONE ] || echo "em-metrics: failed (exit $1), passing as ALWAYS_SUCCEED is set"
    exit 0
  fi
  exit "$1"
}

# An error annotation on the run's page (stdout: GitHub reads workflow commands there).
fail() {
  [ "$log_level" = NONE ] || echo "::error title=em-metrics::$1"
  leave "$2"
}

case "${EMM_INPUT_DEPLOYMENT_TYPE:-}" in
  CREATED) args=(deployment start) ;;
  DEPLOYED) args=(deployment finish) ;;
  *)
    fail "deployment_type can only be CREATED or DEPLOYED, not '${EMM_INPUT_DEPLOYMENT_TYPE:-}'" 1
    ;;
esac

# The original parses create_if_not_exists as true/false in any case; empty is its default, false.
if [ "${args[1]}" = finish ]; then
  create=${EMM_INPUT_CREATE_IF_NOT_EXISTS:-}
  case "${create,,}" in
    true) args+=(--create-if-not-exists) ;;
    false | '') ;;
    *) fail "create_if_not_exists must be true or false, not '$create'" 1 ;;
  esac
fi

# Each input given becomes the client's flag; an empty one leaves the client's default.
flag() {
  if [ -n "$2" ]; then args+=("$1" "$2"); fi
}
flag --id "${EMM_INPUT_DEPLOYMENT_ID:-}"
flag --project-id "${EMM_INPUT_PROJECT_ID:-}"
flag --first-commit-at "${EMM_INPUT_FIRST_COMMIT_AT:-}"
flag --deploy-start-at "${EMM_INPUT_DEPLOYMENT_START_TIME:-}"
flag --environment "${EMM_INPUT_ENVIRONMENT:-}"
flag --kind "${EMM_INPUT_KIND:-}"

# The client reads its connection from the environment: no secret on a command line.
if [ -n "${EMM_INPUT_EM_API_TOKEN:-}" ]; then export EM_METRICS_TOKEN=$EMM_INPUT_EM_API_TOKEN; fi
if [ -n "${EMM_INPUT_EM_METRICS_URL:-}" ]; then export EM_METRICS_URL=$EMM_INPUT_EM_METRICS_URL; fi

# The binary: an input path, em-metrics on PATH, else the image with the job's variables.
if [ -n "${EMM_INPUT_EM_METRICS_PATH:-}" ]; then
  client=("$EMM_INPUT_EM_METRICS_PATH")
elif command -v em-metrics >/dev/null 2>&1; then
  client=(em-metrics)
else
  version=${EMM_INPUT_VERSION:-}
  if [ -z "$version" ]; then
    version=latest
    if [[ "${EMM_ACTION_REF:-}" =~ ^v[0-9]+(\.[0-9]+)*$ ]]; then version=$EMM_ACTION_REF; fi
  fi
  # --network host: a server on the runner (a service container's port, localhost) stays reachable.
  client=(docker run --rm --network host)
  # The client's variables and GitHub's, by name only: their values never reach the command line.
  for name in $(compgen -e); do
    case "$name" in EM_METRICS_* | GITHUB_*) client+=(-e "$name") ;; esac
  done
  client+=("${EMM_INPUT_IMAGE:-ghcr.io/em-metrics/em-metrics}:$version")
fi

[ "$log_level" = INFO ] && echo "em-metrics: ${client[*]} ${args[*]}"
if [ "$log_level" = NONE ]; then
  "${client[@]}" "${args[@]}" >/dev/null 2>&1
else
  "${client[@]}" "${args[@]}"
fi
code=$?
# The client said why on stderr; the annotation points at it.
[ "$code" -eq 0 ] || fail "em-metrics ${args[*]:0:2} failed (exit $code, see the log above)" "$code"
leave 0
