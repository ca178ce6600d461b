# ai-gateway's container image: Debian 12's nginx with the ai-gateway module,
# and the admin daemon (SQLite, API, dashboard), as a non-root user.
#
#   docker build -t ai-gateway .          (or podman build)
#   docker run --tmpfs /run/ai-gateway:uid=10080,gid=10080,mode=0750 \
#       -v agw-db:/var/lib/ai-gateway -p 8080:8080 -p 127.0.0.1:8090:8090 \
#       ai-gateway [all|gateway|admin]
#
# Three stages: the dashboard (npm: esbuild and Chart.js, or the one built
# on this machine: DASHBOARD below), the module and the daemon (against
# Debian's nginx-dev tree, so that the module loads into Debian's nginx),
# and the runtime.  docs/operating.md explains the volumes, the roles, the
# environment and compose.yaml.

ARG BASE=debian:bookworm-slim
# Where the dashboard comes from: dashboard-npm builds it here from its
# sources with npm; dashboard-context takes build/gen/dashboard_assets.c
# from the build context, made by `make` on the machine that builds the
# image (--build-arg DASHBOARD=dashboard-context), for builds that cannot
# reach npm's registry.  Only the stage named is built.
ARG DASHBOARD=dashboard-npm

# The dashboard, bundled and turned into the C file the daemon links
# (admin-daemon/dashboard.mk does the same on a development machine).
FROM ${BASE} AS dashboard-npm
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY admin-daemon/web/package.json admin-daemon/web/package-lock.json \
     admin-daemon/web/
RUN cd admin-daemon/web && npm ci --no-audit --no-fund --loglevel=error
COPY admin-daemon/web/build.mjs admin-daemon/web/
COPY admin-daemon/web/src admin-daemon/web/src
COPY scripts/embed-assets scripts/
RUN node admin-daemon/web/build.mjs build/web \
 && scripts/embed-assets build/web build/gen/dashboard_assets.c

FROM ${BASE} AS dashboard-context
COPY build/gen/dashboard_assets.c /src/build/gen/

FROM ${DASHBOARD} AS dashboard

# The module (against /usr/share/nginx/src, with Debian's configure flags)
# and the daemon, by the repository's Makefile.  -o: the dashboard's C file
# comes from the stage above, and make must not build it again with node.
FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential nginx-dev \
        libjansson-dev libssl-dev libsqlite3-dev libmicrohttpd-dev \
        libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile VERSION ./
COPY ngx_ai_gateway_module ngx_ai_gateway_module
COPY admin-daemon admin-daemon
COPY --from=dashboard /src/build/gen/dashboard_assets.c build/gen/
RUN make -j2 -o /src/build/gen/dashboard_assets.c module daemon

FROM ${BASE}
# policy-rc.d: Debian's nginx package would start a server on port 80 as
# it is installed
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
 && chmod 755 /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends nginx libnginx-mod-http-js \
        libjansson4 libssl3 libsqlite3-0 libmicrohttpd12 libcurl4 \
        ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
 && groupadd --system --gid 10080 ai-gateway \
 && useradd --system --uid 10080 --gid ai-gateway --no-create-home \
        --home-dir /var/lib/ai-gateway --shell /usr/sbin/nologin ai-gateway

COPY --from=build /src/build/ngx_http_ai_gateway_module.so /usr/lib/nginx/modules/
COPY --from=build /src/build/ai-gateway-admin /usr/sbin/
COPY conf /usr/share/ai-gateway/conf
COPY scripts/providers-conf /usr/share/ai-gateway/scripts/
COPY container/entrypoint /usr/bin/ai-gateway-entrypoint

# nginx's prefix /etc/ai-gateway is scripts/run's build/run/: conf/nginx.conf
# (the repository's, listening on every address), the module, logs to the
# container's output, state/ the shared tmpfs.  The entrypoint writes
# providers.conf at each start, so conf/ belongs to the user; so do nginx's
# temporary files.
RUN set -eu; p=/etc/ai-gateway; \
    mkdir -p $p/conf $p/logs $p/modules /run/ai-gateway /var/lib/ai-gateway; \
    for f in nginx.conf ai_gateway_upstream.conf demo.js prices.json \
             LICENSE-litellm.txt; do \
        cp /usr/share/ai-gateway/conf/$f $p/conf/; \
    done; \
    sed -i 's/^\( *listen \)127\.0\.0\.1:8080;/\18080;/' $p/conf/nginx.conf; \
    grep -q '^ *listen 8080;' $p/conf/nginx.conf; \
    ln -s /usr/lib/nginx/modules/ngx_http_ai_gateway_module.so $p/modules/; \
    ln -s /run/ai-gateway $p/state; \
    ln -s /dev/stderr $p/logs/error.log; \
    ln -s /dev/stdout $p/logs/access.log; \
    chown -R ai-gateway:ai-gateway $p/conf $p/logs /run/ai-gateway \
        /var/lib/ai-gateway /var/lib/nginx; \
    chmod 0750 /run/ai-gateway /var/lib/ai-gateway

USER ai-gateway:ai-gateway
VOLUME ["/var/lib/ai-gateway"]
EXPOSE 8080 8090
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s \
    CMD ["ai-gateway-entrypoint", "health"]
ENTRYPOINT ["ai-gateway-entrypoint"]
CMD ["all"]
