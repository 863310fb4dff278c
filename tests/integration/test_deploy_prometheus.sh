#!/bin/bash
# A real Prometheus (Debian's package) with deploy/prometheus's rules, as
# shipped, scraping a running rater: no alert while the dead-letter
# counter is flat; a malformed message on the topic makes
# GpumeterDeadLettersGrowing fire (after its `for:` of a minute) for the
# reason malformed_json; the rater stopped, GpumeterRaterDown becomes
# pending. The rules' own tests (tests/integration/test_deploy_monitoring.sh)
# check every alert's timing; this one checks that they read what a rater
# really serves.
. "$(dirname "$0")/lib.sh"

if ! command -v prometheus >/dev/null; then
    fail "prometheus is installed (scripts/setup.sh installs Debian's prometheus): expected it on PATH, got nothing"
    finish
fi
fresh >/dev/null 2>&1 || { fail "fresh database"; finish; }
RATER=
PROM=
stop_all() {
    [ -z "$RATER" ] || kill -TERM "$RATER" 2>/dev/null
    [ -z "$PROM" ] || kill -TERM "$PROM" 2>/dev/null
    wait 2>/dev/null
    cleanup
}
trap stop_all EXIT

rport=$(free_port)
"$GM" rate --metrics "127.0.0.1:$rport" 2>"$TMP/rate.log" &
RATER=$!
pport=$(free_port)
while [ "$pport" = "$rport" ]; do pport=$(free_port); done
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROOT/deploy/prometheus/gpumeter-rules.yml
scrape_configs:
  - job_name: gpumeter-rater
    static_configs:
      - targets: ["127.0.0.1:$rport"]
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$TMP/prometheus.log" &
PROM=$!

api() { curl -sf "http://127.0.0.1:$pport/api/v1/$1"; }
query() { api "query?query=$(jq -rn --arg q "$1" '$q | @uri')" | jq -r '.data.result[].value[1]'; }
# The state of an alert with these labels (a jq condition on .labels), or nothing.
alert_state() { api alerts | jq -r ".data.alerts[] | select(.labels.alertname == \"$1\" and ($2)) | .state"; }
scraped_flat() { [ "$(query 'gpumeter_rater_dead_letters_total{reason="malformed_json"}')" = 0 ] &&
    [ "$(query 'count_over_time(gpumeter_rater_dead_letters_total{reason="malformed_json"}[1m])')" -ge 3 ] 2>/dev/null; }
wait_for 120 scraped_flat
check_eq "Prometheus scrapes the rater: up 1, the malformed_json dead-letter counter 0" "1 0" \
    "$(query 'up{job="gpumeter-rater"}') $(query 'gpumeter_rater_dead_letters_total{reason="malformed_json"}')"
check_eq "no alert while the rater is up and its dead letters flat" "" "$(api alerts | jq -r '.data.alerts[].labels.alertname')"

printf 'bad\t{"v":1,"source":\n' | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
firing() { [ "$(alert_state GpumeterDeadLettersGrowing '.labels.reason == "malformed_json"')" = firing ]; }
wait_for 240 firing
check_eq "a malformed message: GpumeterDeadLettersGrowing fires for malformed_json, severity warning" \
    "firing warning" \
    "$(api alerts | jq -r '.data.alerts[] | select(.labels.alertname == "GpumeterDeadLettersGrowing")
        | "\(.state) \(.labels.severity)"' | tr '\n' ' ' | sed 's/ $//')"
check_eq "only that reason's alert" "malformed_json" \
    "$(api alerts | jq -r '.data.alerts[] | select(.labels.alertname == "GpumeterDeadLettersGrowing") | .labels.reason')"
check_counters "the rater counted it: 1 consumed, 1 dead letter" "1 0 0 1"

kill -TERM "$RATER"
wait "$RATER"
check_eq "the rater stops cleanly on SIGTERM" 0 "$?"
RATER=
down() { [ -n "$(alert_state GpumeterRaterDown 'true')" ]; }
wait_for 120 down
check_eq "the rater stopped: GpumeterRaterDown pending (its for: is 2 minutes), critical" "pending critical" \
    "$(api alerts | jq -r '.data.alerts[] | select(.labels.alertname == "GpumeterRaterDown")
        | "\(.state) \(.labels.severity)"')"
finish
