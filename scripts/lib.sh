# Shared by setup.sh and services.sh: where this checkout keeps its things.
# The Kafka jar folder is named after the pom's hash, so a changed pin
# fetches again; the service state lives outside the checkout because the
# postgres user must reach it (a clone under a 0700 home is unreachable).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
KAFKA_JARS="$ROOT/.cache/kafka-$(sha256sum "$ROOT/services/pom.xml" | cut -c1-12)"
# The FinOps Foundation's focus-validator, for the FOCUS export's test, in a
# virtual environment named after its pinned requirements.
FOCUS_VENV="$ROOT/.cache/focus-venv-$(sha256sum "$ROOT/tests/tools/focus-requirements.txt" | cut -c1-12)"
# kubernetes-validate, for the Kubernetes manifests' test (deploy/kubernetes/),
# likewise named after its pinned requirements.
KUBEVAL_VENV="$ROOT/.cache/kubeval-venv-$(sha256sum "$ROOT/tests/tools/kubeval-requirements.txt" | cut -c1-12)"
CHECKOUT_ID=$(printf %s "$ROOT" | sha256sum | cut -c1-10)
STATE=${GPUMETER_STATE_DIR:-/var/tmp/gpumeter-$CHECKOUT_ID}
PG_PORT=${GPUMETER_PG_PORT:-15432}
KAFKA_PORT=${GPUMETER_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${GPUMETER_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
