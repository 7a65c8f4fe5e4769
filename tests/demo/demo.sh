#!/usr/bin/env bash
# `make demo`: the whole story on the local installation (`make cluster`), with the real kubectl,
# the demo users' contexts and the kubectl-chunk plugin. Narrates each step, checks that it behaved,
# exits non-zero at the first step that did not, and stops everything at the end (also on Ctrl-C).
# Expects the solution to be built (the Makefile's demo target builds it first).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-Release}
work=$(mktemp -d /tmp/chunkgate-demo.XXXXXX)
installation_pid= watch_pid=
job=export-customers ns=demo

stop_all() {
  local status=$?
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  if [ -n "$installation_pid" ] && kill -0 "$installation_pid" 2>/dev/null; then
    kill -TERM "$installation_pid" 2>/dev/null || true
    wait "$installation_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap stop_all EXIT
trap 'echo; echo "make demo: interrupted, cleaning up"; exit 130' INT TERM

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' off=$'\e[0m'
else bold= dim= green= red= off=; fi

step=0
say()  { step=$((step + 1)); printf '\n%s%d. %s%s\n' "$bold" "$step" "$*" "$off"; }
note() { printf '   %s\n' "$*"; }
ok()   { printf '   %s✓ %s%s\n' "$green" "$*" "$off"; }
fail() { printf '   %s✗ %s%s\n' "$red" "$*" "$off" >&2; exit 1; }
# Shows a command as a user would type it, then runs it with its output indented.
show() {
  local typed= word
  for word in "$@"; do [[ $word == *' '* ]] && typed+=" \"$word\"" || typed+=" $word"; done
  printf '   %s$%s%s\n' "$dim" "$typed" "$off"
  "$@" 2>&1 | sed 's/^/     /'
  return "${PIPESTATUS[0]}"
}

# Waits up to $2 seconds for command $1 to succeed.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.3
  done
}

jobfield() { kubectl --context=admin -n "$ns" get chunkjob "$job" -o "jsonpath=$1" 2>/dev/null; }

say "Start the local installation: PostgreSQL with the demo data, the local cluster, the operator"
tests/cluster/local-installation.sh >"$work/installation.out" 2>"$work/installation.err" &
installation_pid=$!
wait_for "grep -q '^DATABASE=' '$work/installation.out' || ! kill -0 $installation_pid" 150 \
  || { cat "$work/installation.err" >&2; fail "the local installation did not start in 150 s"; }
grep -q '^DATABASE=' "$work/installation.out" || { cat "$work/installation.err" >&2; fail "the local installation stopped"; }
export KUBECONFIG
KUBECONFIG=$(sed -n 's/^KUBECONFIG=//p' "$work/installation.out")
DATABASE=$(sed -n 's/^DATABASE=//p' "$work/installation.out")
export PATH="$PWD/operator/ChunkGate.Kubectl/bin/$CONFIG/net10.0:$PATH"
command -v kubectl-chunk >/dev/null || fail "kubectl-chunk is not built (make build)"
note "KUBECONFIG=$KUBECONFIG"
note "contexts: alice (designer), bob and carol (executors), admin"
show kubectl --context=admin -n "$ns" get dataconnection demo-db
ok "the connection demo-db masks customers.ssn, card_number and email"

say "The administrator gives the namespace a volume for exports"
show kubectl --context=admin apply -f samples/demo/exports-claim.yaml || fail "the claim demo-exports could not be created"

say "alice, a designer, applies a ChunkJob that exports the customers"
show kubectl --context=alice apply -f samples/demo/export-customers.yaml || fail "alice could not apply her job"
designer=$(kubectl --context=admin -n "$ns" get chunkjob "$job" -o 'jsonpath={.metadata.annotations.chunkgate\.io/designer}')
[ "$designer" = alice ] || fail "the job's designer is '$designer', not alice"
ok "the admission webhook stamped the designer: alice"
wait_for "[ \"\$(jobfield '{.status.phase}')\" = AwaitingApproval ]" 30 || fail "the job is not AwaitingApproval"
show kubectl --context=alice -n "$ns" get chunkjob "$job"

say "alice tries to approve her own job"
if kubectl --context=alice apply -f samples/demo/approval-by-alice.yaml >"$work/alice.out" 2>&1; then
  fail "alice's approval of her own job was accepted"
fi
sed 's/^/     /' "$work/alice.out"
grep -q "alice designed $ns/$job and cannot approve it" "$work/alice.out" || fail "the denial does not say why"
ok "denied: designers cannot approve their own jobs"

say "bob, an executor, reviews what he is asked to approve"
show kubectl chunk --context=bob -n "$ns" pending || fail "kubectl chunk pending failed"
show kubectl chunk --context=bob -n "$ns" show "$job" || fail "kubectl chunk show failed"

say "bob approves it for 30 seconds"
show kubectl chunk --context=bob -n "$ns" approve "$job" --ttl 30s --reason "DEMO-1: customer export for the demo" \
  || fail "bob's approval was refused"
ok "approved; the operator issues a temporary PostgreSQL role and starts the run Pod"

say "Watch the job: kubectl get chunkjob -w"
kubectl --context=bob -n "$ns" get chunkjob "$job" -w >"$work/watch.out" 2>&1 &
watch_pid=$!
wait_for "[ -n \"\$(jobfield '{.status.run.pod}')\" ]" 30 || fail "no run Pod was recorded"
pods=$(jobfield '{.status.run.pods[*]}')
role=$(jobfield '{.status.run.role}')
secret=$(jobfield '{.status.run.secret}')
note "run Pods $pods (one per shard, sharing role $role), Secret $secret"
[ "$(wc -w <<<"$pods")" -eq 2 ] || fail "expected 2 run Pods (parallelism 2), got: $pods"

say "The run ends: progress and phase as kubectl shows them"
wait_for "[ \"\$(jobfield '{.status.phase}')\" = Succeeded ]" 90 \
  || { tail -n 5 "$(dirname "$KUBECONFIG")"/pods/*/*.log >&2 2>/dev/null; tail -n 20 "$(dirname "$(dirname "$KUBECONFIG")")/operator.log" >&2
       fail "the job did not succeed (phase $(jobfield '{.status.phase}'): $(jobfield '{.status.run.message}'))"; }
kill "$watch_pid" 2>/dev/null || true; watch_pid=
sed 's/^/     /' "$work/watch.out"
ok "Succeeded, $(jobfield '{.status.progress.summary}') chunks"

say "The export, written through the masking sidecar into the claim demo-exports"
claim=$(dirname "$KUBECONFIG")/claims/$ns/demo-exports
run=$(jobfield '{.status.run.id}')
rows=0
for shard in 0 1; do
  output=$claim/$job-$run-$shard.csv
  [ -f "$output" ] || fail "no export of shard $shard at $output"
  shard_rows=$(($(wc -l <"$output") - 1))
  note "$(basename "$output"): $shard_rows rows"
  rows=$((rows + shard_rows))
done
note "(the local kubelet keeps the claim in $claim)"
head -n 6 "$claim/$job-$run-0.csv" | sed 's/^/     /'
[ "$rows" -eq 1000 ] || fail "expected 1000 customer rows across both shards, got $rows"
ids=$(tail -q -n +2 "$claim/$job-$run-0.csv" "$claim/$job-$run-1.csv" | cut -d, -f1 | sort -un | wc -l)
[ "$ids" -eq 1000 ] || fail "expected each of the 1000 customers exactly once, got $ids distinct ids in $rows rows"
ok "1000 customers, each exactly once, split between the two shards"
raw_ssn=$(psql "$DATABASE" -Atc "SELECT ssn FROM customers WHERE id = 1")
raw_card=$(psql "$DATABASE" -Atc "SELECT card_number FROM customers WHERE id = 1")
raw_email=$(psql "$DATABASE" -Atc "SELECT email FROM customers WHERE id = 1")
if grep -qF -e "$raw_ssn" -e "$raw_card" -e "$raw_email" "$claim/$job-$run-"*.csv; then fail "a raw SSN, card number or e-mail reached the export"; fi
ok "no raw SSN, card number or e-mail in the export (customer 1's SSN $raw_ssn is not there)"

say "What the sidecar recorded: kubectl chunk replay"
show kubectl chunk --context=bob -n "$ns" replay "$job" || fail "kubectl chunk replay failed"

say "Everything the run had is revoked"
for pod in $pods; do
  wait_for "! kubectl --context=admin -n $ns get pod $pod" 30 || fail "the run Pod $pod is still there"
done
ok "Pods $pods deleted"
wait_for "! kubectl --context=admin -n $ns get secret $secret" 30 || fail "the run Secret $secret is still there"
ok "Secret $secret deleted"
[ "$(psql "$DATABASE" -Atc "SELECT count(*) FROM pg_roles WHERE rolname = '$role'")" = 0 ] || fail "role $role still exists"
ok "PostgreSQL role $role dropped"

say "The approval's 30 seconds pass: nothing of the run comes back, a new run needs a new approval"
expires=$(kubectl --context=admin -n "$ns" get chunkapprovals -o 'jsonpath={.items[0].spec.expiresAt}')
note "waiting for the approval's expiry at $expires"
wait_for "[ \$(date +%s) -gt \$(date -d '$expires' +%s) ]" 45 || fail "the approval's expiry $expires did not pass"
sleep 2
show kubectl --context=bob -n "$ns" get chunkapprovals || fail "kubectl get chunkapprovals failed"
[ "$(jobfield '{.status.phase}')" = Succeeded ] || fail "the job changed phase after the expiry: $(jobfield '{.status.phase}')"
[ -z "$(kubectl --context=admin -n "$ns" get pods -o name)" ] || fail "a Pod is running after the expiry"
[ "$(psql "$DATABASE" -Atc "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'chunkgate_run_%'")" = 0 ] || fail "a run role exists after the expiry"
ok "no run Pod, no run Secret, no run role; the job stays Succeeded until someone approves again"
show kubectl chunk --context=bob -n "$ns" history "$job" || fail "kubectl chunk history failed"
kubectl --context=admin -n "$ns" get events --field-selector "involvedObject.name=$job" | grep -q CredentialsRevoked \
  || fail "no CredentialsRevoked event"
ok "the Events tell the story: issued, started, succeeded, revoked"

printf '\n%sThe demo behaved at every step.%s\n' "$green" "$off"
