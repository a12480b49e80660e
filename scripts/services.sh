#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and RabbitMQ answer on their local ports: use them when they
# are up, start them when installed, install them (Debian/Ubuntu packages) when missing.
set -euo pipefail

sudo_cmd() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # name port seconds
  local i
  for ((i = 0; i < $3 * 4; i++)); do
    port_open "$2" && return 0
    sleep 0.25
  done
  echo "$1 did not come up on 127.0.0.1:$2 within $3 s" >&2
  return 1
}

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$* is missing and this is not a Debian/Ubuntu machine: install it, then retry" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then sudo_cmd apt-get update -qq; apt_updated=1; fi
  echo "installing $* ..." >&2
  sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  port_open 5432 && { echo "postgresql: up"; return; }
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  port_open 5432 || {
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
      sudo_cmd pg_ctlcluster "$version" main start
  }
  wait_port postgresql 5432 30
  # The local default DATABASE_URL logs in as postgres/postgres over TCP; give a fresh
  # cluster that password (a trust-auth cluster ignores it).
  sudo_cmd su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
  echo "postgresql: started"
}

ensure_redis() {
  port_open 6379 && { echo "redis: up"; return; }
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  port_open 6379 || sudo_cmd redis-server --daemonize yes --bind 127.0.0.1 --port 6379 \
    --save "" --appendonly no >/dev/null
  wait_port redis 6379 15
  echo "redis: started"
}

ensure_rabbitmq() {
  port_open 5672 && { echo "rabbitmq: up"; return; }
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  port_open 5672 || sudo_cmd rabbitmq-server -detached
  wait_port rabbitmq 5672 90
  echo "rabbitmq: started"
}

ensure_postgres
ensure_redis
ensure_rabbitmq
