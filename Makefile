# SPDX-License-Identifier: MIT
# atlasperf top-level build (GNU make). `make` builds the library and the
# program into build/; `make check` rebuilds everything with ASan+UBSan in
# build/asan/ and runs every test; `make run` runs the main job.

PKGS        := libcurl json-c yaml-0.1
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC          ?= cc
BUILD       ?= build
CFLAGS      ?= -O2 -g
WARN        := -std=c11 -Wall -Wextra -Werror -Wshadow -pedantic
CPPFLAGS    += -D_POSIX_C_SOURCE=200809L -Icommon/include
LDLIBS      += $(PKG_LIBS) -lm

SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all

VERSION     := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS    += -DAP_VERSION='"$(VERSION)"'

COMMON_SRC  := $(wildcard common/src/*.c)
EXECD_SRC   := $(wildcard plugins/telegraf-execd/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
TOOL_SRC    := $(wildcard tests/tools/*.c)
FUZZ_SRC    := $(wildcard tests/fuzz/fuzz_*.c)

COMMON_OBJ  := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
EXECD_OBJ   := $(EXECD_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN    := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_BIN    := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all deps check unit-tests run bench fuzz fuzz-build clean

all: $(BUILD)/libatlasperf.a $(BUILD)/atlasperf

deps:
	@scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libatlasperf.a: $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# `convert --threads` (convert_parallel.c) uses POSIX threads. In
# CPPFLAGS and LDLIBS, which `make check` and the packages do not set on
# the command line, so the sanitizer and package builds get it too.
$(EXECD_OBJ): CPPFLAGS += -pthread
$(BUILD)/atlasperf: LDLIBS += -pthread
$(BUILD)/atlasperf: $(EXECD_OBJ) $(BUILD)/libatlasperf.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libatlasperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libatlasperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: all $(UNIT_BIN) $(TOOL_BIN)

# THE test command: sanitizer build of everything, then every test suite.
check: deps
	$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(SAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" unit-tests
	$(MAKE) --no-print-directory unit-tests
	$(MAKE) --no-print-directory fuzz-build
	tests/run-tests build/asan build

# The main job: the collector on the example configuration (public
# built-in measurements, no API key), printing line protocol until Ctrl-C.
RUN_INTERVAL ?= 240s
run: deps all
	$(BUILD)/atlasperf execd --config examples/atlasperf.yaml \
		--interval $(RUN_INTERVAL)

bench: deps all $(BUILD)/tools/bench_gen $(BUILD)/tools/bench_jsonc
	tests/bench/run-bench $(BUILD)

# libFuzzer targets (clang). FUZZ_SECONDS per target, default 600.
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_SRC)
	@mkdir -p $(dir $@)
	clang $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps fuzz-build
	tests/fuzz/run-fuzz $${FUZZ_SECONDS:-600}

clean:
	rm -rf build

# --- collectd plugin ---
# $(BUILD)/atlasperf.so, the collectd read plugin (plugins/collectd/,
# docs/collectd.md), built against Debian's collectd-dev headers. The
# common library is compiled again as position-independent code into
# $(BUILD)/pic/ and linked in statically; only module_register is exported
# (atlasperf.sym). `all` builds it only when the headers are installed, so
# `make` still works without collectd-dev. The plugin's daemon-free unit
# tests (plugins/collectd/*_test.c) are part of unit-tests either way.
CD_HEADER   := /usr/include/collectd/core/daemon/plugin.h
CD_SRC      := $(filter-out %_test.c,$(wildcard plugins/collectd/*.c))
CD_PIC_OBJ  := $(CD_SRC:%.c=$(BUILD)/pic/%.o)
COMMON_PIC  := $(COMMON_SRC:%.c=$(BUILD)/pic/%.o)
CD_TEST_SRC := $(wildcard plugins/collectd/*_test.c)
CD_TEST_BIN := $(CD_TEST_SRC:plugins/collectd/%_test.c=$(BUILD)/tests/test_%)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

# collectd's common.h stops with an #error without HAVE_CONFIG_H; its
# headers include "liboconfig/oconfig.h" relative to /usr/include/collectd.
# They pass our strict flags (-std=c11 -pedantic -Wshadow -Werror, checked
# with collectd-dev 5.12.0), so no warning is relaxed for them.
$(BUILD)/pic/plugins/collectd/atlasperf.o: CPPFLAGS += -DHAVE_CONFIG_H \
	-I/usr/include/collectd

$(BUILD)/pic/libatlasperf.a: $(COMMON_PIC)
	rm -f $@
	$(AR) rcs $@ $^

# No -Wl,--no-undefined: plugin_*, cf_util_* and sstrncpy come from the
# daemon at load time.
$(BUILD)/atlasperf.so: $(CD_PIC_OBJ) $(BUILD)/pic/libatlasperf.a \
		plugins/collectd/atlasperf.sym
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -fPIC \
		-Wl,--version-script=plugins/collectd/atlasperf.sym -o $@ \
		$(CD_PIC_OBJ) $(BUILD)/pic/libatlasperf.a $(LDLIBS)

$(CD_TEST_BIN): $(BUILD)/tests/test_%: $(BUILD)/obj/plugins/collectd/%_test.o \
		$(BUILD)/libatlasperf.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ifneq ($(wildcard $(CD_HEADER)),)
all: $(BUILD)/atlasperf.so
endif
unit-tests: $(CD_TEST_BIN)

-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)
# --- end collectd plugin ---

# --- install and packages ---
# `make install` installs atlasperf under $(DESTDIR)$(PREFIX); every
# directory below can be overridden on the command line. PREFIX is
# /usr/local by default; the packages use /usr. Configuration goes to
# SYSCONFDIR and state to LOCALSTATEDIR/lib/atlasperf: /etc and /var when
# PREFIX is /usr, else $(PREFIX)/etc and $(PREFIX)/var (GNU's defaults).
# Telegraf and collectd only look in /etc/telegraf/telegraf.d,
# /etc/collectd/collectd.conf.d and /usr/lib/collectd, so for a /usr/local
# install that they pick up by themselves pass e.g.
#   make install SYSCONFDIR=/etc LOCALSTATEDIR=/var
#       COLLECTD_PLUGINDIR=/usr/lib/collectd   (one command line)
# The installed configuration files are the shipped ones with their paths
# rewritten to the installed ones (AP_PATHS_SED); the YAML file is
# examples/atlasperf.yaml with state_dir = STATEDIR. The collectd parts
# (plugin, types file, snippet) are installed when the plugin is built
# (collectd-dev present) or WITH_COLLECTD=yes. Man pages are installed
# uncompressed (dh_compress and brp-compress compress them). No user is
# created here: the packages' maintainer scripts do that (packaging/).
# packaging/README.md lists every installed file and the package targets:
#   deb            .debs from a copy of the tree (dpkg-buildpackage writes
#                  to the parent directory), copied to $(BUILD)/
#   rpm            .rpms with rpmbuild (--nodeps: Debian has no rpm
#                  database of the build dependencies), copied to $(BUILD)/
#   package-check  tests/packaging/test-packages (builds, lints, installs,
#                  runs and purges the packages on this machine: root)
#   package-deps   scripts/install-package-deps
PREFIX             ?= /usr/local
ifeq ($(patsubst %/,%,$(PREFIX)),/usr)
SYSCONFDIR         ?= /etc
LOCALSTATEDIR      ?= /var
else
SYSCONFDIR         ?= $(PREFIX)/etc
LOCALSTATEDIR      ?= $(PREFIX)/var
endif
BINDIR             ?= $(PREFIX)/bin
DATADIR            ?= $(PREFIX)/share
MANDIR             ?= $(DATADIR)/man
DOCDIR             ?= $(DATADIR)/doc/atlasperf
STATEDIR           ?= $(LOCALSTATEDIR)/lib/atlasperf
COLLECTD_PLUGINDIR ?= $(PREFIX)/lib/collectd
COLLECTD_CONFDIR   ?= $(SYSCONFDIR)/collectd/collectd.conf.d
TELEGRAF_CONFDIR   ?= $(SYSCONFDIR)/telegraf/telegraf.d
WITH_COLLECTD      ?= $(if $(wildcard $(CD_HEADER)),yes,no)

AP_DOCS     := README.md CHANGELOG.md $(wildcard docs/*.md)
AP_GEN      := $(BUILD)/install-gen
AP_CD_DEPS  := $(if $(filter yes,$(WITH_COLLECTD)),$(BUILD)/atlasperf.so)
# The shipped snippets name the Debian paths; make them name ours.
AP_PATHS_SED := -e 's|/usr/bin/atlasperf|$(BINDIR)/atlasperf|g' \
	-e 's|/etc/atlasperf/|$(SYSCONFDIR)/atlasperf/|g' \
	-e 's|/var/lib/atlasperf|$(STATEDIR)|g' \
	-e 's|/usr/lib/collectd/atlasperf\.so|$(COLLECTD_PLUGINDIR)/atlasperf.so|g' \
	-e 's|/usr/share/collectd/atlasperf\.db|$(DATADIR)/atlasperf/atlasperf.db|g'

# The source tree without build outputs, as a tar stream on stdout (the
# copy `make deb` builds in, the tarball `make rpm` builds from).
AP_TREE_TAR := tar -cf - --exclude=./.git --exclude=./build \
	--exclude='./$(BUILD)' --exclude=__pycache__ --exclude=node_modules \
	--exclude='./tests/fuzz/corpus-*' --exclude='crash-*' \
	--exclude='leak-*' --exclude='timeout-*' .
# dpkg-buildpackage and rpmbuild run make again: nothing of this make's
# command line or flags may leak into that build.
AP_CLEAN_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	-u CFLAGS -u CPPFLAGS -u LDFLAGS

.PHONY: install uninstall deb rpm package-check package-deps version-check

install: all $(AP_CD_DEPS)
	@mkdir -p $(AP_GEN)
	sed $(AP_PATHS_SED) \
		-e 's|^state_dir:.*|state_dir: $(STATEDIR)|' \
		-e 's|build/atlasperf check-config examples/atlasperf\.yaml|atlasperf check-config $(SYSCONFDIR)/atlasperf/atlasperf.yaml|' \
		examples/atlasperf.yaml > $(AP_GEN)/atlasperf.yaml
	@grep -qx 'state_dir: $(STATEDIR)' $(AP_GEN)/atlasperf.yaml || \
		{ echo "install: no state_dir line in examples/atlasperf.yaml" >&2; exit 1; }
	sed $(AP_PATHS_SED) packaging/telegraf/atlasperf.conf \
		> $(AP_GEN)/telegraf-atlasperf.conf
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/atlasperf \
		$(DESTDIR)$(TELEGRAF_CONFDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(DATADIR)/atlasperf/grafana/dashboards \
		$(DESTDIR)$(DATADIR)/atlasperf/grafana/provisioning
	install -m 0755 $(BUILD)/atlasperf $(DESTDIR)$(BINDIR)/atlasperf
	install -m 0640 $(AP_GEN)/atlasperf.yaml \
		$(DESTDIR)$(SYSCONFDIR)/atlasperf/atlasperf.yaml
	install -m 0644 $(AP_GEN)/telegraf-atlasperf.conf \
		$(DESTDIR)$(TELEGRAF_CONFDIR)/atlasperf.conf
	install -m 0644 docs/man/atlasperf.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/man/atlasperf.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(AP_DOCS) $(DESTDIR)$(DOCDIR)/
	@# Whatever grafana/ holds at build time (dot files and backups aside).
	for d in dashboards provisioning; do \
		[ -d grafana/$$d ] || continue; \
		(cd grafana/$$d && find . -type f ! -name '.*' ! -name '*~' | sort) | \
		while read -r f; do \
			install -D -m 0644 "grafana/$$d/$$f" \
				"$(DESTDIR)$(DATADIR)/atlasperf/grafana/$$d/$$f" || exit 1; \
		done || exit 1; \
	done
	install -d -m 0750 $(DESTDIR)$(STATEDIR)
ifeq ($(WITH_COLLECTD),yes)
	sed $(AP_PATHS_SED) packaging/collectd/atlasperf.conf \
		> $(AP_GEN)/collectd-atlasperf.conf
	install -d $(DESTDIR)$(COLLECTD_PLUGINDIR) \
		$(DESTDIR)$(COLLECTD_CONFDIR) $(DESTDIR)$(DATADIR)/atlasperf
	install -m 0644 $(BUILD)/atlasperf.so \
		$(DESTDIR)$(COLLECTD_PLUGINDIR)/atlasperf.so
	install -m 0644 plugins/collectd/atlasperf.db \
		$(DESTDIR)$(DATADIR)/atlasperf/atlasperf.db
	install -m 0644 $(AP_GEN)/collectd-atlasperf.conf \
		$(DESTDIR)$(COLLECTD_CONFDIR)/atlasperf.conf
endif

# Removes what install installed, except the YAML configuration and the
# state directory (the operator's settings and data; remove them by hand).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/atlasperf \
		$(DESTDIR)$(TELEGRAF_CONFDIR)/atlasperf.conf \
		$(DESTDIR)$(COLLECTD_CONFDIR)/atlasperf.conf \
		$(DESTDIR)$(COLLECTD_PLUGINDIR)/atlasperf.so \
		$(DESTDIR)$(MANDIR)/man1/atlasperf.1 \
		$(DESTDIR)$(MANDIR)/man5/atlasperf.yaml.5
	rm -rf $(DESTDIR)$(DATADIR)/atlasperf $(DESTDIR)$(DOCDIR)
	@echo "uninstall: kept $(DESTDIR)$(SYSCONFDIR)/atlasperf/atlasperf.yaml and $(DESTDIR)$(STATEDIR)"

# VERSION is the one version: debian/changelog, the spec file and
# CHANGELOG.md must agree with it (atlasperf --version prints it).
version-check: package-deps
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version) && \
	[ "$$v" = "$(VERSION)" ] || { echo "version-check: packaging/debian/changelog has $$v, VERSION has $(VERSION) (add an entry: dch -c packaging/debian/changelog -v $(VERSION))" >&2; exit 1; }
	@v=$$(sed -n 's/^Version:[[:space:]]*//p' packaging/rpm/atlasperf.spec) && \
	[ "$$v" = "$(VERSION)" ] || { echo "version-check: packaging/rpm/atlasperf.spec has Version $$v, VERSION has $(VERSION)" >&2; exit 1; }
	@grep -q '^## \[$(VERSION)\]' CHANGELOG.md || \
		{ echo "version-check: CHANGELOG.md has no '## [$(VERSION)]' section" >&2; exit 1; }

package-deps:
	@scripts/install-package-deps

deb: version-check
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb/atlasperf-$(VERSION)
	$(AP_TREE_TAR) | tar -xf - -C $(BUILD)/deb/atlasperf-$(VERSION)
	cp -R packaging/debian $(BUILD)/deb/atlasperf-$(VERSION)/debian
	cd $(BUILD)/deb/atlasperf-$(VERSION) && \
		$(AP_CLEAN_ENV) dpkg-buildpackage -us -uc -b -jauto
	rm -f $(BUILD)/atlasperf_*.deb $(BUILD)/atlasperf-*_*.deb
	cp $(BUILD)/deb/*.deb $(BUILD)/
	@ls -1 $(BUILD)/*.deb

AP_RPM_TOP = $(abspath $(BUILD))/rpm
rpm: version-check
	rm -rf $(AP_RPM_TOP)
	mkdir -p $(AP_RPM_TOP)/SOURCES $(AP_RPM_TOP)/tree/atlasperf-$(VERSION)
	$(AP_TREE_TAR) | tar -xf - -C $(AP_RPM_TOP)/tree/atlasperf-$(VERSION)
	tar -czf $(AP_RPM_TOP)/SOURCES/atlasperf-$(VERSION).tar.gz \
		-C $(AP_RPM_TOP)/tree atlasperf-$(VERSION)
	$(AP_CLEAN_ENV) rpmbuild -bb --nodeps --define '_topdir $(AP_RPM_TOP)' \
		packaging/rpm/atlasperf.spec
	rm -f $(BUILD)/atlasperf-*.rpm
	cp $(AP_RPM_TOP)/RPMS/*/*.rpm $(BUILD)/
	@ls -1 $(BUILD)/*.rpm

package-check: package-deps
	tests/packaging/test-packages $(BUILD)
# --- end install and packages ---

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
