# bosun's front door. The real build is meson + ninja in $(BUILD).
#   make deps     install the Debian packages bosun needs to build and test
#   make          build (same as make build)
#   make check    deps + build + every test; ends with "N passed, N failed"
#   make demo     build, then release a sample repository it creates
#   make bench    run the benchmarks in bench/ against the peers
#   make fuzz     run every libFuzzer harness FUZZ_SECONDS (60) from its seed
#                 corpus in tests/fuzz/corpus/NAME, adding what it finds there
#   make install PREFIX=/usr/local   the binary, man pages and completions
#                 (DESTDIR=/tmp/stage for a staging directory)
BUILD ?= build
PREFIX ?= /usr/local
MESON_OPTS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEPS = build-essential meson ninja-build pkg-config git \
       libgit2-dev libfyaml-dev libjansson-dev libsqlite3-dev zlib1g-dev libcmocka-dev \
       libvectorscan-dev libpcre2-dev libcurl4-openssl-dev \
       libarchive-dev libarchive13 libzstd1 \
       python3 python3-yaml sqlite3 man-db zsh fish strace

.PHONY: all build deps check test demo bench install clean asan fuzz

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test: build
	tests/run.sh $(BUILD)

check: deps build
	tests/run.sh $(BUILD)

demo: deps build
	BOSUN=$(CURDIR)/$(BUILD)/bosun sh demo/demo.sh

bench: build
	bench/release.sh $(BUILD)/bosun

asan:
	$(MAKE) BUILD=build-asan MESON_OPTS="-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug" test

FUZZ_SECONDS ?= 60
fuzz:
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
	ninja -C build-fuzz
	for f in build-fuzz/tests/fuzz_*; do \
		[ -f "$$f" ] && [ -x "$$f" ] || continue; \
		n=$$(basename "$$f"); mkdir -p tests/fuzz/corpus/$$n; \
		echo "== $$n"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		"$$f" -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
			tests/fuzz/corpus/$$n 2>&1 | tail -n 3 || exit 1; \
	done

install: build
	meson configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null
	meson install -C $(BUILD) --destdir "$(DESTDIR)"

clean:
	rm -rf $(BUILD) build-asan build-fuzz
