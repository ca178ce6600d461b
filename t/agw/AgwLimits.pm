# Helpers of the limits suites (t/132 to t/135): a state file that outlives
# every block (Test::Nginx empties the server root between blocks, and a
# reload or a restart must find the counts again), dynamic keys with
# policies published to it as the daemon does, and readings of its limits
# table through agw-ringtool.
package AgwLimits;

use strict;
use warnings;
use Cwd qw(cwd);
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use Exporter 'import';

our @EXPORT = qw(publish_keys limits_of same_minute limits_blocks);

my $dir = tempdir('agw-limits-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;

$ENV{TEST_NGINX_LIMITS_STATE} = "$dir/agw.state";

our $RINGTOOL = $ENV{TEST_AGW_RINGTOOL} || cwd() . '/build/agw-ringtool';

# The blocks' defaults: the state file, the mock, PROVIDERS (the lines
# of providers, routes and prices) and LOCATIONS.
sub limits_blocks {
    my ($providers, $locations) = @_;

    Test::Nginx::Socket::add_block_preprocessor(sub {
        my $block = shift;

        $block->set_value(http_config => "    MOCK\n"
            . "    ai_gateway_state \$TEST_NGINX_LIMITS_STATE size=1m;\n"
            . $providers) unless defined $block->http_config;
        $block->set_value(config => $locations)
            unless defined $block->config;
    });
}

# Every window of these suites is a minute: a block that counts starts
# with at least $left seconds of its minute to go.
sub same_minute {
    my ($left) = @_;
    $left ||= 15;
    select undef, undef, undef, 0.2 while 60 - time % 60 < $left;
}

# Publishes dynamic keys: [secret, id, {limits}, {policy fields}] each.
sub publish_keys {
    my (@keys) = @_;
    my $state = $ENV{TEST_NGINX_LIMITS_STATE};
    my @json;

    for my $k (@keys) {
        my ($secret, $id, $limits, $more) = @$k;
        my %l = ((map { $_ => 0 } qw(requests_per_minute requests_per_hour
                  requests_per_day tokens_per_minute input_tokens_per_day
                  output_tokens_per_day concurrent budget_day budget_month
                  budget_total)), %{ $limits || {} });
        my %p = (max_output_tokens => 0, max_output => '"clamp"',
                 budget_stream => '"end"', system_prompt => 'null',
                 default_model => 'null', %{ $more || {} });

        push @json, sprintf '{"id":"%s","name":"%s","hash":"%s",'
            . '"models":[],"expires_at":0,"active":true,"policy":{'
            . '"limits":{%s},%s,"credentials":[]}}', $id, $id,
            sha256_hex($secret),
            join(',', map { "\"$_\":$l{$_}" } sort keys %l),
            join(',', map { "\"$_\":$p{$_}" } sort keys %p);
    }

    open my $out, '>', "$state.keys.json.tmp" or die "open: $!";
    print $out '{"generation":1,"keys":[' . join(',', @json) . ']}';
    close $out;
    rename "$state.keys.json.tmp", "$state.keys.json" or die "rename: $!";

    my $res = `$RINGTOOL bump-keys $state 2>&1`;
    die "agw-ringtool bump-keys: $res" if $? != 0;
}

# The limits table's entry of (kind, id): a hash of its figures.
sub limits_of {
    my ($kind, $id) = @_;
    my $state = $ENV{TEST_NGINX_LIMITS_STATE};

    for my $line (`$RINGTOOL limits $state`) {
        next unless $line =~ /^\Q$kind\E \Q$id\E /;
        my %h = $line =~ /(\w+)=(\S+)/g;
        return \%h;
    }

    return undef;
}

1;
