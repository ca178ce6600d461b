# The dashboard: admin-daemon/web bundled by esbuild into build/web, turned
# into C by scripts/embed-assets and linked into the admin daemon.  Included
# from the root Makefile (BUILD, CC come from there).  Needs node and npm at
# build time only; the daemon binary carries every asset.

DASH_WEB        := admin-daemon/web
DASH_NPM_STAMP  := $(DASH_WEB)/node_modules/.package-lock.json
DASH_SRCS       := $(wildcard $(DASH_WEB)/src/*.* $(DASH_WEB)/src/*/*.*) \
                   $(DASH_WEB)/build.mjs $(DASH_WEB)/package.json
DASH_CFLAGS     := -std=gnu11 -g -O2 -Wall -Wextra -Werror \
                   -Wno-unused-parameter -Iadmin-daemon
DASHBOARD_OBJS  := $(BUILD)/daemon/dashboard.o $(BUILD)/gen/dashboard_assets.o

.PHONY: dashboard
dashboard: $(DASHBOARD_OBJS)

# npm ci rewrites node_modules/.package-lock.json, so this reruns only
# when the lockfile changes.
$(DASH_NPM_STAMP): $(DASH_WEB)/package-lock.json
	cd $(DASH_WEB) && npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/web/index.html: $(DASH_SRCS) $(DASH_NPM_STAMP)
	node $(DASH_WEB)/build.mjs $(BUILD)/web

$(BUILD)/gen/dashboard_assets.c: $(BUILD)/web/index.html scripts/embed-assets
	scripts/embed-assets $(BUILD)/web $@

$(BUILD)/gen/dashboard_assets.o: $(BUILD)/gen/dashboard_assets.c \
                                 admin-daemon/dashboard.h
	$(CC) $(DASH_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/daemon/dashboard.o: admin-daemon/dashboard.c admin-daemon/dashboard.h
	@mkdir -p $(dir $@)
	$(CC) $(DASH_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The daemon links these; listing them here makes the dashboard build a
# prerequisite of the binary whatever order the .mk files are read in.
$(BUILD)/ai-gateway-admin: $(DASHBOARD_OBJS)
