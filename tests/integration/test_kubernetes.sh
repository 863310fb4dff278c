#!/bin/bash
# deploy/kubernetes/ validated offline: every manifest passes the Kubernetes
# 1.37 OpenAPI schemas in strict mode (kubernetes-validate, pinned in
# tests/tools/kubeval-requirements.txt), an unknown field is refused, and
# tests/tools/kube_check.py finds each gpumeter container's args to be a real
# subcommand and its flags (`gpumeter <cmd> --help`), each pod hardened, each
# probe on a port its args listen on. Each check is shown to bite on a copy
# with one planted mistake. The init container's join is run for real and
# the file it writes is loaded by gpumeter; its pg.conninfo, which verifies
# the server, names a CA file (sslrootcert=) the image has.
. "$(dirname "$0")/lib.sh"

K8S_VERSION=1.37.0
DIR=$ROOT/deploy/kubernetes
KV=$KUBEVAL_VENV/bin/kubernetes-validate
validate() { "$KV" --strict --kubernetes-version "$K8S_VERSION" "$@" 2>&1; }
kube_check() { "$KUBEVAL_VENV/bin/python" "$ROOT/tests/tools/kube_check.py" "$1" "$GM" 2>&1; }
# A copy of the manifests with one file's text edited by sed.
plant() { # sed-expression file
    rm -rf "$TMP/k" && cp -r "$DIR" "$TMP/k" && sed -i "$1" "$TMP/k/$2"
    cmp -s "$DIR/$2" "$TMP/k/$2" && echo "plant did not change $2: $1" >&2
}

out=$(validate "$DIR"/*.yaml)
check_eq "every manifest passes the $K8S_VERSION schemas in strict mode" 0 "$?"
check_eq "twelve objects validated, none failed" "12 0" \
    "$(grep -c ' passed for resource ' <<<"$out") $(grep -ciE 'error|failed' <<<"$out")"
check_eq "the objects are the ones docs/operations.md walks through" \
    "configmap/gpumeter-config daemonset/gpumeter-collect-dcgm deployment/gpumeter-notify deployment/gpumeter-rate deployment/gpumeter-serve namespace/gpumeter secret/gpumeter-database secret/gpumeter-hmac secret/gpumeter-kafka secret/gpumeter-notify service/gpumeter-serve serviceaccount/gpumeter" \
    "$(grep -o 'for resource [^ ]*' <<<"$out" | cut -d' ' -f3 | sort | tr '\n' ' ' | sed 's/ $//')"

# Strict mode: a misspelt field (replica for replicas) is refused, where the
# default mode lets it through and the Deployment would run one replica.
plant 's/^  replicas: 3/  replica: 3/' rater.yaml
out=$(validate "$TMP/k/rater.yaml")
check_eq "strict: an unknown field fails the validation" 1 "$?"
check_match "and is named" "replica.*(not allowed|unexpected)|Additional properties.*replica" "$out"
"$KV" --kubernetes-version "$K8S_VERSION" "$TMP/k/rater.yaml" >/dev/null 2>&1
check_eq "(without --strict the same file passes: strict is what catches it)" 0 "$?"
plant 's/^  replicas: 3/  replicas: "three"/' rater.yaml
validate "$TMP/k/rater.yaml" >/dev/null
check_eq "a value of the wrong type fails the validation" 1 "$?"

out=$(kube_check "$DIR")
check_eq "kube_check: every container's args, hardening and probes hold" "ok 8 containers" "$out"

# Each kube_check rule bites: one planted mistake, its exact problem line.
bites() { # name expected-line sed-expression file
    plant "$3" "$4"
    local got
    got=$(kube_check "$TMP/k")
    check_eq "$1" "$2" "$got"
}
bites "a flag the command does not have is named" \
    "rater.yaml Deployment/gpumeter-rate container rate: gpumeter rate has no flag --metric (its --help lists --assign-timeout --batch --batch-ms --help --metrics --until-idle)
rater.yaml Deployment/gpumeter-rate container rate: readinessProbe port metrics is not a port its args listen on (--listen/--metrics: [])
rater.yaml Deployment/gpumeter-rate container rate: livenessProbe port metrics is not a port its args listen on (--listen/--metrics: [])" \
    's/--metrics, /--metric, /' rater.yaml
bites "a subcommand that does not exist is named" \
    "notify.yaml Deployment/gpumeter-notify container notify: 'notifier' is not a gpumeter subcommand (gpumeter notifier --help)" \
    's/args: \[notify,/args: [notifier,/' notify.yaml
bites "a source flag checked against its source's help (collect dcgm has no --pods)" \
    "collector-dcgm.yaml DaemonSet/gpumeter-collect-dcgm container collect: gpumeter collect dcgm has no flag --pods (its --help lists --account-map --at --cluster --file --health --help --interval --max-gap --model --node --site --spool-max-mb --state-dir --stdout --timeout)" \
    's/            - --timeout/            - --pods/' collector-dcgm.yaml
bites "a probe on a port nothing listens on is named" \
    "serve.yaml Deployment/gpumeter-serve container serve: readinessProbe port http is not a port its args listen on (--listen/--metrics: ['8081'])
serve.yaml Deployment/gpumeter-serve container serve: livenessProbe port http is not a port its args listen on (--listen/--metrics: ['8081'])" \
    's/0.0.0.0:8080/0.0.0.0:8081/' serve.yaml
bites "a writable root filesystem is named" \
    "notify.yaml Deployment/gpumeter-notify container notify: securityContext.readOnlyRootFilesystem must be true, got False" \
    '/name: notify$/,$ s/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' notify.yaml
bites "a mounted service account token is named" \
    "collector-dcgm.yaml DaemonSet/gpumeter-collect-dcgm: automountServiceAccountToken must be false" \
    '/automountServiceAccountToken: false/d' collector-dcgm.yaml
bites "capabilities not all dropped are named (the init container too)" \
    "serve.yaml Deployment/gpumeter-serve container config: securityContext.capabilities.drop must be [ALL], got ['NET_RAW']" \
    '0,/drop: \["ALL"\]/ s/drop: \["ALL"\]/drop: ["NET_RAW"]/' serve.yaml
bites "a pod without RuntimeDefault seccomp is named" \
    "rater.yaml Deployment/gpumeter-rate: the pod's seccompProfile.type must be RuntimeDefault" \
    '0,/type: RuntimeDefault/ s/type: RuntimeDefault/type: Unconfined/' rater.yaml

# The collector's placement and spool: GPU nodes only, state on the node.
yq() { "$KUBEVAL_VENV/bin/python" -c "import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
ds=$DIR/collector-dcgm.yaml
check_eq "the collector runs on nodes labelled nvidia.com/gpu.present=true" "{'nvidia.com/gpu.present': 'true'}" \
    "$(yq "$ds" "d['spec']['template']['spec']['nodeSelector']")"
check_eq "its --state-dir is a hostPath volume that must exist (it outlives the pod)" \
    "/var/lib/gpumeter/dcgm Directory /var/lib/gpumeter/dcgm" \
    "$(yq "$ds" "' '.join([[v['hostPath']['path'], v['hostPath']['type']] for v in d['spec']['template']['spec']['volumes'] if v['name'] == 'state'][0] + [a for a in d['spec']['template']['spec']['containers'][0]['args']][5:6])")"

# Every pod joins its configuration with the same init container command.
check_eq "every workload's init container runs the same join (4 of them, 1 text)" "4 1" \
    "$(grep -h 'command: \[' "$DIR"/*.yaml | wc -l) $(grep -h 'command: \[' "$DIR"/*.yaml | sed 's/^ *//' | sort -u | wc -l)"

# The init container's join, run here on the manifests' own ConfigMap and
# Secrets: one file, mode 0600, the secret lines after the ConfigMap's; and
# gpumeter loads it (a bad key would exit 2).
join=$(yq "$ds" "d['spec']['template']['spec']['initContainers'][0]['command'][2]")
mkdir -p "$TMP/j/conf" "$TMP/j/secret" "$TMP/j/run"
yq "$DIR/config.yaml" "d['data']['gpumeter.conf']" >"$TMP/j/conf/gpumeter.conf"
"$KUBEVAL_VENV/bin/python" - "$DIR/secrets.yaml" "$TMP/j/secret" <<'PY'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d["metadata"]["name"] in ("gpumeter-database", "gpumeter-kafka", "gpumeter-hmac"):  # the rater's
        for k, v in d["stringData"].items():
            open(f"{sys.argv[2]}/{k}", "w").write(v)
PY
sh -c "$(sed "s#/etc/gpumeter#$TMP/j#g; s#/run/gpumeter#$TMP/j/run#g" <<<"$join")"
check_eq "the join writes one file readable by its owner alone" "600" "$(stat -c %a "$TMP/j/run/gpumeter.conf")"
check_eq "the ConfigMap's lines, then the rater's secret parts, pgpass beside" \
    "$(cat "$TMP/j/conf/gpumeter.conf" "$TMP/j/secret/database.conf" "$TMP/j/secret/hmac.conf" "$TMP/j/secret/kafka.conf") 600" \
    "$(cat "$TMP/j/run/gpumeter.conf") $(stat -c %a "$TMP/j/run/pgpass")"
GPUMETER_CONFIG=$TMP/j/run/gpumeter.conf "$GM" collect dcgm --stdout --cluster gpu-cluster-a \
    --file "$ROOT/tests/fixtures/real/dcgm/a100-mig-hpcjob-issue369.prom" \
    --at 2026-11-01T00:00:30Z --state-dir "$TMP/st" >/dev/null 2>"$TMP/collect.err"
check_eq "gpumeter loads the joined file (exit 0: every key known, every value valid)" "0 " \
    "$? $(grep -i error "$TMP/collect.err")"
# libpq looks for the CA of sslmode=verify-ca/verify-full in
# ~/.postgresql/root.crt, and the pod's user 10001 has no home: without
# sslrootcert= every connection fails ("could not get home directory to
# locate root certificate file"). The file named must be one the image has:
# Debian 12's ca-certificates bundle, as here.
conninfo=$(sed -n 's/^pg\.conninfo *= *//p' "$TMP/j/run/gpumeter.conf" | tail -1)
rootcert=$(grep -oE '(^| )sslrootcert=[^ ]+' <<<"$conninfo" | sed 's/.*=//')
check_eq "a verifying pg.conninfo names its CA file (sslrootcert=), one Debian 12 has" "verify-full yes" \
    "$(grep -oE 'sslmode=[a-z-]+' <<<"$conninfo" | sed 's/.*=//') $([ -n "$rootcert" ] && [ -f "$rootcert" ] && echo yes || echo "no: [$conninfo]")"
finish
