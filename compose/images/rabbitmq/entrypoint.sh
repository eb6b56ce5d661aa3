#!/bin/sh
# Starts RabbitMQ with an administrator of the operator's choosing (RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS, as
# Docker Hub's image names them; used when the node first starts, so no guest account is made), the management API
# on 127.0.0.1:RABBITMQ_MANAGEMENT_PORT, the shovel (flops errors replay), and an 8 MiB cap on message bodies. Ports
# and node name are RabbitMQ's own variables: RABBITMQ_NODE_IP_ADDRESS, RABBITMQ_NODE_PORT, RABBITMQ_DIST_PORT,
# RABBITMQ_NODENAME, and Erlang's ERL_EPMD_PORT (its own epmd, so a broker already on this machine is left alone).
# Statistics every 15 s rather than 5: with a thousand nodes (a connection, two channels and ten exchanges each) the
# management plugin's collectors took 0.23 of a core on an idle broker, more than half its idle load (bench-system);
# the UI's rates and queue lengths refresh less often, flops errors reads the queues themselves and does not wait on them.
set -eu
: "${RABBITMQ_DEFAULT_USER:?RABBITMQ_DEFAULT_USER must be set}" "${RABBITMQ_DEFAULT_PASS:?RABBITMQ_DEFAULT_PASS must be set}"
umask 077
export RABBITMQ_CONFIG_FILE="$HOME/flopsbus.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$HOME/enabled_plugins"
cat >"$RABBITMQ_CONFIG_FILE" <<CONF
management.tcp.ip = ${RABBITMQ_NODE_IP_ADDRESS:-127.0.0.1}
management.tcp.port = ${RABBITMQ_MANAGEMENT_PORT:-15672}
max_message_size = 8388608
collect_statistics_interval = 15000
default_user = ${RABBITMQ_DEFAULT_USER}
default_pass = ${RABBITMQ_DEFAULT_PASS}
CONF
echo '[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} ${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-}"
export ERL_EPMD_ADDRESS="${ERL_EPMD_ADDRESS:-127.0.0.1}"
exec rabbitmq-server "$@"
