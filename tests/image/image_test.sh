#!/usr/bin/env bash
# The container image test (`make test-image`, docs/container.md#make-test-image-what-ci-checks):
# builds the runtime stage of the repository's Dockerfile around the host's build of the binary,
# runs it with podman and checks what a user relies on. Prints PASS/FAIL per check, exits nonzero
# on any failure, and removes only the containers, volume and images it created.
#
#   tests/image/image_test.sh [BINARY]    BINARY: the host build (default build/em-metrics)
#   EMM_SKIP_IMAGE_TEST=1                 skip, loudly (developers without podman; never in CI)
set -euo pipefail

if [[ "${EMM_SKIP_IMAGE_TEST:-}" == 1 ]]; then
  echo "####################################################################"
  echo "SKIPPED: the image test (EMM_SKIP_IMAGE_TEST=1): nothing was checked"
  echo "####################################################################"
  exit 0
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
binary=$(realpath "${1:-$repo/build/em-metrics}")
base=docker.io/library/debian:12-slim
run_id="emm-imgtest-$(date +%s)-$$"
image="localhost/$run_id:test"
volume="$run_id-data"
version="0.0.0-imagetest.$$"
vcs_ref=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
token="imgtest-$RANDOM$RANDOM"
# crun refuses to start containers on these machines (cgroup hybrid mode); runc with cgroupfs and
# explicit limits works (../shared/docs/containers.md).
podman=(podman --runtime runc --cgroup-manager=cgroupfs)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

failures=0
containers=()
images=()
volume_created=0
work=$(mktemp -d)
started=$SECONDS

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# A step the later checks need: its failure ends the run (the trap still cleans up).
fatal() { fail "$@"; exit 1; }
# check WHAT DETAIL COMMAND...: PASS: WHAT when COMMAND succeeds, else FAIL: WHAT (got: DETAIL).
check() {
  local what=$1 detail=$2
  shift 2
  if "$@"; then pass "$what"; else fail "$what (got: $detail)"; fi
}

# Runs a command with its output in a file, shown only when it fails: podman logs harmless
# errors on every run here (no systemd for the health check timers).
quiet() {
  local out="$work/quiet.out" rc=0
  "$@" >"$out" 2>&1 || rc=$?
  [[ $rc == 0 ]] && return 0
  sed 's/^/    | /' "$out" | tail -n 40
  return "$rc"
}

cleanup() {
  local rc=$?
  set +e
  for c in "${containers[@]}"; do "${podman[@]}" rm -f -v -t 0 "$c" >/dev/null 2>&1; done
  for i in "${images[@]}"; do podman rmi -f "$i" >/dev/null 2>&1; done
  [[ $volume_created == 1 ]] && podman volume rm -f "$volume" >/dev/null 2>&1
  rm -rf "$work"
  [[ $rc -ne 0 && $failures -eq 0 ]] && fail "the test stopped early (exit status $rc)"
  echo "image test: $((SECONDS - started)) s, $failures failure(s)"
  if [[ $failures -gt 0 || $rc -ne 0 ]]; then
    echo "IMAGE TEST FAILED"
    exit 1
  fi
  echo "IMAGE TEST PASSED"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "image test $run_id: binary $binary, version $version"

# --- tools: a missing one is a failure, not a skip ---
missing=()
for tool in podman buildah runc mmdebstrap curl strip flock; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ ${#missing[@]} -eq 0 ]] || fatal "missing tools: ${missing[*]} (make test-image installs them)"
[[ -x $binary ]] || fatal "no binary at $binary (make build first)"

# --- the base image: made with mmdebstrap only when absent; a lock keeps parallel runs from
# both importing it ---
exec 9>/tmp/emm-image-test-base.lock
flock 9
if podman image exists "$base"; then
  base_id=$(podman image inspect --format '{{.Id}}' "$base" | cut -c1-12)
  echo "base: $base already present ($base_id), reused"
else
  echo "base: $base not present; making it with mmdebstrap (minbase bookworm) and podman import"
  t0=$SECONDS
  quiet mmdebstrap --variant=minbase --include=ca-certificates bookworm "$work/deb12.tar" \
    || fatal "mmdebstrap of the Debian 12 base"
  quiet podman import "$work/deb12.tar" "$base" || fatal "podman import of the base"
  rm -f "$work/deb12.tar"
  echo "base: imported in $((SECONDS - t0)) s"
fi
flock -u 9

# --- the image: the Dockerfile's runtime stage around the host's binary ---
# The runtime stage is the Dockerfile's last (from its last FROM to the end), built verbatim
# behind a stage named `build` that holds the host's stripped binary where the compile stage puts
# it. Selecting the stage with an ARG in FROM does not work with buildah 1.28: its unused-stage
# analysis skips the compile stage and then looks for an image called `build`.
mkdir "$work/context"
dockerfile="$work/context/Dockerfile"
first_from=$(grep -n '^FROM ' "$repo/Dockerfile" | head -n1 | cut -d: -f1)
last_from=$(grep -n '^FROM ' "$repo/Dockerfile" | tail -n1 | cut -d: -f1)
{
  head -n $((first_from - 1)) "$repo/Dockerfile" | grep '^ARG ' || true
  echo 'FROM scratch AS build'
  echo 'COPY em-metrics /src/build/em-metrics'
  tail -n +"$last_from" "$repo/Dockerfile"
} >"$dockerfile"
grep -q '^COPY --from=build /src/build/em-metrics ' "$dockerfile" \
  || fatal "the Dockerfile's last stage copies /src/build/em-metrics from the build stage" \
       "(the layout this test relies on)"
strip -o "$work/context/em-metrics" "$binary"

t0=$SECONDS
images+=("$image")
# --format docker: the OCI format has no HEALTHCHECK field.
if ! buildah bud --pull=never --isolation chroot --format docker \
    --build-arg EM_METRICS_VERSION="$version" --build-arg VCS_REF="$vcs_ref" \
    --build-arg BUILD_DATE="$build_date" -t "$image" "$work/context" >"$work/build.log" 2>&1; then
  sed 's/^/    | /' "$work/build.log" | tail -n 40
  fatal "the image builds (the Dockerfile's runtime stage)"
fi
pass "the image builds (the Dockerfile's runtime stage, $((SECONDS - t0)) s)"

# --- size ---
size=$(podman image inspect --format '{{.Size}}' "$image")
base_size=$(podman image inspect --format '{{.Size}}' "$base")
mb() { LC_ALL=C awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
echo "size: $(mb "$size"), of which the base $(mb "$base_size"), ours $(mb $((size - base_size)))"
podman image ls "$image" | sed 's/^/    /'
# The packages and the stripped binary are about 15 MB: 40 MB catches an unstripped binary or a
# package layer that kept apt's cache (80 MB on this base).
if [[ $((size - base_size)) -le 40000000 ]]; then
  pass "the image adds $(mb $((size - base_size))) to its base (at most 40 MB)"
else
  fail "the image adds $(mb $((size - base_size))) to its base" \
       "(over 40 MB: an unstripped binary, apt's cache?)"
fi

# --- labels and version ---
label() {
  podman image inspect --format "{{index .Labels \"org.opencontainers.image.$1\"}}" "$image"
}
label_ok=1
for want in "title=em-metrics" "version=$version" "revision=$vcs_ref" "created=$build_date" \
    "base.name=$base"; do
  got=$(label "${want%%=*}")
  if [[ "$got" != "${want#*=}" ]]; then
    fail "label org.opencontainers.image.${want%%=*} is '$got', expected '${want#*=}'"
    label_ok=0
  fi
done
if [[ -z $(label description) ]]; then
  fail "label org.opencontainers.image.description is empty"
  label_ok=0
fi
[[ $label_ok == 1 ]] && pass "OCI labels: title, description, version, revision, created, base.name"

got=$("${podman[@]}" run --rm "${limits[@]}" "$image" --version 2>"$work/version.err") || true
if [[ "$got" == "em-metrics $version" ]]; then
  pass "--version shows the build argument: $got"
else
  fail "--version printed '$got', expected 'em-metrics $version'"
  sed 's/^/    | /' "$work/version.err" | tail -n 10
fi

# --- a server on a volume ---
quiet podman volume create "$volume" || fatal "podman volume create"
volume_created=1
port=""

# Starts a server container on the volume, its port 3000 published on a free loopback port;
# waits (bounded, not timed) until /health answers.
start_server() {
  local name=$1
  containers+=("$name")
  quiet "${podman[@]}" run -d --name "$name" "${limits[@]}" -p 127.0.0.1::3000 \
    -v "$volume:/data" -e EM_METRICS_TOKEN_AUTH="$token" "$image" \
    || fatal "container $name starts"
  port=$("${podman[@]}" port "$name" 3000/tcp | sed 's/.*://')
  for _ in $(seq 1 150); do  # up to about 30 s: a loaded CI machine
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then return 0; fi
    if [[ $("${podman[@]}" inspect --format '{{.State.Running}}' "$name") != true ]]; then break; fi
    sleep 0.2
  done
  "${podman[@]}" logs "$name" 2>&1 | tail -n 20 | sed 's/^/    | /'
  fatal "container $name answers /health on its published port"
}

api() {  # METHOD PATH [BODY]: prints the status code, the body goes to $work/body
  : >"$work/body"
  local args=(-sS -o "$work/body" -w '%{http_code}' -X "$1" -H "Authorization: Token $token")
  [[ $# -gt 2 ]] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" "http://127.0.0.1:$port$2" || true  # 000: no answer, reported by the caller
}

start_server "$run_id-1"
body=$(curl -sS "http://127.0.0.1:$port/health" 2>&1) || true
check "/health answers 200 {\"ok\":true} from the container (port $port)" "'$body'" \
  [ "$body" = '{"ok":true}' ]

code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/deployments") || true
check "token auth from the environment: no token is 401" "answered $code" [ "$code" = 401 ]
code=$(api GET /api/v1/version)
check "GET /api/v1/version serves the build argument" "$code $(cat "$work/body")" \
  [ "$code $(cat "$work/body")" = "200 {\"version\":\"$version\"}" ]

uid=$("${podman[@]}" exec "$run_id-1" id -u 2>/dev/null || echo "?")
proc_uid=$("${podman[@]}" exec "$run_id-1" sh -c \
  "awk '/^Uid:/ {print \$2, \$3, \$4, \$5}' /proc/1/status" 2>/dev/null || echo "?")
check "runs as non-root: uid 10001 (exec id -u; PID 1's real, effective, saved and fs uid)" \
  "exec id -u '$uid', /proc/1/status Uid '$proc_uid'" \
  [ "$uid / $proc_uid" = "10001 / 10001 10001 10001 10001" ]

if quiet "${podman[@]}" healthcheck run "$run_id-1" \
    && [[ $("${podman[@]}" inspect --format '{{.State.Health.Status}}' "$run_id-1") \
          == healthy ]]; then
  pass "the HEALTHCHECK reports healthy"
else
  fail "the HEALTHCHECK does not report healthy"
fi
# The same check with nothing listening must fail, or the healthy above proves nothing.
containers+=("$run_id-idle")
quiet "${podman[@]}" run -d --name "$run_id-idle" "${limits[@]}" --entrypoint sleep "$image" 120 \
  || fatal "container $run_id-idle starts"
if "${podman[@]}" healthcheck run "$run_id-idle" >/dev/null 2>&1; then
  fail "the HEALTHCHECK passes with no server listening"
else
  pass "the HEALTHCHECK fails with no server listening"
fi
"${podman[@]}" rm -f -v -t 0 "$run_id-idle" >/dev/null 2>&1 || true

deployment='{"create_if_not_exists":true,"project_id":"image-test",
  "first_commit_at":"2024-05-01T09:12:00Z","deploy_start_at":"2024-05-01T10:00:00Z",
  "deployed_at":"2024-05-01T10:07:00Z"}'
code=$(api POST /api/v1/deployments/42/deployed "$deployment")
check "a deployment written through the container's API (201)" "$code $(cat "$work/body")" \
  [ "$code" = 201 ]
owners=$("${podman[@]}" exec "$run_id-1" stat -c '%u:%g' /data/em-metrics.db 2>/dev/null \
  || echo "?")
check "the database on the volume is owned by 10001:10001" "owner '$owners'" \
  [ "$owners" = 10001:10001 ]

# SIGTERM, the shutdown a `podman stop` / `docker stop` gives; then a new container on the volume.
quiet "${podman[@]}" stop -t 20 "$run_id-1" || fail "podman stop"
exit_code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' "$run_id-1")
check "the server exits 0 on podman stop (SIGTERM)" "exit status $exit_code" \
  [ "$exit_code" = 0 ]
start_server "$run_id-2"
code=$(api GET /api/v1/deployments/42)
if [[ $code == 200 && $(cat "$work/body") == *'"project_id":"image-test"'* \
      && $(cat "$work/body") == *'"status":"deployed"'* ]]; then
  pass "the deployment is still there in a new container on the same volume"
else
  fail "GET /api/v1/deployments/42 in the new container: $code $(cat "$work/body")"
fi
