#!/bin/bash
# The installed package alone builds and runs examples/record-and-report: `cmake --install` of
# this build into a temporary prefix, the example configured and built from a copy outside the
# tree (no path can reach src/), run, its figures checked. Then every installed header is compiled
# with only the installed include directory: a header that includes one not installed fails here,
# as one that includes SQLite's, Boost's, libcurl's or the generated protobuf headers.
#   library_package_test.sh BUILD_DIR SOURCE_DIR CXX [CMAKE] [CXX_FLAGS]
# CXX_FLAGS: the build's own (a sanitizer build's libraries need the same -fsanitize to link).
set -euo pipefail
build=$1 source=$2 cxx=$3 cmake=${4:-cmake} flags=${5:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cmake" --install "$build" --prefix "$tmp/prefix" >/dev/null
cp -r "$source/examples/record-and-report" "$tmp/example"
"$cmake" -S "$tmp/example" -B "$tmp/example/build" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
"$cmake" --build "$tmp/example/build" >/dev/null
"$tmp/example/build/record-and-report" >"$tmp/out"

expected='deployments: 2 (0.29 per day)
lead time for changes, median: 5400 s
change failure rate: 0.50
time to restore, median: 2700 s
overall level: low'
if [ "$(head -5 "$tmp/out")" != "$expected" ]; then
  echo "unexpected DORA figures:"; cat "$tmp/out"; exit 1
fi
labels='{project_id="checkout",team_id="payments",environment="production"}'
for series in "deployment_frequency_total$labels 2" "change_failure_count_total$labels 1" \
              "time_to_restore_seconds_sum$labels 2700"; do
  grep -qxF "$series" "$tmp/out" || { echo "missing: $series"; cat "$tmp/out"; exit 1; }
done

include="$tmp/prefix/include/em-metrics"
(cd "$include" && find . -name '*.h' | sort | sed 's|^\./\(.*\)|#include "\1"|') >"$tmp/all.cc"
"$cxx" $flags -std=c++20 -fsyntax-only -I "$include" "$tmp/all.cc"
# The libraries' own dependencies stay out of the public headers.
if grep -rnE '#include [<"](sqlite3\.h|boost/|curl/|google/protobuf|opentelemetry/)' "$include"; then
  echo "a public header includes a dependency's header"; exit 1
fi
echo "ok: $(grep -c . "$tmp/all.cc") installed headers, example output:"
cat "$tmp/out"
