#!/usr/bin/perl
#
# OpenTelemetry traces from the daemon, end to end: real nginx continues a
# client's traceparent, the real daemon stores the events and exports
# their spans over OTLP/HTTP (JSON) to a local receiver
# (lib/otlp_receiver.py), which decodes them and checks the encoding.
# Checked: the standard variables (endpoint, headers, service name,
# resource attributes), the GenAI attributes of a request and of each try,
# the trace joining the client's and the provider's (the provider got the
# try's span id as its parent), an unsampled trace not exported, errors,
# no secret anywhere, a 503 retried until accepted, and a full queue
# dropping the oldest and counting while every event is still stored.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use POSIX ();
use AgwE2E;

AgwE2E::check_prerequisites();
plan skip_all => 'python3 missing' if system('python3 -c 1') != 0;

my $secret = 'sk-e2e-alice-secret-0123456789';
my $wrong = 'sk-e2e-wrong-secret-9876543210';
my $json = JSON::PP->new->canonical;
my $tp_port = AgwE2E::free_port();

# the provider "traced" is the mock behind a proxy that logs the
# traceparent it is sent
my $gw = AgwE2E->new(http => <<"_EOC_");
    log_format tp 'TP \$http_traceparent';
    server {
        listen 127.0.0.1:$tp_port;
        access_log logs/tp.log tp;
        location / { proxy_pass MOCK; }
    }
    ai_gateway_provider traced type=openai url=http://127.0.0.1:$tp_port/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider broken type=openai url=MOCK/e500/v1 fails=0;
    ai_gateway_provider refused type=openai url=DEAD/v1 fails=0;
    ai_gateway_route gpt-4o traced:gpt-4o-2024-08-06;
    ai_gateway_route failover refused:gpt-4o broken:gpt-4o traced:gpt-4o-mini;
    @{[ AgwE2E::static_key('alice', $secret) ]}
_EOC_

my ($receiver, $received);

sub start_receiver {
    my ($fail_first) = @_;
    my $dir = $gw->dir;
    $received = "$dir/otlp-" . time . "-$fail_first.jsonl";
    unlink "$dir/otlp.port";
    $receiver = fork() // die "fork: $!";
    if ($receiver == 0) {
        exec 'python3', "$FindBin::Bin/lib/otlp_receiver.py", $received,
             "$dir/otlp.port", $fail_first;
        die "exec python3: $!";
    }
    AgwE2E::wait_until(sub { -s "$dir/otlp.port" }, 10)
        or BAIL_OUT('the OTLP receiver did not start');
    return AgwE2E::slurp("$dir/otlp.port");
}

sub stop_receiver {
    return unless $receiver;
    local $?;                       # in END, $? is the test's exit code
    kill 'TERM', $receiver;
    waitpid $receiver, 0;
    undef $receiver;
}

END { stop_receiver() }

sub requests {
    return [ map { $json->decode($_) } grep { /\S/ }
             split /\n/, AgwE2E::slurp($received) ];
}

# the spans of accepted requests, by span id
sub spans {
    my %s;
    for my $r (@{ requests() }) {
        next unless $r->{status} == 200;
        $s{ $_->{spanId} } = $_ for @{ $r->{spans} // [] };
    }
    return \%s;
}

sub wait_span {
    my ($cond) = @_;
    my $found;
    AgwE2E::wait_until(sub {
        ($found) = grep { $cond->($_) } values %{ spans() };
        $found }, 15);
    return $found;
}

my $port = start_receiver(1);      # the first export is answered 503

$gw->start_nginx;
{
    local $ENV{OTEL_EXPORTER_OTLP_ENDPOINT} = "http://127.0.0.1:$port";
    local $ENV{OTEL_EXPORTER_OTLP_HEADERS} =
        'x-tenant = acme ,authorization=Bearer%20otlp-token-1';
    local $ENV{OTEL_SERVICE_NAME} = 'gw-under-test';
    local $ENV{OTEL_RESOURCE_ATTRIBUTES} =
        'deployment.environment=e2e,service.name=overridden,team=ml%20platform';
    local $ENV{OTEL_BSP_SCHEDULE_DELAY} = 50;
    $gw->start_daemon;
}

my $trace = '4bf92f3577b34da6a3ce929d0e0e4736';
my $parent = '00f067aa0ba902b7';
my $quiet = 'aaaabbbbccccddddeeeeffff00001111';

# not sampled: continued, never exported
my $r0 = $gw->chat(key => $secret, model => 'gpt-4o',
                   headers => { traceparent => "00-$quiet-$parent-00" });
is($r0->{status}, 200, 'an unsampled request answers');

my $r1 = $gw->chat(key => $secret, model => 'gpt-4o',
                   headers => { traceparent => "00-$trace-$parent-01" });
is($r1->{status}, 200, 'a traced request answers');

my $r2 = $gw->chat(key => $secret, model => 'failover');
is($r2->{status}, 200, 'a failover answers');

my $r3 = $gw->chat(key => $wrong, model => 'gpt-4o');
is($r3->{status}, 401, 'a wrong key is refused');

# the request span: the client's trace and parent, GenAI attributes
my $req = wait_span(sub { $_[0]{attrs}{'ai_gateway.request_id'}
                          && $_[0]{attrs}{'ai_gateway.request_id'} eq $r1->{id} });
ok($req, 'the traced request was exported') or diag explain requests();
SKIP: {
    skip 'no span', 21 unless $req;
    my $a = $req->{attrs};
    is($req->{traceId}, $trace, 'it continues the client\'s trace');
    is($req->{parentSpanId}, $parent, 'under the client\'s span');
    is($req->{kind}, 2, 'a SERVER span');
    is($req->{name}, 'chat gpt-4o', 'named "{operation} {model}"');
    is($a->{'gen_ai.operation.name'}, 'chat', 'gen_ai.operation.name');
    is($a->{'gen_ai.provider.name'}, 'openai', 'gen_ai.provider.name');
    is($a->{'gen_ai.request.model'}, 'gpt-4o', 'gen_ai.request.model as asked');
    is($a->{'gen_ai.usage.input_tokens'}, 1000, 'input tokens');
    is($a->{'gen_ai.usage.output_tokens'}, 500, 'output tokens');
    is($a->{'http.response.status_code'}, 200, 'the status');
    is($a->{'ai_gateway.key.name'}, 'alice', 'the key by its name');
    ok(!exists $a->{'error.type'}, 'no error.type');
    is($req->{status}, 0, 'status unset');
    my $ev = $gw->event($r1->{id});
    is($req->{start}, $ev->{time_ms} * 1_000_000,
       'it starts when the stored event says');

    # what the provider said of its answer: the mock answers the
    # fixture's dated model, whatever it was asked (gpt-4o-2024-08-06)
    my $answer = JSON::PP->new->decode(
        AgwE2E::fixture('openai-chat/response-text.json'));
    is($ev->{response_model}, $answer->{model},
       'the stored event has the model the provider answered with');
    isnt($ev->{response_model}, $ev->{upstream_model},
         'not the one it was asked');
    is($ev->{finish_reason}, 'stop', 'and its finish reason');
    is($a->{'gen_ai.response.model'}, $answer->{model},
       'gen_ai.response.model');
    is_deeply($a->{'gen_ai.response.finish_reasons'}, ['stop'],
              'gen_ai.response.finish_reasons, an array');
    my $log = $gw->api(GET => "/api/v1/logs/$ev->{id}")->{json};
    is($log->{response_model}, $answer->{model},
       'the logs API shows the response model');
    is($log->{finish_reason}, 'stop', 'and the finish reason');
}

# its try: a CLIENT child whose id the provider got as parent-id
my $try = $req && wait_span(sub { $_[0]{parentSpanId} eq $req->{spanId} });
ok($try, 'the try was exported');
SKIP: {
    skip 'no try span', 7 unless $try;
    is($try->{traceId}, $trace, 'the try is in the client\'s trace');
    is($try->{kind}, 3, 'a CLIENT span');
    is($try->{attrs}{'gen_ai.request.model'}, 'gpt-4o-2024-08-06',
       'the try asked the provider\'s model');
    is($try->{attrs}{'ai_gateway.provider'}, 'traced', 'the provider by name');
    is_deeply($try->{attrs}{'gen_ai.response.finish_reasons'}, ['stop'],
              'the answering try has the finish reason too');
    ok($try->{start} >= $req->{start} && $try->{end} <= $req->{end},
       'the try lies within the request');
    like($gw->dir && AgwE2E::slurp($gw->dir . '/logs/tp.log'),
         qr/^TP 00-$trace-$try->{spanId}-01$/m,
         'the provider was sent the try\'s span as parent: the traces join');
}

# the failover: three tries, two failed, under one request span
my $fo = wait_span(sub { ($_[0]{attrs}{'ai_gateway.request_id'} // '') eq $r2->{id} });
ok($fo, 'the failover was exported');
SKIP: {
    skip 'no span', 5 unless $fo;
    is($fo->{attrs}{'ai_gateway.attempts'}, 3, 'three attempts');
    my @tries;
    AgwE2E::wait_until(sub {
        @tries = sort { $a->{attrs}{'ai_gateway.attempt'}
                        <=> $b->{attrs}{'ai_gateway.attempt'} }
                 grep { $_->{parentSpanId} eq $fo->{spanId} } values %{ spans() };
        @tries == 3 }, 10);
    is(scalar @tries, 3, 'three try spans');
    is_deeply([ map { $_->{attrs}{'error.type'} // 'none' } @tries ],
              [ 'bad_gateway', 'server', 'none' ],
              'the refused and the 500 tries carry error.type');
    is_deeply([ map { $_->{status} } @tries ], [ 2, 2, 0 ],
              'and an error status');
    is($fo->{parentSpanId}, '', 'without a traceparent, a new trace\'s root');
}

my $refused = wait_span(sub { ($_[0]{attrs}{'ai_gateway.request_id'} // '') eq $r3->{id} });
ok($refused, 'the refused request was exported');
is($refused && $refused->{attrs}{'error.type'}, 'authentication',
   'error.type of a 401');
is($refused && $refused->{status}, 2, 'an error status');

# what went over the wire
my @reqs = @{ requests() };
is($reqs[0]{status}, 503, 'the first export was answered 503');
is_deeply([ map { @{ $_->{problems} // [] } } @reqs ], [],
          'every export decodes and follows the OTLP/JSON rules');
is_deeply([ sort keys %{{ map { $_->{path} => 1 } @reqs }} ], ['/v1/traces'],
          'POSTed to the endpoint + /v1/traces');
ok(!(grep { ($_->{headers}{'content-type'} // '') ne 'application/json'
            || ($_->{headers}{'x-tenant'} // '') ne 'acme'
            || ($_->{headers}{authorization} // '') ne 'Bearer otlp-token-1' }
     @reqs), 'with OTEL_EXPORTER_OTLP_HEADERS, decoded and trimmed');
my $res = $reqs[-1]{resource} // {};
is($res->{'service.name'}, 'gw-under-test', 'OTEL_SERVICE_NAME wins');
is($res->{'deployment.environment'}, 'e2e', 'OTEL_RESOURCE_ATTRIBUTES');
is($res->{team}, 'ml platform', 'percent-decoded');
chomp(my $version = AgwE2E::slurp("$AgwE2E::ROOT/VERSION"));
is($res->{'service.version'}, $version, 'service.version');
ok(!(grep { $_->{traceId} eq $quiet } values %{ spans() }),
   'an unsampled trace is not exported');
my $all = join '', map { $_->{raw} } @reqs;
unlike($all, qr/\Q$secret\E|\Q$wrong\E|\Q$AgwE2E::UPSTREAM_KEY\E/,
       'no key, client\'s or provider\'s, in any span');
my $first = $reqs[0]{raw};
ok((grep { $_->{status} == 200 && $_->{raw} eq $first } @reqs),
   'the refused batch was retried, the same');

my $h = $gw->api(GET => '/api/v1/health')->{json};
is($h->{traces}{enabled}, JSON::PP::true, 'health shows the exporter');
ok($h->{traces}{exported} >= 3, 'and what it exported');
is($h->{traces}{failed}, 0, 'nothing failed');

# a collector that never accepts: the bounded queue drops the oldest and
# counts, and the drain goes on storing every event
$gw->stop_daemon;
stop_receiver();
$port = start_receiver(1_000_000);
{
    local $ENV{OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} =
        "http://127.0.0.1:$port/custom/path";
    local $ENV{OTEL_BSP_MAX_QUEUE_SIZE} = 2;
    local $ENV{OTEL_BSP_MAX_EXPORT_BATCH_SIZE} = 1;
    local $ENV{OTEL_BSP_SCHEDULE_DELAY} = 0;
    $gw->start_daemon;
}

my $before = $gw->scalar_sql('SELECT count(*) FROM events');
$gw->chat(key => $secret, model => 'gpt-4o') for 1 .. 8;
is($gw->wait_rows('1', $before + 8), $before + 8,
   'every event is stored while the collector refuses');

my $t;
AgwE2E::wait_until(sub {
    $t = $gw->api(GET => '/api/v1/health')->{json}{traces};
    $t && $t->{dropped} >= 5 }, 10);
ok($t->{dropped} >= 5, "a full queue drops the oldest and counts ($t->{dropped})");
ok($t->{queued} <= 2, 'the queue holds at most its bound');
is($t->{queue_capacity}, 2, 'OTEL_BSP_MAX_QUEUE_SIZE');
ok($t->{failing_since_ms}, 'the failure shows');
ok((grep { $_->{path} eq '/custom/path' } @{ requests() }),
   'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is');
like($gw->daemon_log, qr/retrying/, 'the failure is logged');
unlike($gw->daemon_log, qr/otlp-token|127\.0\.0\.1:$port/,
       'neither the headers nor the URL in the log');

# a bad variable stops the daemon at start, naming it
$gw->stop_daemon;
{
    local $ENV{OTEL_EXPORTER_OTLP_ENDPOINT} = "http://127.0.0.1:$port";
    local $ENV{OTEL_EXPORTER_OTLP_PROTOCOL} = 'grpc';
    my $out = `"$AgwE2E::DAEMON" --state "@{[ $gw->dir ]}/state" --db "@{[ $gw->dir ]}/gateway.db" 2>&1`;
    is($? >> 8, 2, 'an unsupported protocol refuses to start');
    like($out, qr/OTEL_EXPORTER_OTLP_PROTOCOL "grpc"/, 'naming the variable');
}

$gw->check_logs;
done_testing();
