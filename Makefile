# ai-gateway: `make` builds everything into build/, `make test` runs every
# suite.  Variables: NGINX_SRC (an nginx source tree to build the module
# against: Debian's nginx-dev tree by default, a release tarball or a git
# checkout), NGINX (the nginx binary the tests run), CC, MODULE_CC_OPT (the
# module's compiler options).

SHELL      := /bin/bash
NGINX_SRC  ?= /usr/share/nginx/src
# How the module is compiled: what Debian compiles its nginx with (nginx's
# own default is -O, which costs the per-event stream code a third more)
MODULE_CC_OPT ?= -g -O2 -fstack-protector-strong -Wformat \
                 -Werror=format-security -D_FORTIFY_SOURCE=2
NGINX      ?= /usr/sbin/nginx
BUILD      := $(CURDIR)/build
MOD        := ngx_ai_gateway_module
MOD_SO     := $(BUILD)/ngx_http_ai_gateway_module.so
# One version for the module, the daemon and the packages (the module's
# config reads the same file)
AGW_VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)
ifeq ($(AGW_VERSION),)
$(error no version in $(CURDIR)/VERSION: copy it with the sources)
endif

# lib/ by concern: state/ (the contract with the daemon), json/ (reader,
# writer), translate/ (the engine and a folder per dialect); prices and
# metrics at the top
LIB_SRCS   := $(shell find $(MOD)/lib -name '*.c' | sort)
LIB_HDRS   := $(shell find $(MOD)/lib -name '*.h' | sort)
LIB_INCS   := -I$(MOD)/lib -I$(MOD)/lib/state -I$(MOD)/lib/json \
              -I$(MOD)/lib/translate
# What the daemon links: the shared state contract (the state file and
# its ring, events, key sets, trace ids) and the JSON reader and writer
# the key snapshot is read and written with; none of the translation
DAEMON_LIB_SRCS := $(filter $(MOD)/lib/state/% $(MOD)/lib/json/%,$(LIB_SRCS))
MOD_SRCS   := $(wildcard $(MOD)/src/*.c) $(wildcard $(MOD)/src/*.h)

# The plain C library again, outside nginx, under ASan and UBSan for the
# unit tests.
SAN        := -fsanitize=address,undefined -fno-omit-frame-pointer
UCFLAGS    := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
              $(SAN) $(LIB_INCS) -It/unit
ULIBS      := -ljansson -lcrypto -lm
LIB_OBJS   := $(patsubst $(MOD)/lib/%.c,$(BUILD)/asan/%.o,$(LIB_SRCS))
UNIT_SRCS  := $(wildcard t/unit/*.c)
UNIT_BINS  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_TS    := $(patsubst t/unit/%.c,$(BUILD)/unit/%.t,$(UNIT_SRCS))

.PHONY: all module unit golden test test-modes run clean FORCE \
        install install-module install-daemon install-data install-docs
all: module unit

module: $(MOD_SO)

# Configure once per nginx tree and module `config` (and when sources come
# or go); afterwards nginx's own makefile rebuilds only what changed.  Both
# steps hold a lock: two makes at once must not wipe each other's tree.
LOCK := flock $(BUILD)/.nginx.lock

# Which tree, at which version (and commit, for a git checkout) build/nginx
# was copied from: another NGINX_SRC, or a checkout moved on, configures
# again.  The file is rewritten only when that changes.
$(BUILD)/nginx-src: FORCE
	@mkdir -p $(BUILD)
	@id="$(abspath $(NGINX_SRC)) $$(grep -s '^#define NGINX_VERSION ' \
	       $(NGINX_SRC)/src/core/nginx.h) $$(git -C $(NGINX_SRC) \
	       rev-parse -q --verify HEAD 2>/dev/null)"; \
	 [ "$$id" = "$$(cat $@ 2>/dev/null)" ] || echo "$$id" > $@

# The tree is copied (its own .git and objs/ left out) and configured there:
# configure writes into the tree it runs in.  A release tarball and
# Debian's tree have ./configure; a git checkout has only auto/configure.
$(BUILD)/nginx/.configured: $(MOD)/config $(LIB_SRCS) $(MOD_SRCS) $(LIB_HDRS) \
                            Makefile VERSION $(BUILD)/nginx-src
	@test -f $(NGINX_SRC)/src/core/nginx.h \
	  || { echo "NGINX_SRC=$(NGINX_SRC) is not an nginx source tree" >&2; exit 1; }
	$(LOCK) $(SHELL) -c 'rm -rf $(BUILD)/nginx && mkdir $(BUILD)/nginx \
	  && tar -C $(NGINX_SRC) --exclude=./.git --exclude=./objs -cf - . \
	     | tar -C $(BUILD)/nginx -xf - \
	  && cd $(BUILD)/nginx \
	  && if [ -f conf_flags ]; then . ./conf_flags; \
	     else NGX_CONF_FLAGS=(--with-compat --with-http_ssl_module --with-http_v2_module --with-threads); fi \
	  && if [ -f configure ]; then cfg=./configure; else cfg=auto/configure; fi \
	  && { $$cfg "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(MODULE_CC_OPT)" \
	       --add-dynamic-module=$(CURDIR)/$(MOD) > configure.log 2>&1 \
	       || { tail -20 configure.log; exit 1; }; } \
	  && touch $@'

$(MOD_SO): $(BUILD)/nginx/.configured $(LIB_SRCS) $(LIB_HDRS) $(MOD_SRCS)
	@# a new inode: overwriting a loaded .so in place crashes its workers
	$(LOCK) $(SHELL) -c '$(MAKE) -s -C $(BUILD)/nginx -f objs/Makefile modules \
	  && cp $(BUILD)/nginx/objs/ngx_http_ai_gateway_module.so $@.tmp && mv -f $@.tmp $@'


$(BUILD)/asan/%.o: $(MOD)/lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c $< -o $@

$(BUILD)/unit/%: t/unit/%.c $(LIB_OBJS) $(wildcard t/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $< $(LIB_OBJS) $(ULIBS) -o $@

# prove runs .t files; a two-line shell .t hands it each C test's TAP.
$(BUILD)/unit/%.t: $(BUILD)/unit/%
	printf '#!/bin/sh\nexec "%s"\n' "$<" > $@

unit: $(UNIT_BINS) $(UNIT_TS)

# The engine's golden outputs (t/golden/) recorded again: only for a
# change of output meant and reviewed (t/golden/README.md)
golden: $(BUILD)/unit/test_golden
	AGW_GOLDEN_RECORD=1 $(BUILD)/unit/test_golden > /dev/null
	git status --short t/golden

# keep the library objects: make would delete them as intermediates after
# each link and compile the whole library again next time
.SECONDARY: $(LIB_OBJS)

-include admin-daemon/daemon.mk
-include t/fuzz/fuzz.mk

# The whole suite: C unit tests, then every t/ suite (nginx, daemon, SDK,
# browser), all under prove; node_modules may ship .t files of their own.
# Then the nginx suites again in Test::Nginx's other modes (test-modes).
T_FILES = $(shell find t -name '*.t' -not -path '*/node_modules/*' | sort)

test: all
	@rc=0; \
	 TEST_NGINX_BINARY=$(NGINX) prove -I t/lib $(BUILD)/unit/ $(T_FILES) || rc=1; \
	 $(MAKE) -s test-modes || rc=1; \
	 exit $$rc

# The nginx suites (t/NNN-*.t) in the modes Test::Nginx suites are also run
# in: a HUP reload between blocks instead of a restart, and every request
# over HTTP/2.  Two suites at a time, each on its own port, server root
# and mock ports.
TEST_MODES   := TEST_NGINX_USE_HUP=1 TEST_NGINX_USE_HTTP2=1
NGINX_SUITES = $(sort $(wildcard t/[0-9][0-9][0-9]-*.t))

test-modes: all
	@rc=0; \
	 for mode in $(TEST_MODES); do \
	     echo "# nginx suites with $$mode"; \
	     env $$mode TEST_NGINX_RANDOMIZE=1 TEST_NGINX_BINARY=$(NGINX) \
	         prove -j2 -I t/lib $(NGINX_SUITES) || rc=1; \
	 done; \
	 exit $$rc

run: all
	scripts/run

# make install [PREFIX=/usr/local] [DESTDIR=]: the module where nginx looks
# for modules under PREFIX, the daemon, and what a configuration includes
# or reads (the internal location, the price table) under share/nginx, as
# Debian's packages lay them out (docs/packaging.md).  debian/rules runs
# install-daemon and install-data; nginx_mod installs the module and
# debhelper the documents.
PREFIX     ?= /usr/local
MODULESDIR ?= $(PREFIX)/lib/nginx/modules
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share/nginx/ai-gateway
DOCDIR     ?= $(PREFIX)/share/doc/ai-gateway

install: install-module install-daemon install-data install-docs

install-module: $(MOD_SO)
	install -D -m 0644 $(MOD_SO) $(DESTDIR)$(MODULESDIR)/ngx_http_ai_gateway_module.so

install-daemon: $(BUILD)/ai-gateway-admin
	install -D -m 0755 $(BUILD)/ai-gateway-admin $(DESTDIR)$(SBINDIR)/ai-gateway-admin

install-data:
	install -d $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 conf/ai_gateway_upstream.conf conf/prices.json \
	    conf/LICENSE-litellm.txt $(DESTDIR)$(DATADIR)/
	install -m 0644 conf/nginx.conf $(DESTDIR)$(DOCDIR)/examples/

install-docs:
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md CHANGELOG.md LICENSE $(DESTDIR)$(DOCDIR)/

clean:
	rm -rf $(BUILD)
