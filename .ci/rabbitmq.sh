#!/usr/bin/env bash
# CI: make sure RabbitMQ answers on 127.0.0.1:5672 (the bus contract suite and the 'rabbitmq'
# jest project run on it); start it detached if it does not, and wait until it answers.
set -uo pipefail

answers() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if ! answers; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is down and rabbitmq-server is not installed"
    exit 1
  fi
  echo "RabbitMQ is down; starting it"
  rabbitmq-server -detached
fi
for _ in $(seq 1 60); do
  answers && break
  sleep 1
done
answers || { echo "RabbitMQ did not come up on 5672"; exit 1; }
# The port opens before the broker accepts work: wait until it reports itself running.
if command -v rabbitmq-diagnostics >/dev/null 2>&1; then
  rabbitmq-diagnostics -q check_running >/dev/null 2>&1 || sleep 5
fi
echo "RabbitMQ answers on 5672"
