#!/bin/bash
# Installs what gpumeter needs on Debian 12 and fetches the pinned Kafka
# broker jars. Idempotent; prints nothing when everything is present.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# `setup.sh fuzz` adds clang and its libFuzzer runtime for `make fuzz` only.
# `setup.sh build-check` installs nothing: it exits 1 naming the packages the
# unit tests' build needs that are missing (make unit, which runs no set-up).
# What builds the binary and the unit tests (fonts: test_render_pdf; HarfBuzz's
# subsetter and fontconfig, which Pango's -dev brings too: render/font_subset.c):
BUILD_PACKAGES="gcc make libc6-dev pkg-config librdkafka-dev libpq-dev libcjson-dev libssl-dev
  libcmocka-dev libcurl4-openssl-dev libmicrohttpd-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk libxlsxwriter-dev
  libxml2-dev libharfbuzz-dev libfontconfig-dev"
# and what the integration tests, the demo and the bench use besides
# (systemd: its systemd-analyze verifies deploy/systemd/, test_deploy_systemd.sh;
# prometheus: its promtool checks deploy/prometheus's alerting rules;
# python3-yaml: the test reading them, tests/integration/test_deploy_monitoring.sh):
PACKAGES="$BUILD_PACKAGES poppler-utils poppler-data wrk postgresql-15 postgresql-client-15 openjdk-17-jre-headless maven kcat jq python3-venv chromium
  libreoffice-calc-nogui systemd prometheus python3-yaml"

[ "${1:-}" = fuzz ] && PACKAGES="clang libclang-rt-14-dev"
[ "${1:-}" = build-check ] && PACKAGES=$BUILD_PACKAGES
# Node.js and npm install the console's pinned ECharts (console/package-lock.json);
# Debian's, unless the machine already has its own.
[ "${1:-}" != fuzz ] && ! command -v npm >/dev/null && PACKAGES="$PACKAGES nodejs npm"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ "${1:-}" = build-check ]; then
    [ -z "$missing" ] && exit 0
    echo "setup: error: the build needs Debian packages that are missing:$missing" >&2
    echo "setup: hint: install them with \"apt-get install$missing\" (or run \"make setup\")" >&2
    exit 1
fi
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        $missing >/dev/null
fi

[ "${1:-}" = fuzz ] && exit 0

if [ ! -f "$KAFKA_JARS/.complete" ]; then
    echo "setup: fetching Kafka broker jars (services/pom.xml) into ${KAFKA_JARS#$ROOT/}"
    rm -rf "$KAFKA_JARS"
    mkdir -p "$ROOT/.cache"
    mvn -B -q -Dstyle.color=never -f "$ROOT/services/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$KAFKA_JARS" >"$ROOT/.cache/mvn.log" 2>&1 || {
        cat "$ROOT/.cache/mvn.log" >&2
        echo "setup: error: could not fetch the Kafka jars (log above, .cache/mvn.log)" >&2
        exit 1
    }
    touch "$KAFKA_JARS/.complete"
fi

# A PyPI tool pinned in a requirements file, in a virtual environment under
# .cache named after that file's hash (scripts/lib.sh), installed once.
install_venv() { # tool requirements venv [pip options...]
    local tool=$1 req=$2 venv=$3
    shift 3
    [ ! -f "$venv/.complete" ] || return 0
    echo "setup: installing $tool (${req#$ROOT/}) into ${venv#$ROOT/}"
    rm -rf "$venv"
    mkdir -p "$ROOT/.cache"
    { python3 -m venv "$venv" &&
        "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "$@" -r "$req"; } \
        >"$ROOT/.cache/pip.log" 2>&1 || {
        cat "$ROOT/.cache/pip.log" >&2
        echo "setup: error: could not install $tool (log above, .cache/pip.log)" >&2
        exit 1
    }
    touch "$venv/.complete"
}
install_venv focus-validator "$ROOT/tests/tools/focus-requirements.txt" "$FOCUS_VENV"
# Hashes required: each wheel is the one the pin names, byte for byte.
install_venv kubernetes-validate "$ROOT/tests/tools/kubeval-requirements.txt" "$KUBEVAL_VENV" --require-hashes
