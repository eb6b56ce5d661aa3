#!/bin/sh
set -eu
template=${PROMETHEUS_CONFIG_TEMPLATE:-/etc/flopsbus/prometheus.yml}
# ${NAME} becomes the variable's value; a variable that is not set is an error rather than an empty target.
perl -pe 's/\$\{(\w+)\}/defined $ENV{$1} ? $ENV{$1} : die "$1 is not set (in $ARGV)\n"/ge' "$template" >/tmp/prometheus.yml
exec prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/var/lib/prometheus/metrics2 \
    --web.listen-address="${PROMETHEUS_LISTEN:-127.0.0.1:9090}" "$@"
