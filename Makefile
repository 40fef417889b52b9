# em-metrics: `make run` and `make test` are all a new machine needs (Debian 12).
#   make deps    install missing Debian packages (apt; sudo when not root)
#   make build   configure and build into $(BUILD) (Release)
#   make run     deps + build + start the server (SQLite at ./data/em-metrics.db unless SQLITE_DB is set)
#   make test    deps + build + every test (ctest)
#   make test-deps  prometheus + node + npm (apt, only when the commands are missing) + the npm packages
#                   of the OTLP test sink and of the deploy checks (tests/deploy)
#   make test-image  the Dockerfile's runtime stage around $(BUILD)/em-metrics, run with podman
#   make bench   deps + build + the harnesses: writes (run_load.sh), /metrics (metrics_scrape.sh), OTLP export
#   make asan    every test built with AddressSanitizer + UBSan (build-asan/)
#   make tsan    every test built with ThreadSanitizer (build-tsan/)
BUILD   ?= build
JOBS    ?= 2
BUILD_TYPE ?= Release
DEPS := cmake g++ make pkg-config libboost1.81-dev libboost-json1.81-dev libsqlite3-dev \
        protobuf-compiler libprotobuf-dev libcurl4-openssl-dev zlib1g-dev \
        libssl-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev tzdata
# PostgreSQL's client library (issue 14; docs/storage.md#postgresql-in-progress).
DEPS += libpq-dev
BENCH_DEPS := wrk
# Tests only: the end-to-end tests scrape the server with Debian's Prometheus and lint with promtool,
# and read the database beside the server with the sqlite3 shell; python3 checks the docs' links;
# python3-yaml reads deploy/ci's action and GitLab CI template in their tests.
TEST_DEPS := prometheus sqlite3 python3 python3-yaml
# The compose stack's checks (tests/deploy/): Debian's docker-compose validates the file.
TEST_DEPS += docker-compose
# The PostgreSQL tests start a throwaway PostgreSQL 15 server (tests/testing/pg_server.h).
TEST_DEPS += postgresql-15
# The image test: buildah builds and podman (with runc, netavark and its iptables rules for -p) runs
# the image offline on a base made by mmdebstrap; curl talks to the container.
IMAGE_TEST_DEPS := podman buildah runc netavark iptables mmdebstrap curl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps test-deps build run test bench asan tsan clean
.PHONY: test-image

all: build

deps:
	@missing=""; for p in $(DEPS) $(EXTRA_DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

bench-deps:
	@$(MAKE) --no-print-directory deps EXTRA_DEPS="$(BENCH_DEPS)"

# The OTLP tests run a Node receiver (tests/interop/otlp). node/npm are checked as commands, not
# dpkg packages: a NodeSource nodejs (which bundles npm) must not be replaced by Debian's.
OTLP_SINK_DIR := tests/interop/otlp
# deploy_manifests: the Terraform module and the Kubernetes manifests agree (docs/kubernetes.md).
DEPLOY_CHECK_DIR := tests/deploy
NPM_TEST_DIRS := $(OTLP_SINK_DIR) $(DEPLOY_CHECK_DIR)
test-deps:
	@$(MAKE) --no-print-directory deps EXTRA_DEPS="$(TEST_DEPS)"
	@pkgs=""; command -v node >/dev/null 2>&1 || pkgs="nodejs"; \
	command -v npm >/dev/null 2>&1 || pkgs="$$pkgs npm"; \
	if [ -n "$$pkgs" ]; then $(MAKE) --no-print-directory deps EXTRA_DEPS="$$pkgs"; fi
	@for d in $(NPM_TEST_DIRS); do (cd $$d && \
	  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
	    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
	    else npm install --no-audit --no-fund; fi && touch node_modules; \
	  fi) || exit 1; done

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@mkdir -p data
	./$(BUILD)/em-metrics serve

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# tests/image/image_test.sh (docs/container.md); EMM_SKIP_IMAGE_TEST=1 skips it, loudly.
test-image: build
	@[ "$${EMM_SKIP_IMAGE_TEST:-}" = 1 ] || $(MAKE) --no-print-directory deps EXTRA_DEPS="$(IMAGE_TEST_DEPS)"
	bash tests/image/image_test.sh $(BUILD)/em-metrics

bench: bench-deps build
	bash bench/run_load.sh
	bash bench/metrics_scrape.sh
	./$(BUILD)/emm_export_bench 10000 20
	d=$$(mktemp -d) && ./$(BUILD)/emm_store_bench $$d 100000 8,32,512; rm -rf $$d

asan: test-deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMM_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"
	cmake --build build-asan -j$(JOBS)
	cd build-asan && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

tsan: test-deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMM_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS="-fsanitize=thread"
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD) build-asan build-tsan
