#!/bin/sh
# The commands behind BENCHMARKS.md's summary, one after another, for a machine with nothing else
# running: each writes its output to DIR/<name>.txt (default /tmp/idle), with the load average
# before and after. ~4 minutes on 2 cores.
#   sh bench/idle.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
out=${1:-/tmp/idle}
mkdir -p "$out"
run() {
  name=$1; shift
  { echo "\$ $*"; echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"; "$@" 2>&1; echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$out/$name.txt"
  echo "bench/idle.sh: $name done ($out/$name.txt)"
}
run models node --import tsx bench/models.ts --no-tfjs --no-reference --steps 20
run inference node --import tsx bench/inference.ts
run compiled node --import tsx bench/compiled.ts --models mlp,cnn --rounds 2 --no-rss
run data_parallel node --import tsx bench/data_parallel.ts
run threads_bound node --import tsx bench/threads_bound.ts
