package AgwE2E;

# End-to-end harness of the t/daemon/3*.t suites: a real nginx with the
# gateway module (the producer), a mock provider served by that same nginx
# with the echo module, and the real admin daemon draining the state file
# into SQLite and serving its API.  Each object is one such set in its own
# temporary directory, on free loopback ports; everything it started is
# stopped at exit, whatever happened.
#
#   my $gw = AgwE2E->new(http => 'ai_gateway_route ...;');
#   $gw->start_nginx; $gw->start_daemon;
#   my $r = $gw->chat(key => $k, model => 'gpt-4o');   # {status, id, ...}
#   my $row = $gw->event($r->{id});                     # the events row
#
# The mock provider answers with real wire bodies (t/fixtures/openai-chat/),
# their usage set to known numbers: 1000 prompt tokens of which 400 cached,
# 500 completion tokens of which 200 reasoning.  In the http{} text given
# to new(), MOCK stands for the mock's http://127.0.0.1:PORT and DEAD for
# a port nobody listens on (connect errors); a provider's url= picks the
# scenario, MOCK/SCENARIO/v1:
#   ok      chat completion, whole
#   stream  chat completion stream: a first chunk, 300 ms, the rest, usage
#   e500    500 with an OpenAI error body

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(sha256_hex);
use File::Basename qw(dirname);
use lib dirname(__FILE__) . '/../../lib';
use FreePort ();
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Handle;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);

# this file is t/daemon/lib/AgwE2E.pm
our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $NGINX = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';
our $MODULE = $ENV{TEST_NGINX_AGW_MODULE}
              // "$ROOT/build/ngx_http_ai_gateway_module.so";
our $ECHO = $ENV{TEST_NGINX_ECHO_MODULE}
            // '/usr/lib/nginx/modules/ngx_http_echo_module.so';
our $DAEMON = $ENV{AGW_ADMIN_BIN} // "$ROOT/build/ai-gateway-admin";
our $RINGTOOL = $ENV{AGW_RINGTOOL_BIN} // "$ROOT/build/agw-ringtool";

our $UPSTREAM_KEY = 'sk-upstream-e2e-0123456789abcdef';
our $TOKEN = 'adm-e2e-' . ('0123456789abcdef' x 2);

my $JSON = JSON::PP->new->canonical->utf8;
my @ALL;

# Skips the whole file when something it needs is not there.
sub check_prerequisites {
    my $why = !-f $MODULE ? "$MODULE not built (make module)"
            : !-x $DAEMON ? "$DAEMON not built (make daemon)"
            : !-x $RINGTOOL ? "$RINGTOOL not built (make daemon)"
            : !-x $NGINX ? "no $NGINX"
            : !-f $ECHO ? "no echo module (apt-get install libnginx-mod-http-echo)"
            : system('sqlite3 -version >/dev/null 2>&1') != 0
                ? 'sqlite3 command not installed (apt-get install sqlite3)'
            : undef;
    plan skip_all => $why if $why;
}

sub free_port { return FreePort::free_port() }

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub spew {
    my ($path, $text) = @_;
    open my $fh, '>:raw', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

sub wait_until {
    my ($cond, $timeout) = @_;
    my $end = time + $timeout;
    while (time < $end) {
        return 1 if $cond->();
        sleep 0.02;
    }
    return $cond->();
}

# A string as one single-quoted nginx config token: nginx turns \n into a
# newline and \\ into \, so JSON escapes must be doubled.  Variables would
# be expanded by echo and return: a fixture with a "$" is refused.
sub ngx_quote {
    my ($s, $suffix) = @_;
    die "a \$ in a mock body would be read as a variable" if $s =~ /\$/;
    $s =~ s/\\/\\\\/g;
    $s =~ s/'/\\'/g;
    return "'$s" . ($suffix // '') . "'";
}

sub fixture {
    my ($name) = @_;
    my $path = "$ROOT/t/fixtures/$name";
    my $text = slurp($path);
    die "missing fixture $path" if $text eq '';
    return $text;
}

# The known usage every mock answer carries, in OpenAI's shape.
sub mock_usage {
    return { prompt_tokens => 1000, completion_tokens => 500,
             total_tokens => 1500,
             prompt_tokens_details => { cached_tokens => 400,
                                        audio_tokens => 0 },
             completion_tokens_details => {
                 reasoning_tokens => 200, audio_tokens => 0,
                 accepted_prediction_tokens => 0,
                 rejected_prediction_tokens => 0 } };
}

# The mock provider's server{} block.
sub mock_server {
    my ($self) = @_;
    my $whole = $JSON->decode(fixture('openai-chat/response-text.json'));
    $whole->{usage} = mock_usage();

    my @chunks = map { $JSON->decode($_) } grep { /\S/ }
        split /\n/, fixture('openai-chat/stream-include-usage.chunks.jsonl');
    $chunks[-1]{usage} = mock_usage();
    # each event ends with a blank line: \n\n, which nginx makes newlines
    my @sse = map { ngx_quote('data: ' . $JSON->encode($_), '\n\n') }
        @chunks;
    my $first = shift @sse;
    my $rest = join "\n", map { "            echo -n $_;" } @sse;
    my $err = ngx_quote('{"error":{"message":"upstream exploded",'
        . '"type":"server_error","param":null,"code":null}}');
    # a stream the provider ends with its own error event, no [DONE]
    my $limited = ngx_quote('data: {"error":{"message":"Rate limit reached",'
        . '"type":"rate_limit_exceeded","param":null,'
        . '"code":"rate_limit_exceeded"}}', '\n\n');

    return <<"_EOC_";
    server {
        listen 127.0.0.1:$self->{mock_port};
        access_log off;
        default_type application/json;
        location /ok/v1/chat/completions {
            echo_read_request_body;
            echo -n @{[ ngx_quote($JSON->encode($whole)) ]};
        }
        location /stream/v1/chat/completions {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n $first;
            echo_flush;
            echo_sleep 0.3;
$rest
            echo -n 'data: [DONE]\\n\\n';
        }
        location /midlimit/v1/chat/completions {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n $first;
            echo -n $limited;
        }
        location /e500/v1/chat/completions {
            echo_read_request_body;
            return 500 $err;
        }
    }
_EOC_
}

# new(%opt): http => directives for http{} (providers, routes, keys,
# prices; "MOCK" and "DEAD" in them are replaced by the mock's and a dead
# port), state => 'size=1m capture=2k' (the ai_gateway_state parameters),
# workers => N, access_log => a log_format string for the gateway,
# no_request_id => 1 (no X-Request-Id header: nothing uses $request_id),
# locations => more directives for the gateway's server{}.
sub new {
    my ($class, %opt) = @_;
    my $self = bless { %opt }, $class;

    $self->{dir} = tempdir('agw-e2e-XXXXXX', TMPDIR => 1,
                           CLEANUP => !$ENV{AGW_TEST_KEEP});
    diag("kept in $self->{dir}") if $ENV{AGW_TEST_KEEP};
    $self->{state_file} = "$self->{dir}/state";
    $self->{db} = "$self->{dir}/gateway.db";
    $self->{gw_port} = free_port();
    $self->{mock_port} = free_port();
    $self->{dead_port} = free_port();
    $self->{api_port} = free_port();
    $self->{http_client} = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
    mkdir "$self->{dir}/logs";
    push @ALL, $self;
    return $self;
}

sub dir { $_[0]{dir} }

sub static_key {
    my ($name, $secret, $models) = @_;
    return "ai_gateway_key $name sha256:" . sha256_hex($secret)
        . ($models ? " models=$models" : '') . ";";
}

# Writes nginx.conf from the options (again, for a reload with new http).
sub write_conf {
    my ($self) = @_;
    my $d = $self->{dir};
    my $http = $self->{http} // '';
    my $mock = "http://127.0.0.1:$self->{mock_port}";
    my $dead = "http://127.0.0.1:$self->{dead_port}";
    $http =~ s/\bMOCK\b/$mock/g;
    $http =~ s/\bDEAD\b/$dead/g;
    my $state = $self->{state} // 'size=16m';
    my $workers = $self->{workers} // 2;
    my $user = $> == 0 ? 'user root;' : '';
    my ($format, $log) = ('', '        access_log off;');
    if ($self->{access_log}) {
        $format = "    log_format e2e '$self->{access_log}';";
        $log = "        access_log $d/logs/access.log e2e;";
    }

    spew("$d/nginx.conf", <<"_EOC_");
load_module $MODULE;
load_module $ECHO;
worker_processes $workers;
error_log $d/logs/error.log notice;
pid $d/logs/nginx.pid;
$user
env AGW_E2E_UPSTREAM_KEY;
events { worker_connections 1024; }
http {
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;

    access_log off;
$format
    ai_gateway_state $self->{state_file} $state;
$http

@{[ $self->mock_server ]}

    server {
        listen 127.0.0.1:$self->{gw_port};
$log
@{[ $self->{no_request_id} ? ''
     : '        add_header X-Request-Id $request_id always;' ]}
        location /v1/ { ai_gateway openai anthropic; }
@{[ $self->{locations} // '' ]}
        include $ROOT/conf/ai_gateway_upstream.conf;
    }
}
_EOC_
}

sub nginx_cmd {
    my ($self, @args) = @_;
    local $ENV{AGW_E2E_UPSTREAM_KEY} = $UPSTREAM_KEY;
    my $out = `"$NGINX" -p "$self->{dir}" -c "$self->{dir}/nginx.conf" @args 2>&1`;
    return ($? == 0, $out);
}

sub nginx_pid {
    my ($self) = @_;
    my $pid = slurp("$self->{dir}/logs/nginx.pid");
    chomp $pid;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

# Starts nginx (a fresh configuration); BAIL_OUTs with its message if it
# refuses, since every later check would fail for the same reason.
sub start_nginx {
    my ($self) = @_;
    $self->write_conf;
    my ($ok, $out) = $self->nginx_cmd();
    BAIL_OUT("nginx does not start: $out") unless $ok;
    wait_until(sub { $self->nginx_pid }, 5);
    $self->{nginx_pid} = $self->nginx_pid;
    return $self->{nginx_pid};
}

# nginx -s reload; returns once a new generation of workers answers (the
# old ones finish their requests meanwhile).
sub reload_nginx {
    my ($self) = @_;
    $self->write_conf;
    my ($ok, $out) = $self->nginx_cmd('-s', 'reload');
    die "nginx -s reload: $out" unless $ok;
    return 1;
}

sub alive {
    my ($pid) = @_;
    return 0 unless $pid && kill 0, $pid;
    # a zombie (PID 1 does not always reap here) counts as stopped
    my $st = slurp("/proc/$pid/stat");
    return $st !~ /^\d+ \(.*\) Z/;
}

sub stop_nginx {
    my ($self) = @_;
    my $pid = $self->{nginx_pid} or return;
    kill 'QUIT', $pid;
    wait_until(sub { !alive($pid) }, 10) or kill 'KILL', $pid;
    delete $self->{nginx_pid};
}

# Starts the daemon on this set's state file and database, with an admin
# token and the API on a free loopback port; returns once it drains and
# answers.
sub start_daemon {
    my ($self, @args) = @_;
    my $log = "$self->{dir}/daemon.log";
    my $before = () = slurp($log) =~ /API listening on/g;

    # a second one would be refused, and the first one's pid lost
    BAIL_OUT("a daemon (pid $self->{daemon_pid}) already runs")
        if $self->{daemon_pid};

    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        $ENV{AGW_ADMIN_TOKEN} = $TOKEN;
        delete @ENV{qw(AGW_ADMIN_PASSWORD AGW_CONFIG AGW_ADMIN_LISTEN)};
        open STDOUT, '>>', $log or die;
        open STDERR, '>>', $log or die;
        exec $DAEMON, '--state', $self->{state_file}, '--db', $self->{db},
             '--listen', "127.0.0.1:$self->{api_port}", @args;
        die "exec $DAEMON: $!";
    }
    $self->{daemon_pid} = $pid;

    wait_until(sub { my $n = () = slurp($log) =~ /API listening on/g;
                     $n > $before }, 10)
        or BAIL_OUT("daemon did not start:\n" . slurp($log));
    return $pid;
}

# Stops the daemon with SIGTERM (it stores what the ring holds first) or
# the signal given; returns the wait status.
sub stop_daemon {
    my ($self, $sig) = @_;
    my $pid = delete $self->{daemon_pid} or return;
    kill $sig // 'TERM', $pid;
    waitpid $pid, 0;
    return $?;
}

# Waits for the daemon to exit on its own (a fault point); returns its
# wait status, or undef if it still runs after $timeout seconds.
sub wait_daemon_exit {
    my ($self, $timeout) = @_;
    my $pid = $self->{daemon_pid} or return;
    my $status;
    wait_until(sub { waitpid($pid, POSIX::WNOHANG()) == $pid
                     and $status = $?, 1 }, $timeout);
    delete $self->{daemon_pid} if defined $status;
    return $status;
}

sub daemon_log { slurp("$_[0]{dir}/daemon.log") }
sub error_log { slurp("$_[0]{dir}/logs/error.log") }
sub access_log { slurp("$_[0]{dir}/logs/access.log") }

# One request to the admin API with the admin token.
sub api {
    my ($self, $method, $path, $body) = @_;
    my $r = $self->{http_client}->request($method,
        "http://127.0.0.1:$self->{api_port}$path", {
            headers => { Authorization => "Bearer $TOKEN",
                         'Content-Type' => 'application/json' },
            defined $body ? (content => $JSON->encode($body)) : () });
    $r->{json} = eval { $JSON->decode($r->{content}) };
    return $r;
}

# One chat completion through the gateway (OpenAI's, or with anthropic =>
# 1 a Messages request with x-api-key; headers => {...} adds some).
# Returns {status, id (nginx's $request_id), content, headers, secs}.
sub chat {
    my ($self, %o) = @_;
    my $body = $o{body} // $JSON->encode({
        model => $o{model} // 'gpt-4o',
        $o{stream} ? (stream => JSON::PP::true) : (),
        messages => [{ role => 'user', content => $o{content} // 'hi' }] });
    my %h = ('Content-Type' => 'application/json', %{ $o{headers} // {} });
    my $path = '/v1/chat/completions';
    if ($o{anthropic}) {
        $path = '/v1/messages';
        $h{'x-api-key'} = $o{key} if defined $o{key};
        $h{'anthropic-version'} = '2023-06-01';
    } elsif (defined $o{key}) {
        $h{Authorization} = "Bearer $o{key}";
    }
    my $t0 = time;
    my $r = $self->{http_client}->request(POST =>
        "http://127.0.0.1:$self->{gw_port}$path",
        { headers => \%h, content => $body });
    $r->{secs} = time - $t0;
    $r->{id} = $r->{headers}{'x-request-id'} // '';
    return $r;
}

# Rows of the events table, as hashes (sqlite3 -json).
sub rows {
    my ($self, $query) = @_;
    my $out = `sqlite3 -json -cmd ".timeout 5000" "$self->{db}" "$query" 2>&1`;
    die "sqlite3: $out" if $? != 0;
    return [] if $out !~ /\S/;
    return $JSON->decode($out);
}

sub scalar_sql {
    my ($self, $query) = @_;
    return -f $self->{db} ? ((values %{ $self->rows($query)->[0] // {} })[0]
                             // 0) : 0;
}

# The stored event of one request id, once the daemon has it.
sub event {
    my ($self, $id, $timeout) = @_;
    my $row;
    die "no request id" unless $id =~ /^[0-9a-f]+$/;
    wait_until(sub {
        $row = eval { $self->rows("SELECT * FROM events WHERE request_id = '$id'") };
        $row && @$row }, $timeout // 5);
    return $row && @$row == 1 ? $row->[0] : undef;
}

# Waits until the events WHERE ... number at least $n; returns the count.
sub wait_rows {
    my ($self, $where, $n, $timeout) = @_;
    my $count = 0;
    wait_until(sub {
        $count = eval { $self->scalar_sql("SELECT count(*) FROM events WHERE $where") } // 0;
        $count >= $n }, $timeout // 10);
    return $count;
}

sub ring_stats {
    my ($self) = @_;
    my $out = `"$RINGTOOL" stats "$self->{state_file}" 2>&1`;
    die "agw-ringtool stats: $out" if $? != 0;
    my %s = $out =~ /^(\w+)=(\S+)$/mg;
    return \%s;
}

# A bounded load: $o{n} requests from $o{conc} processes, one connection
# each (Connection: close, so that a reload never races a keep-alive
# close).  $o{during} runs in the parent meanwhile, with a function that
# tells how many requests were answered so far.  Returns {statuses =>
# {200 => n, ...}, ids => [request ids answered], sent => n}.
sub load {
    my ($self, %o) = @_;
    my $n = $o{n};
    my $conc = $o{conc} // 4;
    my @kids;

    for my $k (0 .. $conc - 1) {
        my $share = int($n / $conc) + ($k < $n % $conc ? 1 : 0);
        my $out = "$self->{dir}/load." . ++$self->{loads} . ".$k";
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            @ALL = ();   # the child stops nothing at exit
            open my $fh, '>', $out or POSIX::_exit(1);
            $fh->autoflush(1);
            for (1 .. $share) {
                my $r = $self->chat(key => $o{key}, model => $o{model},
                                    stream => $o{stream});
                print $fh "$r->{status} $r->{id}\n";
            }
            close $fh;
            POSIX::_exit(0);
        }
        push @kids, [$pid, $out];
    }

    my $progress = sub {
        my $n = 0;
        $n += () = slurp($_->[1]) =~ /\n/g for @kids;
        return $n;
    };
    $o{during}->($progress) if $o{during};

    my %res = (statuses => {}, ids => [], sent => 0);
    for my $kid (@kids) {
        waitpid $kid->[0], 0;
        for (split /\n/, slurp($kid->[1])) {
            my ($status, $id) = split / /;
            $res{sent}++;
            $res{statuses}{$status}++;
            push @{ $res{ids} }, $id if $id;
        }
        unlink $kid->[1];
    }
    return \%res;
}

# No sanitizer report in the daemon's log, no alert in nginx's.
sub check_logs {
    my ($self) = @_;
    unlike($self->daemon_log, qr/Sanitizer|runtime error/,
           'daemon log: no sanitizer report');
    unlike($self->error_log, qr/\[(alert|emerg|crit)\]/,
           'nginx error log: no alert') or diag($self->error_log);
}

sub cleanup {
    my ($self) = @_;
    $self->stop_daemon;
    $self->stop_nginx;
}

# a test interrupted (prove's timeout, ^C) still stops what it started
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

END {
    my $status = $?;
    $_->cleanup for @ALL;
    $? = $status;
}

1;
