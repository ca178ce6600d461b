# Helpers shared by the drain tests (t/daemon/1*-drain-*.t): a temp dir,
# the ring tool, the daemon started and stopped, sqlite3 queries.
# Loaded with `require`; not a test itself (prove runs only .t files).

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use FindBin;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

our $ROOT = abs_path("$FindBin::Bin/../..");
our $DAEMON = $ENV{AGW_ADMIN_BIN} // "$ROOT/build/ai-gateway-admin";
our $RINGTOOL = $ENV{AGW_RINGTOOL_BIN} // "$ROOT/build/agw-ringtool";

plan skip_all => "$DAEMON or $RINGTOOL not built (make daemon)"
    unless -x $DAEMON && -x $RINGTOOL;
plan skip_all => 'sqlite3 command not installed (apt-get install sqlite3)'
    unless system('sqlite3 -version >/dev/null 2>&1') == 0;

our $DIR = tempdir('agw-drain-XXXXXX', TMPDIR => 1,
                   CLEANUP => !$ENV{AGW_TEST_KEEP});
diag("kept in $DIR") if $ENV{AGW_TEST_KEEP};

sub ringtool {
    my @args = @_;
    my $out = `"$RINGTOOL" @args 2>&1`;
    die "agw-ringtool @args: $out" if $? != 0;
    return $out;
}

sub stats {
    my ($state) = @_;
    my %s = ringtool('stats', $state) =~ /^(\w+)=(\S+)$/mg;
    return \%s;
}

sub sql {
    my ($db, $query) = @_;
    my $out = `sqlite3 -cmd ".timeout 5000" "$db" "$query" 2>&1`;
    chomp $out;
    return $out;
}

# Starts the daemon in the background; returns its pid.  The API starts
# too when it is built in: on a free port, and no login configured.
sub start_daemon {
    my ($state, $db, $log, @args) = @_;
    my $before = () = slurp($log) =~ /draining ring/g;

    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        $ENV{AGW_ADMIN_LISTEN} = '127.0.0.1:0';
        delete @ENV{qw(AGW_ADMIN_PASSWORD AGW_ADMIN_TOKEN AGW_CONFIG)};
        open STDOUT, '>>', $log or die;
        open STDERR, '>>', $log or die;
        exec $DAEMON, '--state', $state, '--db', $db, @args;
        die "exec $DAEMON: $!";
    }

    wait_until(sub { my $n = () = slurp($log) =~ /draining ring/g;
                     $n > $before }, 10)
        or diag("daemon did not start:\n" . slurp($log));

    return $pid;
}

# SIGTERM; returns the exit status as waitpid sets it.
sub stop_daemon {
    my ($pid, $sig) = @_;
    kill $sig // 'TERM', $pid;
    waitpid($pid, 0);
    return $?;
}

sub wait_until {
    my ($cond, $timeout) = @_;
    my $end = time + $timeout;
    while (time < $end) {
        return 1 if $cond->();
        sleep 0.05;
    }
    return $cond->();
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

1;
