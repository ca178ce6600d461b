#!/usr/bin/perl
#
# Body capture end to end: with `ai_gateway_state ... capture=SIZE` the
# event carries the client's JSON body and the answer it got, cut to SIZE
# bytes (and flagged so), never a header, so never a key.  Without it (the
# default, 300-e2e-event-fields.t) both are NULL.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $secret = 'sk-e2e-capture-secret-0123456789';
my $gw = AgwE2E->new(state => 'size=2m capture=512', http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider mockstream type=openai url=MOCK/stream/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_provider broken type=openai url=MOCK/e500/v1 fails=0;
    ai_gateway_route streamed mockstream:gpt-4o;
    ai_gateway_route fostream broken:gpt-4o mockstream:gpt-4o;
    @{[ AgwE2E::static_key('cap', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

# A short request: its body whole; the answer (the fixture, over 512
# bytes) cut at 512.
my $body = '{"model":"gpt-4o","messages":[{"role":"user","content":"short"}]}';
my $r = $gw->chat(key => $secret, body => $body);
is($r->{status}, 200, 'answered');
my $ev = $gw->event($r->{id});
ok($ev, 'stored');
is($ev->{req_body}, $body, 'request body captured whole, as the client sent it');
is($ev->{req_body_truncated}, 0, 'not truncated');
cmp_ok(length $r->{content}, '>', 512, 'the answer is longer than the capture size');
is($ev->{resp_body}, substr($r->{content}, 0, 512),
   'response body: the first 512 bytes the client got');
is($ev->{resp_body_truncated}, 1, 'flagged truncated');

# A long request: cut at 512 bytes.
my $long = 'x' x 2000;
$r = $gw->chat(key => $secret, content => $long);
$ev = $gw->event($r->{id});
is(length $ev->{req_body}, 512, 'long request body cut at 512 bytes');
like($ev->{req_body}, qr/^\{"messages":\[\{"content":"xxx/, 'its beginning');
is($ev->{req_body_truncated}, 1, 'flagged truncated');

# The API shows them on one event.
my $id = $gw->scalar_sql("SELECT id FROM events WHERE request_id = '$r->{id}'");
my $api = $gw->api(GET => "/api/v1/logs/$id");
is($api->{json}{response_body}, $ev->{resp_body}, 'API: response body');
ok(defined $api->{json}{request_body}, 'API: request body');

# Never the key: not in bodies, not in the database, not in the ring.
my $dump = `sqlite3 "$gw->{db}" .dump 2>&1`;
like($dump, qr/short/, 'bodies are in the database');
unlike($dump, qr/\Q$secret\E|\Q$AgwE2E::UPSTREAM_KEY\E/,
       'no client or upstream key in the database');
unlike(AgwE2E::slurp($gw->{state_file}), qr/\Q$secret\E|\Q$AgwE2E::UPSTREAM_KEY\E/,
       'nor in the state file');

# A stream: the answer as the client got it, SSE and all.
$r = $gw->chat(key => $secret, model => 'streamed', stream => 1);
$ev = $gw->event($r->{id});
is($ev->{req_body_truncated}, 0, 'stream request captured');
like($ev->{resp_body} // '', qr/^data: \{/, 'stream response captured as sent');
is($ev->{resp_body} // '', substr($r->{content}, 0, 512),
   'the first 512 bytes the client got');
is($ev->{resp_body_truncated}, 1, 'flagged truncated');

# A stream after a failed try: the answer the client got, not the 500.
$r = $gw->chat(key => $secret, model => 'fostream', stream => 1);
$ev = $gw->event($r->{id});
is($ev->{attempts}, 2, 'stream after a failed try');
is($ev->{resp_body} // '', substr($r->{content}, 0, 512),
   'captured: the stream the client got, not the failed try\'s body');

$gw->check_logs;
done_testing();
