#!/usr/bin/env bash
# Throughput of nst batch against nst-spark on an embedded local[N] Spark, same 12 jobs (4 contents x 3 styles of
# examples/), same options: wall clock (JVM and Spark start-up included), images per minute, and the time that is not
# stylizing (wall - sum of the per-image seconds the manifests record / slots), per job, and the CPU time of each JVM
# (user + system: the figure that survives a shared, loaded machine best).
# Usage: spark/bench.sh [SIZE=256] [ITERATIONS=5] [SLOTS=2]. Writes spark/target/bench/{batch,spark,*.log,result.txt}.
# Spark runs through org.apache.spark.deploy.SparkSubmit (spark-submit's own class, from the Maven jars: this machine has
# no Spark distribution), with the JVM flags spark-submit's launcher adds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
. tools/jdk.sh
nst_find_jdk
size=${1:-256} iterations=${2:-5} slots=${3:-2}
out=spark/target/bench
rm -rf "$out"; mkdir -p "$out"
export MAVEN_OPTS=${MAVEN_OPTS:--Xmx768m}
if [ -z "${NST_BENCH_NO_BUILD:-}" ] || [ ! -f spark/target/nst-spark.jar ]; then
  ./mvnw -B -q -o -Pspark package -pl spark -am -DskipTests
fi
# Spark's jars as a Spark installation has them (plus nst's third-party libraries, which the nst-spark jar carries too:
# Maven files a library both need under nst's compile scope, so they cannot be told apart); nst itself comes only from
# the nst-spark jar.
./mvnw -B -q -o -Pspark dependency:build-classpath -pl spark -DexcludeGroupIds=dev.nst,org.junit.jupiter,org.junit.platform,com.code-intelligence -Dmdep.outputFile="$root/$out/spark.cp" >/dev/null
contents=(examples/tubingen.jpg examples/shipwreck.jpg examples/starry_night.jpg examples/the_scream.jpg)
styles=(examples/starry_night.jpg examples/the_scream.jpg examples/woman-with-hat-matisse.jpg)
opts=(--size "$size" --weights random --iterations "$iterations" --backend simd --quiet)
spark_flags="$(sed -n 's#.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*#\1#p' spark/pom.xml) -Xss8m"
jsig="$JAVA_HOME/lib/libjsig.so"; [ -f "$jsig" ] && export LD_PRELOAD="$jsig"

# nst batch: one JVM, the jobs one after another, each on all $slots cores.
t0=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$out/batch.cpu" java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss8m -Xmx4g -jar app/target/nst.jar batch \
  --content "${contents[@]}" --style "${styles[@]}" --out-dir "$out/batch" --threads "$slots" "${opts[@]}" 2>"$out/batch.log"
t1=$(date +%s.%N)
# nst-spark: local[$slots], one job per task, one nst thread per task (spark.task.cpus = 1).
/usr/bin/time -f "%U %S" -o "$out/spark.cpu" java $spark_flags -Xmx4g -cp "$(cat "$out/spark.cp")" org.apache.spark.deploy.SparkSubmit \
  --master "local[$slots]" --conf spark.ui.enabled=false --class nst.spark.NstSpark spark/target/nst-spark.jar \
  --content "${contents[@]/#/$root/}" --style "${styles[@]/#/$root/}" --out-dir "$root/$out/spark" "${opts[@]}" 2>"$out/spark.log"
t2=$(date +%s.%N)

python3 - "$out" "$t0" "$t1" "$t2" "$slots" "$size" "$iterations" <<'PY' | tee "$out/result.txt"
import json, sys
out, t0, t1, t2, slots, size, its = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
def jobs(d):
    rows = [json.loads(l) for l in open(f"{out}/{d}/manifest.jsonl")]
    assert all(r["status"] == "done" for r in rows), rows
    return rows
b, s = jobs("batch"), jobs("spark")
wb, ws = t1 - t0, t2 - t1
sb, ss = sum(r["seconds"] for r in b), sum(r["seconds"] for r in s)
cb, cs = (sum(map(float, open(f"{out}/{d}.cpu").read().split()[-2:])) for d in ("batch", "spark"))
print(f"{len(b)} jobs at {size} px, {its} iterations, random VGG19 weights, simd backend, {slots} cores")
print(f"nst batch  (1 JVM, {slots} threads/job):       wall {wb:7.1f} s  {60*len(b)/wb:6.2f} images/min  mean job {sb/len(b):6.2f} s  not stylizing {wb - sb:6.1f} s = {(wb - sb)/len(b):5.2f} s/job  CPU {cb:7.1f} s = {cb/len(b):6.2f} s/image")
print(f"nst-spark  (local[{slots}], 1 thread/task): wall {ws:7.1f} s  {60*len(s)/ws:6.2f} images/min  mean job {ss/len(s):6.2f} s  not stylizing {ws - ss/slots:6.1f} s = {(ws - ss/slots)/len(s):5.2f} s/job  CPU {cs:7.1f} s = {cs/len(s):6.2f} s/image")
PY
