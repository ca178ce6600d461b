# The admin daemon (build/ai-gateway-admin) and its test tool
# (build/agw-ringtool).  Included from the root Makefile, which defines
# BUILD, MOD, DAEMON_LIB_SRCS, LIB_HDRS and CC.
#
# Every admin-daemon/*.c is part of the daemon: the drain (main, drain,
# db) and, when present, the API's and the dashboard's files.  The plain C
# library is compiled again here without sanitizers.

-include admin-daemon/dashboard.mk

DAEMON          := $(BUILD)/ai-gateway-admin
RINGTOOL        := $(BUILD)/agw-ringtool

DAEMON_SRCS     := $(wildcard admin-daemon/*.c)
DAEMON_HDRS     := $(wildcard admin-daemon/*.h) $(LIB_HDRS) VERSION
DAEMON_OBJS     := $(filter-out $(DASHBOARD_OBJS), \
                   $(patsubst admin-daemon/%.c,$(BUILD)/daemon/%.o,$(DAEMON_SRCS)))
DAEMON_LIB_OBJS := $(patsubst $(MOD)/lib/%.c,$(BUILD)/daemon/lib/%.o,$(DAEMON_LIB_SRCS))

DCFLAGS         := -std=gnu11 -g -O2 -Wall -Wextra -Werror \
                   -Wno-unused-parameter -pthread $(LIB_INCS) -Iadmin-daemon \
                   -DAGW_VERSION='"$(AGW_VERSION)"'
# CPPFLAGS, CFLAGS and LDFLAGS come last: a distribution's hardening
# flags (dpkg-buildflags in debian/rules) add to ours.
DLIBS           := -lsqlite3 -ljansson -lcrypto -lcurl -lm -pthread

# The API and the dashboard serve HTTP with libmicrohttpd.
ifneq ($(strip $(filter admin-daemon/api% admin-daemon/http% \
                        admin-daemon/dashboard%,$(DAEMON_SRCS))),)
DLIBS           += -lmicrohttpd
endif

.PHONY: daemon
daemon: $(DAEMON) $(RINGTOOL)
all: daemon

$(BUILD)/daemon/%.o: admin-daemon/%.c $(DAEMON_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(DCFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Not -Werror here: the library's warnings are held by its own builds
# (make unit, the module), and one engineer's work in progress must not
# stop the daemon from building.
$(BUILD)/daemon/lib/%.o: $(MOD)/lib/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Werror,$(DCFLAGS)) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DAEMON): $(DAEMON_OBJS) $(DASHBOARD_OBJS) $(DAEMON_LIB_OBJS)
	$(CC) $(DCFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(DLIBS) -o $@

$(RINGTOOL): admin-daemon/tools/ringtool.c $(DAEMON_LIB_OBJS) $(LIB_HDRS)
	$(CC) $(DCFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(DAEMON_LIB_OBJS) \
	    $(DLIBS) -o $@
