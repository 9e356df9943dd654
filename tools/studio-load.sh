#!/usr/bin/env bash
# The studio's load test at a chosen scale (default 5), on loopback only: 6N job clients, 24N event streams,
# 8N slow and 12N malformed uploads, within 60 + 30N seconds. Prints requests accepted / refused / failed, the
# page's and a status request's latency under load, the JVM's peak heap and RSS, and whether any accepted job was
# lost; the same figures land in app/target/studio-load.txt. CI runs scale 1 as part of the app tests.
#   tools/studio-load.sh [SCALE] [HEAP]      e.g. tools/studio-load.sh 10 -Xmx2g
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-5}"
heap="${2:--Xmx1500m}"
case "$scale" in ''|*[!0-9]*) echo "studio-load.sh: SCALE must be a whole number, got '$scale'" >&2; exit 2;; esac
mkdir -p app/target
./mvnw -B -q -pl app -am test -Dtest=StudioLoadTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dnst.studio.load="$scale" -Dnst.test.heap="$heap" > app/target/studio-load.log 2>&1 || { tail -40 app/target/studio-load.log; exit 1; }
cat app/target/studio-load.txt
