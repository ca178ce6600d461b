#!/usr/bin/env python3
#
# The admin API answers what admin-daemon/openapi.yaml says it answers: a
# real daemon, events through the real ring, and every JSON answer (happy
# paths and errors) validated against the response schema the document
# gives for that path, method and status.  The dashboard is built against
# that document, so a drift here is a dashboard bug waiting.
#
# Needs python3-yaml and python3-jsonschema (skips without them).

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BIN = os.environ.get('AGW_ADMIN_BIN', os.path.join(ROOT, 'build', 'ai-gateway-admin'))
TOOL = os.path.join(ROOT, 'build', 'agw-ringtool')
TOKEN = 'adm-' + '0f1e2d3c4b5a6978' * 2

try:
    import yaml
    import jsonschema
except ImportError as e:
    print('1..0 # SKIP python3-yaml or python3-jsonschema missing (%s)' % e)
    sys.exit(0)

if not os.access(BIN, os.X_OK) or not os.access(TOOL, os.X_OK):
    print('1..0 # SKIP %s or %s not built' % (BIN, TOOL))
    sys.exit(0)

n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, name))
    if not cond:
        failed += 1
        if diag:
            for line in str(diag).splitlines():
                print('# ' + line)
    sys.stdout.flush()


spec = yaml.safe_load(open(os.path.join(ROOT, 'admin-daemon', 'openapi.yaml')))


def to_json_schema(x):
    """OpenAPI 3.0 schema -> JSON Schema: nullable, refs, no examples."""
    if isinstance(x, list):
        return [to_json_schema(v) for v in x]
    if not isinstance(x, dict):
        return x
    y = {k: to_json_schema(v) for k, v in x.items()
         if k not in ('example', 'x-event-data', 'description')}
    if y.pop('nullable', False):
        if 'type' in y:
            y['type'] = [y['type'], 'null']
        else:
            y = {'anyOf': [y, {'type': 'null'}]}
    if '$ref' in y:
        y['$ref'] = y['$ref'].replace('#/components/schemas/', '#/definitions/')
    return y


DEFS = to_json_schema(spec['components']['schemas'])


def response_schema(path, method, status):
    op = spec['paths'][path][method.lower()]
    resp = op['responses'].get(str(status))
    if resp is None:
        return None
    if '$ref' in resp:
        resp = spec['components']['responses'][resp['$ref'].split('/')[-1]]
    schema = dict(to_json_schema(resp['content']['application/json']['schema']))
    schema['definitions'] = DEFS
    return schema


tmp = tempfile.mkdtemp()
log = open(os.path.join(tmp, 'daemon.log'), 'w+')
env = dict(os.environ, AGW_ADMIN_LISTEN='127.0.0.1:0', AGW_ADMIN_TOKEN=TOKEN,
           AGW_ADMIN_PASSWORD='openapi-password')
proc = subprocess.Popen([BIN, '--db', os.path.join(tmp, 'db'),
                         '--state', os.path.join(tmp, 'state'),
                         '--create-state'],
                        stdout=log, stderr=subprocess.STDOUT, env=env)


def cleanup():
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    shutil.rmtree(tmp, ignore_errors=True)


base = None
for _ in range(100):
    log.seek(0)
    m = re.search(r'API listening on (\S+)', log.read())
    if m:
        base = 'http://' + m.group(1)
        break
    time.sleep(0.1)

if base is None:
    log.seek(0)
    print('Bail out! daemon did not start: ' + log.read().replace('\n', ' '))
    cleanup()
    sys.exit(1)


def call(method, path, body=None, auth=True, headers=None):
    h = dict(headers or {})
    if auth:
        h['Authorization'] = 'Bearer ' + TOKEN
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.setdefault('Content-Type', 'application/json')
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def check(spec_path, method, path, body=None, auth=True, want=None):
    """Calls, then validates the JSON answer against the document."""
    status, headers, raw = call(method, path, body, auth)
    name = '%s %s -> %d' % (method, path[:60], status)
    if want is not None and status != want:
        ok(False, name + ' (wanted %d)' % want, raw[:300])
        return None
    schema = response_schema(spec_path, method, status)
    if schema is None:
        ok(False, name + ': status not in the document')
        return None
    try:
        doc = json.loads(raw)
        jsonschema.validate(doc, schema)
        ok(True, name + ' matches the document')
        return doc
    except (ValueError, jsonschema.ValidationError) as e:
        ok(False, name + ' matches the document',
           getattr(e, 'message', e) + ' at ' + str(list(getattr(e, 'absolute_path', []))))
        return None


try:
    out = subprocess.run([TOOL, 'produce', os.path.join(tmp, 'state'), '40',
                          '--keys', '3', '--tag', 'oa'],
                         capture_output=True, text=True)
    ok('produced=40' in out.stdout, 'events produced into the ring', out.stdout + out.stderr)

    for _ in range(50):
        status, _, raw = call('GET', '/api/v1/logs?limit=100')
        if status == 200 and len(json.loads(raw)['items']) == 40:
            break
        time.sleep(0.1)

    check('/api/v1/health', 'GET', '/api/v1/health', auth=False, want=200)
    check('/api/v1/health/ready', 'GET', '/api/v1/health/ready', auth=False, want=200)
    check('/api/v1/health/live', 'GET', '/api/v1/health/live', auth=False, want=200)
    check('/api/v1/diagnostics/providers', 'GET', '/api/v1/diagnostics/providers', want=503)
    check('/api/v1/session', 'GET', '/api/v1/session', want=200)
    check('/api/v1/session', 'GET', '/api/v1/session', auth=False, want=401)
    check('/api/v1/login', 'POST', '/api/v1/login', auth=False, want=200,
          body={'username': 'admin', 'password': 'openapi-password'})
    check('/api/v1/login', 'POST', '/api/v1/login', auth=False, want=401,
          body={'username': 'admin', 'password': 'wrong'})
    check('/api/v1/login', 'POST', '/api/v1/login', auth=False, want=400,
          body=b'{"username":')

    created = check('/api/v1/keys', 'POST', '/api/v1/keys', want=201,
                    body={'name': 'oa', 'models': ['gpt-4o'],
                          'expires_at': int(time.time()) + 600})
    kid = created['key']['id'] if created else 'k_missing'
    check('/api/v1/keys', 'POST', '/api/v1/keys', want=409, body={'name': 'oa'})
    check('/api/v1/keys', 'POST', '/api/v1/keys', want=400, body={'name': 1})
    check('/api/v1/keys', 'GET', '/api/v1/keys', want=200)
    check('/api/v1/limits', 'GET', '/api/v1/limits', want=200)
    check('/api/v1/keys/{id}', 'GET', '/api/v1/keys/' + kid, want=200)
    check('/api/v1/keys/{id}', 'GET', '/api/v1/keys/k_nope', want=404)
    check('/api/v1/keys/{id}', 'PATCH', '/api/v1/keys/' + kid, want=200,
          body={'models': [], 'active': False})
    check('/api/v1/keys/{id}', 'PATCH', '/api/v1/keys/' + kid, want=400,
          body={'colour': 'red'})
    pol = check('/api/v1/keys', 'POST', '/api/v1/keys', want=201,
                body={'name': 'oa-policy',
                      'limits': {'requests_per_minute': 60,
                                 'budget_day': 2.5},
                      'max_output_tokens': 1024, 'max_output': 'refuse',
                      'budget_stream': 'finish', 'system_prompt': 'Be brief.',
                      'credentials': [{'provider': 'openai',
                                       'secret': 'sk-openapi-own'}]})
    pid = pol['key']['id'] if pol else 'k_missing'
    check('/api/v1/keys/{id}', 'PATCH', '/api/v1/keys/' + pid, want=200,
          body={'limits': {'concurrent': 2, 'budget_day': None},
                'system_prompt': None,
                'credentials': [{'provider': 'openai', 'secret': None}]})
    check('/api/v1/keys/{id}', 'PATCH', '/api/v1/keys/' + pid, want=400,
          body={'limits': {'budget_day': -1}})
    check('/api/v1/keys/{id}', 'DELETE', '/api/v1/keys/' + kid, want=200)
    check('/api/v1/keys/{id}', 'PATCH', '/api/v1/keys/' + kid, want=409,
          body={'active': True})

    for q in ('group_by=key', 'group_by=model', 'group_by=provider',
              'group_by=time&bucket=minute', 'group_by=time&bucket=day'):
        check('/api/v1/usage', 'GET', '/api/v1/usage?' + q, want=200)
    check('/api/v1/usage', 'GET', '/api/v1/usage?group_by=x', want=400)

    page = check('/api/v1/logs', 'GET', '/api/v1/logs?limit=15', want=200)
    if page and page['next_cursor']:
        check('/api/v1/logs', 'GET',
              '/api/v1/logs?limit=50&cursor=' + page['next_cursor'], want=200)
    check('/api/v1/logs', 'GET', '/api/v1/logs?errors_only=true&provider=openai',
          want=200)
    check('/api/v1/logs', 'GET', '/api/v1/logs?limit=0', want=400)
    if page and page['items']:
        check('/api/v1/logs/{seq}', 'GET',
              '/api/v1/logs/%d' % page['items'][0]['seq'], want=200)
    check('/api/v1/logs/{seq}', 'GET', '/api/v1/logs/999999', want=404)

    check('/api/v1/config', 'GET', '/api/v1/config', want=200)
    check('/api/v1/restore', 'POST', '/api/v1/restore', want=400,
          body=b'not a database' * 100)

    status, headers, raw = call('GET', '/api/v1/backup')
    ok(status == 200 and raw[:16] == b'SQLite format 3\x00'
       and headers.get('Content-Type') == 'application/vnd.sqlite3',
       'backup is the documented SQLite download')
    status, headers, raw = call('POST', '/api/v1/restore', body=raw,
                                headers={'Content-Type': 'application/vnd.sqlite3'})
    schema = response_schema('/api/v1/restore', 'POST', status)
    try:
        jsonschema.validate(json.loads(raw), schema)
        ok(status == 200, 'restore answer matches the document')
    except Exception as e:
        ok(False, 'restore answer matches the document', e)

finally:
    cleanup()

print('1..%d' % n)
sys.exit(1 if failed else 0)
