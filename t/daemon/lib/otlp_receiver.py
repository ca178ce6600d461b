#!/usr/bin/env python3
#
# A minimal OTLP/HTTP trace receiver for the daemon's tests: it decodes
# each ExportTraceServiceRequest (JSON encoding), checks the encoding
# rules a collector relies on, and appends one JSON line per request to
# OUT: the path, the headers, the answer it gave, the resource attributes
# and the spans flattened (attributes as a plain object), with "problems"
# listing every rule broken.
#
#   otlp_receiver.py OUT PORT_FILE FAIL_FIRST
#
# The first FAIL_FIRST requests are answered 503 (retryable), the rest
# 200.  The chosen port is written to PORT_FILE once listening.

import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

OUT, PORT_FILE, FAIL_FIRST = sys.argv[1], sys.argv[2], int(sys.argv[3])

HEX32 = re.compile(r'^[0-9a-f]{32}$')
HEX16 = re.compile(r'^[0-9a-f]{16}$')
DIGITS = re.compile(r'^[0-9]+$')

seen = 0


def value(v, problems, key):
    if 'stringValue' in v:
        return v['stringValue']
    if 'intValue' in v:
        # proto3 JSON: a 64-bit integer is a decimal string
        if not isinstance(v['intValue'], str) or not re.match(r'^-?[0-9]+$', v['intValue']):
            problems.append('%s: intValue not a decimal string' % key)
            return v['intValue']
        return int(v['intValue'])
    if 'doubleValue' in v:
        return v['doubleValue']
    if 'boolValue' in v:
        return v['boolValue']
    if 'arrayValue' in v:
        # proto3 JSON: ArrayValue {values: [AnyValue...]}
        vals = v['arrayValue'].get('values')
        if not isinstance(vals, list):
            problems.append('%s: arrayValue without a values list' % key)
            return None
        return [value(e, problems, key) for e in vals]
    problems.append('%s: unknown value %r' % (key, v))
    return None


def attributes(kvs, problems):
    out = {}
    for kv in kvs:
        if kv['key'] in out:
            problems.append('duplicate attribute ' + kv['key'])
        out[kv['key']] = value(kv['value'], problems, kv['key'])
    return out


def flatten(req):
    problems = []
    resource, scopes, spans = {}, [], []
    for rs in req['resourceSpans']:
        resource = attributes(rs['resource']['attributes'], problems)
        for ss in rs['scopeSpans']:
            scopes.append(ss['scope'])
            for s in ss['spans']:
                if not HEX32.match(s['traceId']):
                    problems.append('traceId %r' % s['traceId'])
                if not HEX16.match(s['spanId']):
                    problems.append('spanId %r' % s['spanId'])
                if 'parentSpanId' in s and not HEX16.match(s['parentSpanId']):
                    problems.append('parentSpanId %r' % s['parentSpanId'])
                for t in ('startTimeUnixNano', 'endTimeUnixNano'):
                    if not isinstance(s[t], str) or not DIGITS.match(s[t]):
                        problems.append('%s %r' % (t, s[t]))
                if int(s['startTimeUnixNano']) > int(s['endTimeUnixNano']):
                    problems.append('span ends before it starts')
                if not isinstance(s['kind'], int):
                    problems.append('kind %r' % s['kind'])
                spans.append({
                    'traceId': s['traceId'], 'spanId': s['spanId'],
                    'parentSpanId': s.get('parentSpanId', ''),
                    'name': s['name'], 'kind': s['kind'],
                    'start': int(s['startTimeUnixNano']),
                    'end': int(s['endTimeUnixNano']),
                    'status': s.get('status', {}).get('code', 0),
                    'attrs': attributes(s['attributes'], problems)})
    return resource, scopes, spans, problems


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        status = 503 if seen <= FAIL_FIRST else 200
        rec = {'n': seen, 'path': self.path, 'status': status,
               'headers': {k.lower(): v for k, v in self.headers.items()},
               'raw': body.decode('utf-8', 'replace')}
        try:
            (rec['resource'], rec['scopes'], rec['spans'],
             rec['problems']) = flatten(json.loads(body))
        except Exception as e:            # noqa: BLE001 - any is a problem
            rec['problems'] = ['undecodable: %r' % e]
        with open(OUT, 'a') as f:
            f.write(json.dumps(rec) + '\n')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')

    def log_message(self, fmt, *args):
        pass


server = HTTPServer(('127.0.0.1', 0), Handler)
with open(PORT_FILE + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + '.tmp', PORT_FILE)
server.serve_forever()
