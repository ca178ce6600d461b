#!/usr/bin/perl
#
# What a client sends never reaches the stored events as a broken name or
# as a secret: a Gemini model in the URL that is not UTF-8 is refused and
# not stored (the admin API keeps answering its logs and usage by model),
# and a key sent as ?key= is in no stored field, nor in nginx's logs once
# the gateway took it (t/101-auth.t checks what the provider receives).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use AgwE2E;

AgwE2E::check_prerequisites();

my $secret = 'sk-e2e-names-secret-0123456789';

my $gw = AgwE2E->new(
    access_log => 'E2E $request_id $status "$request" "$request_uri" "$args"',
    locations => '        location /v1beta/ { ai_gateway gemini; }',
    http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route * mock;
    @{[ AgwE2E::static_key('alice', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
my $base = "http://127.0.0.1:$gw->{gw_port}/v1beta/models";
my $body = '{"contents":[{"parts":[{"text":"hi"}]}]}';

sub gemini {
    my ($path, %h) = @_;
    my $r = $http->request(POST => "$base/$path",
        { headers => { 'Content-Type' => 'application/json', %h },
          content => $body });
    $r->{id} = $r->{headers}{'x-request-id'} // '';
    return $r;
}

# 1. Invalid UTF-8 in the URL's model: 400 in Google's shape, with a good
#    key or a wrong one, and the event holds no model.
my $bad = gemini('%FF%FEab:generateContent', 'x-goog-api-key' => $secret);
is($bad->{status}, 400, 'a model in invalid UTF-8: 400');
like($bad->{content}, qr/"status":"INVALID_ARGUMENT"/, '...in Google\'s shape');
my $ev = $gw->event($bad->{id});
ok($ev, '...and stored as an event') or diag $gw->daemon_log;
is($ev && $ev->{model}, '', '...without the model');

my $wrong = gemini('%FF%FEab:generateContent', 'x-goog-api-key' => 'sk-nope');
is($wrong->{status}, 401, 'the same with a wrong key: 401');
$ev = $gw->event($wrong->{id});
is($ev && $ev->{model}, '', '...and the event has no model either');

# 2. A model beyond ASCII, in valid UTF-8, is served and stored as it is.
my $good = gemini('mod%C3%A8le:generateContent', 'x-goog-api-key' => $secret);
is($good->{status}, 200, 'a model in valid UTF-8 beyond ASCII: 200');
$ev = $gw->event($good->{id});
is($ev && $ev->{model}, "mod\x{e8}le", '...stored as sent');

# 3. The admin API reads every row back.
my $logs = $gw->api(GET => '/api/v1/logs?limit=100');
is($logs->{status}, 200, 'the logs page holding those rows: 200')
    or diag $logs->{content};
my $usage = $gw->api(GET => '/api/v1/usage?group_by=model');
is($usage->{status}, 200, 'usage by model: 200') or diag $usage->{content};

# 4. A key sent as ?key=: no stored field, log line or provider request
#    carries it.
my $q = gemini("gpt-4o:generateContent?key=$secret&x=1");
is($q->{status}, 200, 'the key in ?key= works');
$ev = $gw->event($q->{id});
ok($ev, '...its event is stored');
my @leaks = grep { defined $ev->{$_} && $ev->{$_} =~ /\Q$secret\E/ } keys %$ev;
is("@leaks", '', '...and no field of it holds the key');

my $line;
AgwE2E::wait_until(sub {
    ($line) = $gw->access_log =~ /^(E2E \Q$q->{id}\E .*)$/m; $line }, 3);
is($line, "E2E $q->{id} 200 \"POST /v1beta/models/gpt-4o:generateContent?x=1 HTTP/1.1\" "
          . "\"/v1beta/models/gpt-4o:generateContent?x=1\" \"x=1\"",
   'the access log shows the request without the key');
unlike($gw->access_log . $gw->error_log, qr/\Q$secret\E/,
       'no line of the access or error log holds it');

$gw->check_logs;

done_testing();
