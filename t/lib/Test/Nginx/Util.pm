package Test::Nginx::Util;

# The server side of this repository's Test::Nginx::Socket-compatible
# runner: settings and their environment variables, the generated
# nginx.conf, starting / HUP-reloading / stopping nginx, user files and the
# error log.  It follows openresty's Test::Nginx::Util in names, defaults
# and behaviour for the subset documented in docs/testing.md, so suites run
# unchanged under either.

use strict;
use warnings;

use base 'Exporter';

use Carp qw(croak);
use File::Path qw(make_path remove_tree);
use File::Spec ();
use FreePort ();
use IO::Socket::INET ();
use List::Util qw(shuffle);
use POSIX qw(SIGQUIT SIGKILL SIGTERM SIGHUP SIGUSR1 WNOHANG);
use Scalar::Util qw(looks_like_number);
use Test::LongString ();
use Test::More ();
use Time::HiRes qw(sleep);

use Test::Nginx::TcpServer ();

our $Verbose              = $ENV{TEST_NGINX_VERBOSE};
our $NginxBinary          = $ENV{TEST_NGINX_BINARY}
                            || (-x '/usr/sbin/nginx' ? '/usr/sbin/nginx'
                                                     : 'nginx');
our $Workers              = 1;
our $WorkerConnections    = 64;
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled        = 'on';
our $ServerAddr           = '127.0.0.1';
our $ServerName           = 'localhost';
our $ServerPort           = $ENV{TEST_NGINX_SERVER_PORT}
                            || $ENV{TEST_NGINX_PORT} || 1984;
our $ServerPortForClient  = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoRootLocation       = 0;
our $TestNginxSleep       = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $ForceRestartOnTest   = defined $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST}
                            ? $ENV{TEST_NGINX_FORCE_RESTART_ON_TEST} : 1;
our $UseHup               = $ENV{TEST_NGINX_USE_HUP};
our $UseHttp2             = $ENV{TEST_NGINX_USE_HTTP2};
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $LoadModules          = $ENV{TEST_NGINX_LOAD_MODULES};
our $PostponeOutput       = $ENV{TEST_NGINX_POSTPONE_OUTPUT};
our $EventType            = $ENV{TEST_NGINX_EVENT_TYPE};
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $WorkerUser           = $ENV{TEST_NGINX_WORKER_USER};
our $Randomize            = $ENV{TEST_NGINX_RANDOMIZE};
our $NoNginxManager       = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $UseValgrind          = $ENV{TEST_NGINX_USE_VALGRIND};
our $RepeatEach           = 1;
our $NoLongString;
our $ConfigPreamble       = '';

our (@EnvToNginx, @BlockPreprocessors, @CleanupHandlers);
our ($PrevConfig, $ConfigVersion, $NginxVersion, $NginxRawVersion,
     $OpenSSLVersion, $RunTestHelper, $CheckErrorLog, $InSubprocess);
our $FirstTime     = 1;
our $ErrLogFilePos = 0;
our $TcpServer;

sub gen_rand_port ($$);
sub bail_out (@);
sub cleanup ();
sub timeout (@);
sub run_test ($);

if (defined $WorkerUser && $WorkerUser !~ /^\w+(?:\s+\w+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

for my $v (qw(TEST_NGINX_USE_STAP
              TEST_NGINX_CHECK_LEAK TEST_NGINX_BENCHMARK
              TEST_NGINX_USE_HTTP3 TEST_NGINX_USE_RR))
{
    warn "WARNING: $v is not supported by this repository's Test::Nginx "
         . "runner (t/lib); ignored.\n" if $ENV{$v};
}

if ($Randomize) {
    $ServerPort = gen_rand_port(1000, {})
        or die "Cannot find an available listening port number\n";
    $ServerPortForClient = $ServerPort;
}

our $ServRoot = $Randomize
                ? File::Spec->rel2abs("t/servroot_$ServerPort")
                : ($ENV{TEST_NGINX_SERVROOT}
                   || File::Spec->rel2abs('t/servroot'));
$ServRoot = File::Spec->rel2abs($ServRoot);
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');

our @EXPORT = qw(
    env_to_nginx is_str $NoLongString no_long_string $ServerAddr server_addr
    $ServerName server_name parse_time verbose sleep_time bail_out
    add_cleanup_handler access_log_data error_log_data setup_server_root
    write_config_file get_canon_version get_nginx_version trim
    show_all_chars parse_headers run_tests get_pid_from_pidfile
    $ServerPortForClient $ServerPort $NginxVersion $PidFile $ServRoot
    $ConfFile $RunTestHelper $CheckErrorLog $NoNginxManager $RepeatEach
    add_block_preprocessor timeout worker_connections workers master_on
    master_off config_preamble repeat_each master_process_enabled log_level
    no_shuffle no_root_location html_dir server_root server_port
    server_port_for_client no_nginx_manager use_hup check_accum_error_log
    is_running use_http2
);

# prove is often interrupted with ^C; run the END block so that no nginx
# is left behind.  Handlers a suite installed itself are kept.
for my $sig (qw(INT TERM)) {
    $SIG{$sig} = sub { exit 128 + ($sig eq 'INT' ? 2 : 15) }
        if !$SIG{$sig} || $SIG{$sig} eq 'DEFAULT';
}


# Settings, called before run_tests().

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        croak "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub no_long_string ()         { $NoLongString = 1 }
sub no_shuffle ()             { $NoShuffle = 1 }
sub no_root_location ()       { $NoRootLocation = 1 }
sub no_nginx_manager ()       { $NoNginxManager = 1 }
sub use_hup ()                { $UseHup = 1 }
sub check_accum_error_log ()  { $CheckAccumErrLog = 1 }
sub master_on ()              { $MasterProcessEnabled = 'on' }
sub master_off ()             { $MasterProcessEnabled = 'off' }
sub config_preamble ($)       { $ConfigPreamble = shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)   { unshift @CleanupHandlers, shift }
sub verbose ()                { $Verbose }
sub sleep_time ()             { $TestNginxSleep }
sub html_dir ()               { $HtmlDir }
sub server_root ()            { $ServRoot }

sub master_process_enabled (@) {
    return $MasterProcessEnabled unless @_;
    $MasterProcessEnabled = shift() ? 'on' : 'off';
}

# Getter without arguments, setter with one: the Test::Nginx convention.
sub server_addr (@)            { @_ ? ($ServerAddr = shift) : $ServerAddr }
sub server_name (@)            { @_ ? ($ServerName = shift) : $ServerName }
sub server_port (@)            { @_ ? ($ServerPort = shift) : $ServerPort }
sub timeout (@)                { @_ ? ($Timeout = shift) : $Timeout }
sub workers (@)                { @_ ? ($Workers = shift) : $Workers }
sub log_level (@)              { @_ ? ($LogLevel = shift) : $LogLevel }
sub repeat_each (@)            { @_ ? ($RepeatEach = shift) : $RepeatEach }

sub server_port_for_client (@) {
    @_ ? ($ServerPortForClient = shift) : $ServerPortForClient;
}

sub worker_connections (@) {
    @_ ? ($WorkerConnections = shift) : $WorkerConnections;
}


# Small helpers shared with Test::Nginx::Socket.

sub is_str (@) {
    my ($got, $expected, $desc) = @_;

    return Test::More::like($got, $expected, $desc)
        if ref $expected && ref $expected eq 'Regexp';
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

# "50ms", "1.5s" or "2" (seconds).
sub parse_time ($) {
    my $tm = shift;

    return $tm unless defined $tm;
    if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
        return $tm / 1000;
    }
    $tm =~ s/([^_a-zA-Z])s$/$1/;
    return $tm;
}

sub trim ($) {
    my $s = shift;

    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /gs;
    $s =~ s/\s{2,}/ /gs;
    return $s;
}

sub show_all_chars ($) {
    my $s = shift;

    $s =~ s/\n/\\n/gs;
    $s =~ s/\r/\\r/gs;
    $s =~ s/\t/\\t/gs;
    return $s;
}

# "Name: value" lines to a hash; "!Name" maps to undef (header absent).
sub parse_headers ($) {
    my $s = shift;
    my %headers;

    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $headers{$line} = undef;
            next;
        }
        my ($key, $val) = split /\s*:\s*/, $line, 2;
        $headers{$key} = defined $val ? $val : '';
    }

    return \%headers;
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(@_);
}

sub get_canon_version (@) {
    sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub get_nginx_version () {
    my $out = `$NginxBinary -V 2>&1`;

    if (!defined $out || $? != 0) {
        bail_out("Failed to get the version of the nginx binary "
                 . "\"$NginxBinary\" (set TEST_NGINX_BINARY): "
                 . (defined $out ? $out : ''));
    }

    if ($out =~ m{built with OpenSSL (\d+)\.(\d+)\.(\d+)([a-z])?}s) {
        $OpenSSLVersion = get_canon_version($1, $2, $3);
    }

    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}s
        || $out =~ m{\w+/(\d+)\.(\d+)\.(\d+)}s)
    {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }

    bail_out("Failed to parse the output of \"nginx -V\": $out\n");
}

# Unlike Test::Nginx's, a port from FreePort (t/lib/FreePort.pm): outside
# the kernel's ephemeral range and claimed against other suites running
# at the same time.
sub gen_rand_port ($$) {
    my ($tries, $used) = @_;

    for (1 .. $tries) {
        my $port = FreePort::free_port();
        return $port unless $used->{$port};
    }

    return undef;
}

sub gen_rand_str ($) {
    my $len = shift;
    my @chars = ('A' .. 'Z', 'a' .. 'z', '0' .. '9');

    return join '', map { $chars[int rand @chars] } 1 .. $len;
}

# $TEST_NGINX_FOO in a section becomes the environment's value; a missing
# one stops the run, as in Test::Nginx.  $TEST_NGINX_RAND_PORT_N picks a
# free port, the same one for every use of N in the block.
sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    my $used = { $ServerPort => 1, map { $_ => 1 } values %$rand_ports };

    return undef unless defined $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;

        if ($var =~ /^TEST_NGINX_RAND_PORT_[0-9]+$/) {
            if (!defined $rand_ports->{$var}) {
                my $port = gen_rand_port(1000, $used);
                bail_out("$name - Cannot find an available listening port "
                         . "number for $var.\n") unless defined $port;
                $rand_ports->{$var} = $port;
                $used->{$port} = 1;
            }
            $val = $rand_ports->{$var};

        } else {
            bail_out("$name - No environment $var defined.\n")
                unless defined $ENV{$var};
            $val = $ENV{$var};
        }
        $val;
    }ge;

    return $text;
}


# Processes.

# A daemonised nginx is not our child; once it exits, init reaps it.  A
# zombie that nobody reaped yet counts as gone.
sub is_running ($) {
    my $pid = shift;

    return 0 unless $pid && kill 0, $pid;
    if (open my $in, '<', "/proc/$pid/stat") {
        my $stat = <$in>;
        close $in;
        return 0 if defined $stat && $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

sub get_pid_from_pidfile ($) {
    my $name = shift;

    open my $in, '<', $PidFile
        or bail_out("$name - Failed to open the pid file $PidFile for "
                    . "reading: $!");
    my $pid = do { local $/; <$in> };
    close $in;
    $pid = '' unless defined $pid;
    chomp $pid;
    return $pid;
}

# QUIT (graceful) first, then TERM, then KILL: a hung worker must not
# outlive the test file.
sub kill_process ($$$) {
    my ($pid, $wait, $name) = @_;
    my $left;

    return unless is_running($pid);

    if ($wait) {
        kill SIGQUIT, $pid;
        $left = $UseValgrind ? 30 : timeout();    # the leak check takes time
        while ($left > 0 && is_running($pid)) {
            waitpid($pid, WNOHANG);
            sleep 0.02;
            $left -= 0.02;
        }
        return unless is_running($pid);
        warn "$name - timeout when waiting for the process $pid to exit\n";
    }

    for (1 .. 20) {
        return unless is_running($pid);
        kill SIGTERM, $pid;
        sleep 0.05;
        waitpid($pid, WNOHANG);
    }

    warn "$name - WARNING: killing the process $pid with force\n";
    kill SIGKILL, $pid;
    waitpid($pid, WNOHANG);
}

sub running_nginx_pid () {
    return undef unless -f $PidFile;
    my $pid = get_pid_from_pidfile('');
    return $pid if $pid =~ /^\d+$/ && is_running($pid);
    unlink $PidFile;
    return undef;
}

sub stop_nginx ($) {
    my $name = shift;
    my $pid = running_nginx_pid();

    kill_process($pid, 1, $name) if defined $pid;
    unlink $PidFile if -f $PidFile;
}

sub cleanup () {
    $_->() for @CleanupHandlers;
    Test::Nginx::TcpServer::stop($TcpServer);
    undef $TcpServer;
}

# The valgrind command line TEST_NGINX_USE_VALGRIND asks for: a number
# means memcheck with leak checking, anything else is valgrind's options.
sub valgrind_cmd () {
    my @cmd = ('valgrind', '-q', '--num-callers=100', '--gen-suppressions=all');

    if ($UseValgrind =~ /^\d+$/) {
        push @cmd, '--tool=memcheck', '--leak-check=full',
                   '--show-possibly-lost=no';
        push @cmd, '--suppressions=valgrind.suppress' if -f 'valgrind.suppress';
    } else {
        push @cmd, split ' ', $UseValgrind;
    }

    return @cmd;
}

# Under valgrind nginx stays in the foreground as our child: it has started
# once its pid file names that child; exiting first is a failure to start.
sub wait_foreground_start ($$) {
    my ($name, $pid) = @_;

    for (1 .. 600) {
        return $? || (1 << 8) if waitpid($pid, WNOHANG) == $pid;
        return 0 if -f $PidFile && get_pid_from_pidfile($name) eq $pid;
        sleep 0.05;
    }

    kill SIGKILL, $pid;
    waitpid($pid, 0);
    return 1 << 8;
}

# Run the nginx command line; its stderr (where Debian's nginx reports
# configuration errors, having been built with --error-log-path=stderr)
# is appended to error.log, where a stock build would have written it.
# Under valgrind, stderr stays the terminal's so that reports are seen.
sub run_nginx ($) {
    my $name = shift;
    my ($pid, @cmd);

    @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
    unshift @cmd, valgrind_cmd() if $UseValgrind;
    warn "$name - running @cmd\n" if $Verbose;

    $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;

    if ($pid == 0) {
        $InSubprocess = 1;
        open STDOUT, '>', '/dev/null';
        open STDERR, '>>', $ErrLogFile unless $UseValgrind;
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }

    return wait_foreground_start($name, $pid) if $UseValgrind;

    waitpid($pid, 0);
    return $?;
}


# The server root, the configuration and the user files.

sub setup_server_root ($) {
    my $first_time = shift;

    if (-d $ServRoot) {
        # Remove only what the runner creates, then rmdir: a mistaken
        # TEST_NGINX_SERVROOT must not wipe real data.
        remove_tree($ConfDir, glob("$ServRoot/*_cache"),
                    glob("$ServRoot/*_temp"));

        if ($UseHup) {
            require File::Find;
            File::Find::find({ bydepth => 1, no_chdir => 1, wanted => sub {
                return if -d $_;
                return if !$first_time
                          && /(?:\bnginx\.pid|\.sock|\.crt|\.key)$/;
                unlink $_ or warn "Failed to remove $_: $!\n";
            } }, $ServRoot);

        } else {
            remove_tree($HtmlDir, $LogDir);
            rmdir $ServRoot
                or bail_out("Can't remove $ServRoot (not empty?): $!");
        }
    }

    for my $dir ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $dir;
        mkdir $dir or bail_out("Failed to do mkdir $dir: $!\n");
    }

    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("Can't open $HtmlDir/index.html for writing: $!\n");
    print $out '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>';
    close $out;
}

# --- user_files: ">>> name [touch -t date]" lines, or an eval'd array of
# [name, body, date]; relative names land in html/.
sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $files = $block->user_files;

    return unless $files;

    if (!ref $files) {
        my ($fname, $body, $date, @list);

        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$fname, $body, $date] if defined $fname;
                ($fname, $date, $body) = ($1, $2, undef);
            } else {
                $body .= $line;
            }
        }
        push @list, [$fname, $body, $date] if defined $fname;
        $files = \@list;

    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type: " . ref($files)
                 . ", only scalar or ARRAY are accepted");
    }

    for my $file (@$files) {
        my ($fname, $body, $date) = @$file;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";

        $body = '' unless defined $body;
        if ($path =~ m{(.*)/} && !-d $1) {
            make_path($1) or bail_out("$name - Cannot create directory $1");
        }
        $body = expand_env_in_text($body, $name, $rand_ports);

        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!\n");
        binmode $out;
        print $out $body;
        close $out;

        if ($date) {
            local $ENV{TZ} = 'GMT';
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - touch -t $date $path failed\n");
        }
    }
}

# Whether the block goes over HTTP/2, decided as Test::Nginx decides it:
# --- no_http2 wins, then --- http2; in TEST_NGINX_USE_HTTP2 mode, blocks
# that cannot go over HTTP/2 stay on HTTP/1.x: raw and pipelined requests,
# an explicit HTTP/1.0, and a configuration proxying to the server's own
# port (an HTTP/1.x upstream cannot talk to a listener that speaks only
# HTTP/2).
sub use_http2 ($) {
    my $block = shift;

    return 0 if defined $block->no_http2;

    if (defined $block->http2) {
        bail_out("cannot use --- http2 with --- raw_request")
            if defined $block->raw_request;
        bail_out("cannot use --- http2 with --- pipelined_requests")
            if defined $block->pipelined_requests;
        return 1;
    }

    return 0 unless $UseHttp2;
    return 0 if defined $block->raw_request
                || defined $block->pipelined_requests
                || !defined $block->request;
    return 0 if !ref $block->request && $block->request =~ m{HTTP/1\.0};

    for my $section (qw(config user_files http_config)) {
        my $text = $block->$section;
        return 0 if defined $text
                    && $text =~ /proxy_pass .*:\$(?:server_port|TEST_NGINX_SERVER_PORT)/;
    }

    return 1;
}

# The same layout as Test::Nginx's: main_config before http {}, the
# block's http_config inside it, one server on $ServerPort holding the
# block's config and a default "location /", post_main_config and events
# last.  Two additions for Debian's nginx, whose temp paths are absolute
# (/var/lib/nginx/...): they move under the server root, where a stock
# build's prefix-relative defaults put them, unless http_config sets them.
sub write_config_file ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;
    my ($http_config, $main_config, $post_main_config, $err_log_file,
        $server_name, $listen_opts, $http2_directive, $extra_http_config,
        $temp_paths, $daemon);

    master_on() if $UseHup;    # nginx reloads reliably only with a master
    $daemon = $UseValgrind ? 'off' : $DaemonEnabled;

    $http_config = expand_env_in_text($block->http_config, $name, $rand_ports);
    $http_config = '' unless defined $http_config;
    $config = '' unless defined $config;

    $main_config = $block->main_config;
    $main_config = '' unless defined $main_config;
    if ($LoadModules) {
        $main_config .= join ' ', map { "load_module $_;" }
                                  grep { $_ } split /\s+/, $LoadModules;
    }
    $main_config = expand_env_in_text($main_config, $name, $rand_ports);

    $post_main_config = expand_env_in_text($block->post_main_config, $name,
                                           $rand_ports);
    $post_main_config = '' unless defined $post_main_config;

    $extra_http_config = '';
    if (defined $PostponeOutput && $http_config !~ /\bpostpone_output\b/) {
        bail_out("Bad TEST_NGINX_POSTPONE_OUTPUT value: $PostponeOutput\n")
            if $PostponeOutput !~ /^\d+$/;
        $extra_http_config = "    postpone_output $PostponeOutput;\n";
    }

    $temp_paths = '';
    for my $t (qw(client_body proxy fastcgi uwsgi scgi)) {
        next if $http_config =~ /\b${t}_temp_path\b/;
        $temp_paths .= "    ${t}_temp_path $ServRoot/${t}_temp;\n";
    }

    $err_log_file = $block->error_log_file || $ErrLogFile;
    $server_name = defined $block->server_name ? $block->server_name
                                               : $ServerName;
    # "http2 on;" exists from nginx 1.25.1, which deprecates "listen ...
    # http2" (Test::Nginx 0.33 writes "http2 on;" from 1.19.9: nginx 1.22
    # refuses it)
    $listen_opts = '';
    $http2_directive = '';
    if (use_http2($block)) {
        if ($NginxVersion >= get_canon_version(1, 25, 1)) {
            $http2_directive = "\n        http2           on;";
        } else {
            $listen_opts = ' http2';
        }
    }
    $listen_opts .= ' reuseport' if $ENV{TEST_NGINX_REUSE_PORT};

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!\n");

    print $out <<_EOC_;
worker_processes  $Workers;
daemon $daemon;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
_EOC_

    for my $v (@EnvToNginx) {
        print $out "env " . ($v =~ /\s/ ? "'$v'" : $v) . ";\n";
    }

    print $out <<_EOC_;

$main_config

http {
    access_log $AccLogFile;

    default_type text/plain;
    keepalive_timeout  68;

$temp_paths
$http_config

    server {
        listen          $ServerPort$listen_opts;$http2_directive
        server_name     '$server_name';

        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

_EOC_

    if (!$NoRootLocation) {
        print $out <<_EOC_;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    }

    print $out "    }\n";

    if ($UseHup) {
        # The reload is complete once this answers with the new version.
        print $out <<_EOC_;
    server {
        listen          $ServerPort$listen_opts;$http2_directive
        server_name     'Test-Nginx';

        location = /ver {
            return 200 '$ConfigVersion';
        }
    }

$extra_http_config
_EOC_
    } else {
        print $out $extra_http_config;
    }

    print $out <<_EOC_;
}

$post_main_config

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
_EOC_

    print $out "    use $EventType;\n" if $EventType;
    print $out "}\n";

    print $out <<_EOC_;
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
_EOC_

    # Running as root, nginx would switch workers to "nobody", who can
    # read nothing under a root-owned server root.
    if (defined $WorkerUser) {
        print $out "user $WorkerUser;\n";
    } elsif ($> == 0) {
        print $out "user root;\n";
    }

    close $out;
}


# The error and access logs.

sub read_log_lines ($$) {
    my ($file, $posp) = @_;
    my @lines;

    # Lines of the log phase are written after the response went out.
    sleep $TestNginxSleep * 3;

    open my $in, '<', $file or return undef;
    seek $in, $$posp, 0 if $posp && !$CheckAccumErrLog && $$posp > 0;
    @lines = <$in>;
    $$posp = tell $in if $posp && !$CheckAccumErrLog;
    close $in;

    return \@lines;
}

sub error_log_data () {
    return read_log_lines($ErrLogFile, \$ErrLogFilePos);
}

sub access_log_data () {
    return read_log_lines($AccLogFile, undef) || [];
}


# Reloading with HUP: wait until the new configuration answers on /ver.

sub fetch_config_version ($) {
    my $block = shift;

    if (use_http2($block)) {
        my $ver = `curl -sS --http2-prior-knowledge -H 'Host: Test-Nginx' --connect-timeout 2 'http://$ServerAddr:$ServerPort/ver' 2>/dev/null`;
        return $ver;
    }

    my $sock = IO::Socket::INET->new(PeerAddr => $ServerAddr,
                                     PeerPort => $ServerPort,
                                     Proto => 'tcp', Timeout => 2)
        or return '';
    print $sock "GET /ver HTTP/1.0\r\nHost: Test-Nginx\r\n\r\n";
    my $resp = do { local $/; <$sock> };
    close $sock;

    return defined $resp && $resp =~ /\r\n\r\n(.*)\z/s ? $1 : '';
}

sub test_config_version ($$) {
    my ($name, $block) = @_;
    my $matches = 0;

    # Old workers keep serving until they finish: require a run of
    # answers from the new generation, as Test::Nginx does.
    for my $try (1 .. 200) {
        if (fetch_config_version($block) eq $ConfigVersion) {
            return if ++$matches >= 20;
            next;
        }
        $matches = 0;

        # A configuration the master refused never answers: say so now
        # rather than after minutes of polling.
        if (open my $in, '<', $ErrLogFile) {
            my @emerg = grep { /\[emerg\]/ } <$in>;
            close $in;
            if (@emerg) {
                Test::More::fail("$name - the HUP reload failed: $emerg[0]");
                return;
            }
        }

        my $wait = $TestNginxSleep * $try * ($try + 1) / 2;
        sleep($wait > 1 ? 1 : $wait);
    }

    Test::More::fail("$name - failed to reload configuration after 200 "
                     . "failed test requests");
}


# Per-block skip conditions: skip_nginx, skip_nginx2, skip_eval.  Returns
# (number of subtests to skip, reason) when the block must be skipped.
sub block_skip ($) {
    my $block = shift;
    my $name = $block->name;
    my $ver = $NginxVersion;
    my $cmp = sub {
        my ($op, $a, $b, $c) = @_;
        return eval "$ver $op " . get_canon_version($a, $b, $c);
    };

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ /^\s*(\d+)\s*:\s*(.*)/s) {
            my ($n, $code) = ($1, $2);
            my $skip = eval $code;
            bail_out("$name - skip_eval - failed to eval \"$code\": $@")
                if $@;
            return ($n, 'skip_eval') if $skip;
        }
    }

    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                   (?:\s*:\s*(.*))?\s*$/x
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        return ($1, $6 || "nginx version $2 $3.$4.$5")
            if $cmp->($2, $3, $4, $5);

    } elsif (defined(my $spec2 = $block->skip_nginx2)) {
        $spec2 =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                    \s*(or|and)\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                    (?:\s*:\s*(.*))?\s*$/x
            or bail_out("$name - Invalid --- skip_nginx2 spec: $spec2");
        my ($n, $x, $y) = ($1, $cmp->($2, $3, $4, $5),
                           $cmp->($7, $8, $9, $10));
        return ($n, $11 || 'various reasons')
            if $6 eq 'or' ? ($x || $y) : ($x && $y);
    }

    return;
}


# --- tcp_listen: a scripted TCP peer for one connection, started before
# each repetition's requests and stopped after them.

sub start_tcp_server ($) {
    my $block = shift;
    my $name = $block->name;
    my ($len, $file, $srv);

    return undef unless defined $block->tcp_listen;

    bail_out("$name - no --- tcp_reply specified but --- tcp_listen is "
             . "specified")
        if !defined $block->tcp_reply && !defined $block->tcp_shutdown;

    $len = $block->tcp_query_len;
    if (defined $block->tcp_query || defined $len) {
        $len = length $block->tcp_query unless defined $len;
        require File::Temp;
        (undef, $file) = File::Temp::tempfile(UNLINK => 1);
    }

    $srv = eval {
        Test::Nginx::TcpServer::start(
            target         => scalar $block->tcp_listen,
            reply          => scalar $block->tcp_reply,
            reply_delay    => parse_time($block->tcp_reply_delay),
            shutdown       => scalar $block->tcp_shutdown,
            shutdown_delay => parse_time($block->tcp_shutdown_delay),
            no_close       => defined $block->tcp_no_close,
            query_len      => $len,
            query_file     => $file,
        );
    };
    bail_out("$name - $@") unless $srv;

    $srv->{query_file} = $file;
    return $srv;
}

sub check_tcp_query ($$) {
    my ($block, $srv) = @_;
    my $name = $block->name;
    my $query = '';

    return unless $srv && $srv->{query_file};

    if (open my $in, '<', $srv->{query_file}) {
        binmode $in;
        $query = do { local $/; <$in> };
        close $in;
        $query = '' unless defined $query;
    }

    is_str($query, $block->tcp_query, "$name - tcp_query ok")
        if defined $block->tcp_query;
    Test::More::is(length $query, $block->tcp_query_len,
                   "$name - TCP query length ok")
        if defined $block->tcp_query_len;
}


# Running the blocks.

sub run_tests () {
    $NginxVersion = get_nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    for my $block ($NoShuffle ? Test::Base::blocks()
                              : shuffle Test::Base::blocks())
    {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', $0 . ' ' . $block->name);
        run_test($block);
    }

    cleanup();
}

# Start nginx for a --- must_die block: it must fail; its messages are
# checked like any error log.  Nothing is requested.
sub run_must_die ($$) {
    my ($block, $must_die) = @_;
    my $name = $block->name;

    for my $i (0 .. $RepeatEach - 1) {
        my $status = run_nginx($name);
        my $exit = $status >> 8;

        if ($status == -1) {
            Test::More::fail("$name - failed to execute the nginx command line");
        } elsif ($status & 128) {
            Test::More::fail("$name - nginx core dumped");
        } elsif (looks_like_number($must_die)) {
            Test::More::is($exit, $must_die,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }

        $CheckErrorLog->($block, undef, 0, $i, 0);

        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; "
                 . "killing it (req $i)\n";
            for (1 .. 15) {
                last if -f $PidFile;
                sleep $TestNginxSleep;
            }
            stop_nginx($name);
        }
    }
}

# Start nginx.  A port still held by the previous instance (or another
# suite) is retried for a while; any other failure stops the run at once,
# with nginx's own message.
sub start_nginx ($) {
    my $name = shift;
    my $waited = 0;

    for (my $i = 1; ; $i++) {
        my $pos = -s $ErrLogFile || 0;
        my $status = run_nginx($name);
        my $msg = '';

        return if $status == 0;

        if (open my $in, '<', $ErrLogFile) {
            seek $in, $pos, 0;
            $msg = join '', grep { /\[(?:emerg|alert|crit)\]/ } <$in>;
            close $in;
        }

        if ($waited >= 10 || $msg !~ /Address already in use/) {
            $msg =~ s/\s+\z//;
            $msg =~ s/\n/; /g;
            bail_out("$name - Cannot start nginx using \"$NginxBinary -p "
                     . "$ServRoot/ -c $ConfFile\" (status $status): $msg");
        }

        my $delay = 0.1 * $i;
        $delay = 1 if $delay > 1;
        sleep $delay;
        $waited += $delay;
    }
}


# HUP reload: reopen the logs just emptied (USR1), reload (HUP), wait for
# the new configuration to answer.  Returns false if nginx is gone.
sub reload_nginx ($$$$) {
    my ($block, $config, $rand_ports, $pid) = @_;
    my $name = $block->name;

    setup_server_root(0);
    write_user_files($block, $rand_ports);
    write_config_file($block, $config, $rand_ports);

    my @old = worker_pids($pid);

    return 0 unless kill SIGUSR1, $pid;
    sleep $TestNginxSleep;
    return 0 unless kill SIGHUP, $pid;
    sleep $TestNginxSleep * 3;

    if (defined $block->reload_fails) {
        sleep 0.3;
    } else {
        test_config_version($name, $block);
        wait_workers_gone($name, @old);
    }

    return 1;
}


# The master's children (workers, cache helpers) by pid, from /proc.
sub worker_pids ($) {
    my $master = shift;
    my @pids;

    opendir my $dh, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $st, '<', "/proc/$p/stat" or next;
        my $line = <$st>;
        close $st;
        push @pids, $p if defined $line && $line =~ /\)\s+\S+\s+(\d+)/
                          && $1 == $master;
    }
    closedir $dh;

    return @pids;
}

# After a reload, old workers still serving connections they hold (or a
# connection they accepted just before the reload) would answer the next
# block with the previous configuration: wait, bounded, until the workers
# of the old generation have exited.
sub wait_workers_gone ($@) {
    my ($name, @old) = @_;

    for my $i (1 .. 150) {
        @old = grep { kill 0, $_ } @old;
        return unless @old;
        select(undef, undef, undef, 0.1);
    }

    warn "$name - old nginx workers (@old) still running 15 s after the "
         . "reload\n";
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;
    my ($first_time, $rand_ports, $config, $must_die, $should_restart,
        @skip, $pid);

    return if defined $block->SKIP;

    $first_time = $FirstTime;
    undef $FirstTime;
    $rand_ports = {};
    $config = expand_env_in_text($block->config, $name, $rand_ports);

    local $LogLevel = $block->log_level || $LogLevel;
    local $UseHup = $UseHup;
    local $UseValgrind = $UseValgrind;

    # nginx must fail at once: no reload, no valgrind.
    $must_die = $block->must_die;
    if (defined $must_die) {
        undef $UseHup;
        undef $UseValgrind;
    }

    @skip = block_skip($block);

    if ($NoNginxManager) {
        $should_restart = 0;
    } elsif (!defined $config) {
        # No --- config: keep serving the previous block's configuration.
        bail_out("$name - No '--- config' section specified and could not "
                 . "get previous one. Use TEST_NGINX_NO_NGINX_MANAGER ?")
            unless defined $PrevConfig;
        $should_restart = 0;
    } else {
        $should_restart = !defined $PrevConfig || $config ne $PrevConfig
                          || $ForceRestartOnTest;
    }

    if ($should_restart && !@skip) {
        $PrevConfig = $config;
        $ConfigVersion = gen_rand_str(10) if $UseHup;
        $pid = running_nginx_pid();

        if (defined $pid && $UseHup && !$first_time
            && reload_nginx($block, $config, $rand_ports, $pid))
        {
            goto REQUEST;
        }

        stop_nginx($name) if defined $pid;
        setup_server_root($first_time);
        write_user_files($block, $rand_ports);
        write_config_file($block, $config, $rand_ports);
        $ErrLogFilePos = 0;

        if (defined $must_die) {
            run_must_die($block, $must_die);
            return;
        }

        start_nginx($name);
        sleep $TestNginxSleep;
    }

  REQUEST:

    if ($block->init) {
        eval $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block, $rand_ports) if $i > 0;

        if (@skip) {
          SKIP: {
                Test::More::skip("$name - $skip[1]", $skip[0]);
            }
            next;
        }

        $TcpServer = start_tcp_server($block);
        $RunTestHelper->($block, 0, $i);
        check_tcp_query($block, $TcpServer);
        Test::Nginx::TcpServer::stop($TcpServer);
        undef $TcpServer;
    }
}

END {
    return if $InSubprocess;

    local $?;    # keep the test file's exit status

    cleanup();
    stop_nginx('END') unless $ENV{TEST_NGINX_NO_CLEAN};

    if ($Randomize && $ServRoot =~ m{/t/servroot_\d+$} && -d $ServRoot
        && !$ENV{TEST_NGINX_NO_CLEAN})
    {
        remove_tree($ServRoot);
    }
}

1;
