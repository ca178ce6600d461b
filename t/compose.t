#!/usr/bin/env python3
#
# compose.yaml against what the image really does, since Traefik cannot run
# here: every Traefik router is complete and points at a service of its own
# container, whose port is the one that container's role listens on (nginx's
# listen in conf/nginx.conf as the Dockerfile rewrites it, the daemon's
# address in the entrypoint) and that the Dockerfile exposes; the gateway's
# router covers every location nginx.conf serves, the dashboard's the path
# of the daemon's public origin; health checks run the entrypoint's; the
# provider keys come from the environment; the state volume is a tmpfs the
# image's user owns, mounted where nginx and the daemon look for it.

import os
import re
import subprocess
import sys

import yaml

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
n = 0
failed = False


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    print('%sok %d - %s' % ('' if cond else 'not ', n, name))
    if not cond:
        failed = True
        if diag is not None:
            for line in str(diag).splitlines():
                print('# ' + line)


def read(path):
    with open(os.path.join(top, path)) as f:
        return f.read()


def interpolate(s):
    # compose's ${VAR:-default} with nothing set, and $$ for a dollar
    s = re.sub(r'\$\{[A-Z_]+:-([^}]*)\}', r'\1', str(s))
    return s.replace('$$', '$')


compose = yaml.safe_load(read('compose.yaml'))
dockerfile = read('Dockerfile')
entrypoint = read('container/entrypoint')

uid = re.search(r'useradd [^\n]*--uid (\d+)', dockerfile).group(1)
exposed = set(re.search(r'^EXPOSE (.*)$', dockerfile, re.M).group(1).split())
entry_bin = re.search(r'^ENTRYPOINT \["([^"]+)"\]', dockerfile, re.M).group(1)
roles = re.search(r'^(\w+(?:\|\w+)+)\)$', entrypoint, re.M).group(1).split('|')

# nginx.conf as the image has it: the Dockerfile's own sed expression run
# on the repository's file
sed = re.search(r"sed -i '([^']+)' \$p/conf/nginx.conf", dockerfile).group(1)
conf = subprocess.run(['sed', '-e', sed, os.path.join(top, 'conf/nginx.conf')],
                      check=True, capture_output=True, text=True).stdout
listens = re.findall(r'^\s*listen\s+([^;\s]+)', conf, re.M)
gateway_port = listens[0].rsplit(':', 1)[-1]
ok(len(listens) == 1 and ':' not in listens[0],
   "the image's nginx listens on every address, one port (%s)" % listens)

admin_default = re.search(r'admin_listen=\$\{AGW_ADMIN_LISTEN:-([^}]+)\}',
                          entrypoint).group(1)
ok(re.search(r'^gateway_port=%s$' % gateway_port, entrypoint, re.M),
   "the entrypoint's health check asks nginx's port")

# the locations clients reach (the internal one aside); a location that
# lets only the machine itself in (allow 127.0.0.1; deny all: the
# providers' check the daemon calls) must have no public router
locations = []
for m in re.finditer(r'^\s*location\s+(=\s+)?(\S+)\s*\{([^}]*)\}', conf,
                     re.M):
    body = m.group(3)
    local = (re.search(r'^\s*allow\s+127\.0\.0\.1;', body, re.M)
             and re.search(r'^\s*deny\s+all;', body, re.M))
    if not local:
        locations.append((m.group(1), m.group(2)))
    else:
        ok(m.group(2) not in open(os.path.join(top, 'compose.yaml')).read(),
           'no router serves %s, which only the machine itself may call'
           % m.group(2))

services = compose['services']
for name, svc in sorted(services.items()):
    cmd = svc.get('command', ['all'])
    role = cmd[0]
    ok(role in roles, '%s: runs the role "%s" the entrypoint knows' % (name, role))
    ok(svc.get('build') == '.', '%s: built from the top-level Dockerfile' % name)

    env = {k: interpolate(v) for k, v in (svc.get('environment') or {}).items()}
    admin_port = env.get('AGW_ADMIN_LISTEN', admin_default).rsplit(':', 1)[-1]
    port = {'gateway': gateway_port, 'admin': admin_port}.get(role)

    hc = svc.get('healthcheck', {}).get('test', [])
    ok(hc[1:] == [entry_bin, 'health'],
       "%s: the health check is the entrypoint's" % name, hc)

    mounts = {v.split(':')[1]: v.split(':')[0] for v in svc.get('volumes', [])}
    ok(mounts.get('/run/ai-gateway') == 'state',
       '%s: the state volume is mounted at /run/ai-gateway' % name, mounts)
    if role != 'gateway':
        ok(mounts.get('/var/lib/ai-gateway') is not None,
           '%s: the database is on a volume' % name, mounts)

    labels = {k: interpolate(v) for k, v in (svc.get('labels') or {}).items()}
    if labels.get('traefik.enable') != 'true':
        continue

    routers, tsvcs, mws = {}, {}, {}
    for k, v in labels.items():
        m = re.match(r'traefik\.http\.(routers|services|middlewares)\.([^.]+)\.(.+)', k)
        if m:
            {'routers': routers, 'services': tsvcs,
             'middlewares': mws}[m.group(1)].setdefault(m.group(2), {})[m.group(3)] = v

    ok(routers, '%s: has a Traefik router' % name)
    for r, props in sorted(routers.items()):
        ok('rule' in props and 'entrypoints' in props,
           '%s: router %s has a rule and an entry point' % (name, r), props)
        ok(props.get('tls') == 'true',
           '%s: router %s leaves TLS to Traefik' % (name, r), props)
        ok(props.get('service') in tsvcs,
           "%s: router %s's service is defined on this container" % (name, r),
           props)
        for mw in filter(None, props.get('middlewares', '').split(',')):
            ok(mw in mws, '%s: router %s: middleware %s is defined' % (name, r, mw))

    for s, props in sorted(tsvcs.items()):
        p = props.get('loadbalancer.server.port')
        ok(p == port and p in exposed,
           '%s: Traefik service %s goes to port %s, where the %s role '
           'listens, exposed by the image' % (name, s, p, role),
           'role port %s, exposed %s' % (port, sorted(exposed)))

    rules = ' '.join(p.get('rule', '') for p in routers.values())
    if role == 'gateway':
        for exact, path in locations:
            if path.startswith('/_'):
                continue
            want = ('Path(`%s`)' if exact else 'PathPrefix(`%s`)') % path
            ok(want in rules, '%s: a router serves nginx\'s location %s%s'
               % (name, exact or '', path), rules)
    if role == 'admin':
        origin = env.get('AGW_ADMIN_PUBLIC_ORIGIN', '')
        path = re.sub(r'^https?://[^/]+', '', origin).rstrip('/')
        ok(path and 'PathPrefix(`%s/`)' % path in rules,
           '%s: the router serves the public origin\'s path %s' % (name, path),
           rules)

# provider keys: every variable the provider snippets name, from the
# environment of the gateway
gw = [s for s in services.values() if s.get('command', ['all'])[0] in ('gateway', 'all')]
want = set()
for f in os.listdir(os.path.join(top, 'conf/providers')):
    text = read('conf/providers/' + f)
    want |= set(re.findall(r'key_env=(\w+)', text))
    want |= set(re.findall(r'@(\w+)@', text))
for s in gw:
    env = s.get('environment') or {}
    missing = [v for v in sorted(want)
               if not re.fullmatch(r'\$\{%s(:-[^}]*)?\}' % v, str(env.get(v, '')))]
    ok(not missing, 'the gateway takes every provider variable from the '
       'environment', 'missing: %s' % missing)

vol = compose['volumes']['state'] or {}
opts = vol.get('driver_opts', {})
ok(opts.get('type') == 'tmpfs' and 'uid=%s' % uid in opts.get('o', '').split(','),
   'the state volume is a tmpfs owned by the image\'s user (uid %s)' % uid, opts)
ok('ln -s /run/ai-gateway $p/state' in dockerfile
   and re.search(r'^run=/run/ai-gateway$', entrypoint, re.M),
   'nginx and the daemon keep the state file in /run/ai-gateway')

print('1..%d' % n)
sys.exit(1 if failed else 0)
