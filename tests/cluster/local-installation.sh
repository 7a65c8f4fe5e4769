#!/usr/bin/env bash
# `make cluster`: the local installation that people, tests and demos share. Starts a throwaway
# PostgreSQL 15 loaded with the demo database (samples/demo/demo-database.sql), the local cluster
# stand-in with the CRDs, the namespace `demo` with the admin Secret and the DataConnection
# `demo-db`, and the operator (controller and admission webhooks) connected to both. Prints
#   KUBECONFIG=<path>
#   DATABASE=<libpq conninfo of the demo database's admin>
# and runs until SIGTERM or Ctrl-C, then stops everything it started and removes its files.
# Run Pods run as local processes: the process kubelet maps the runner and sidecar images to their
# built dlls (tests/ChunkGate.LocalCluster/images.example.yaml; IMAGES=<file> for another map).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
IMAGES=${IMAGES:-tests/ChunkGate.LocalCluster/images.example.yaml}
work=$(mktemp -d /tmp/chunkgate-local.XXXXXX)
cluster_pid= operator_pid= pg_dir=

stop_all() {
  [ -n "$operator_pid" ] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null || true
  [ -n "$cluster_pid" ] && kill "$cluster_pid" 2>/dev/null && wait "$cluster_pid" 2>/dev/null || true
  [ -n "$pg_dir" ] && tests/postgres/throwaway.sh stop "$pg_dir"
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

fail() { echo "make cluster: $*" >&2; exit 1; }

free_port() {
  for candidate in $(shuf -i 20000-60000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return; fi
  done
  fail "no free port found"
}

# Waits up to $2 seconds for command $1 to succeed; the process named $3 must stay alive meanwhile.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1" >/dev/null 2>&1; do
    kill -0 "$3" 2>/dev/null || return 1
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# 200 from the operator's /readyz (bash's /dev/tcp: no HTTP client needed on the machine).
ready() {
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
  local status
  read -r _ status _ <&3
  exec 3<&-
  [ "$status" = 200 ]
}

# PostgreSQL with the demo data.
eval "$(tests/postgres/throwaway.sh start)"
pg_dir=$CHUNKGATE_PG_DIR
psql -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE demo" >/dev/null
psql -q -v ON_ERROR_STOP=1 -d demo -f samples/demo/demo-database.sql >/dev/null

# The local cluster with the CRDs.
dotnet "tests/ChunkGate.LocalCluster/bin/$CONFIG/net10.0/ChunkGate.LocalCluster.dll" --dir "$work/cluster" --apply crds --images "$IMAGES" \
  >"$work/cluster.out" 2>"$work/cluster.log" &
cluster_pid=$!
wait_for "grep -q '^KUBECONFIG=' '$work/cluster.out'" 60 "$cluster_pid" || { cat "$work/cluster.log" >&2; fail "the local cluster did not start"; }
export KUBECONFIG=$work/cluster/kubeconfig
kubectl="kubectl --context=admin --cache-dir=$work/kube-cache"

$kubectl create namespace chunkgate-system >/dev/null
$kubectl create namespace demo >/dev/null
$kubectl -n demo create secret generic demo-db-admin --from-literal=username="$PGUSER" --from-literal=password="$PGPASSWORD" >/dev/null
$kubectl apply -f - >/dev/null <<YAML
apiVersion: chunkgate.io/v1alpha1
kind: DataConnection
metadata:
  name: demo-db
  namespace: demo
spec:
  engine: postgresql
  endpoint:
    host: 127.0.0.1
    port: $PGPORT
    database: demo
    sslMode: disable                # a throwaway server on loopback
  adminSecretRef:
    name: demo-db-admin
  maxTTL: 15m
  allowedActions: [read, export, write, transform]
  designerGroups: [chunkgate:designers]
  executorGroups: [chunkgate:executors]
  requiredApprovals: 1
  masking:
    columns:
      - column: public.customers.ssn
        strategy: last4
      - column: public.customers.card_number
        strategy: redact
      - column: public.customers.email
        strategy: hash
    detectors: [ssn, card, email]
YAML

# The operator: webhooks on a free port (the local cluster calls Services on 127.0.0.1:<port>).
# A free port can be taken by another process before the operator binds it (tests run in parallel):
# then the operator stops at once with "address already in use", and is started again on other ports.
for attempt in 1 2 3; do
  webhook_port=$(free_port)
  health_port=$(free_port)
  dotnet "operator/ChunkGate.Operator/bin/$CONFIG/net10.0/ChunkGate.Operator.dll" \
    --kubeconfig="$KUBECONFIG" --context=operator --webhook-port="$webhook_port" --health-port="$health_port" \
    --watch-namespaces=demo --gitops-identities=system:serviceaccount:argocd:argocd-application-controller \
    >"$work/operator.log" 2>&1 &
  operator_pid=$!
  wait_for "ready $health_port" 90 "$operator_pid" && break
  if [ "$attempt" -lt 3 ] && ! kill -0 "$operator_pid" 2>/dev/null && grep -q "address already in use" "$work/operator.log"; then
    wait "$operator_pid" 2>/dev/null || true
    operator_pid=
    continue
  fi
  tail -n 30 "$work/operator.log" >&2
  fail "the operator did not become ready"
done

echo "KUBECONFIG=$KUBECONFIG"
echo "DATABASE=host=127.0.0.1 port=$PGPORT dbname=demo user=$PGUSER password=$PGPASSWORD"
echo "operator log: $work/operator.log (health on http://127.0.0.1:$health_port/readyz)" >&2

# Until SIGTERM or Ctrl-C, or until a part stops on its own.
while kill -0 "$cluster_pid" 2>/dev/null && kill -0 "$operator_pid" 2>/dev/null; do
  sleep 1
done
tail -n 30 "$work/operator.log" >&2
fail "a part of the local installation stopped on its own"
