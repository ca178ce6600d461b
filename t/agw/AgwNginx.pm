package AgwNginx;

# One nginx for the suites that drive it from outside Test::Nginx (the
# official SDKs in t/sdk/, the agents in t/agents/): free ports, the main
# context every such nginx.conf starts with, and starting nginx in the
# foreground under a prefix until its ports listen.
#
#     my $port = free_port();
#     my $conf = main_conf(@modules) . $http_blocks . "}\n";
#     my $pid = start_nginx($prefix, $conf, $port, $mock_port);
#
# The caller stops it (kill TERM, waitpid) in its END block, unless it
# keeps it running for work by hand.

use strict;
use warnings;
use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';
use FreePort qw(free_port);
use IO::Socket::INET ();
use POSIX ();
use Test::More ();

# free_port is FreePort's (t/lib), exported again for the suites here
use Exporter 'import';
our @EXPORT_OK = qw(free_port main_conf start_nginx);

# Up to and including "http {": the modules loaded, the provider key's
# variable passed, one worker in the foreground, logs and temp paths in the
# prefix.
sub main_conf {
    my @modules = @_;

    return join('', map { "load_module $_;\n" } @modules)
        . "env AGW_TEST_UPSTREAM_KEY;\nworker_processes 1;\n"
        . "daemon off;\nmaster_process off;\nerror_log logs/error.log info;\n"
        . "pid logs/nginx.pid;\n" . ($> == 0 ? "user root;\n" : '')
        . "events { worker_connections 256; }\nhttp {\n"
        . "    client_body_temp_path logs/body;\n    proxy_temp_path logs/proxy;\n"
        . "    fastcgi_temp_path logs/fcgi;\n    uwsgi_temp_path logs/uwsgi;\n"
        . "    scgi_temp_path logs/scgi;\n";
}

# Writes PREFIX/conf/nginx.conf, starts nginx on it and waits (5 s at most,
# else BAIL_OUT with its error log) until every port listens.
sub start_nginx {
    my ($prefix, $conf, @ports) = @_;
    my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

    mkdir "$prefix/$_" for qw(conf logs);
    open my $fh, '>', "$prefix/conf/nginx.conf" or die $!;
    print $fh $conf;
    close $fh;

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>>', "$prefix/logs/error.log";
        exec { $nginx } $nginx, '-p', "$prefix/", '-c', 'conf/nginx.conf'
            or POSIX::_exit(127);
    }

    for my $try (1 .. 50) {
        last if !grep { !IO::Socket::INET->new("127.0.0.1:$_") } @ports;
        select undef, undef, undef, 0.1;
        next if $try < 50;
        kill 'TERM', $pid;
        waitpid $pid, 0;
        Test::More::BAIL_OUT("nginx did not start: "
                             . `cat $prefix/logs/error.log`);
    }

    return $pid;
}

1;
