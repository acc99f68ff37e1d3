#!/usr/bin/env bash
# Prepares what a GPU-machine run needs besides the CUDA bundle (docs/gpu.md): the project's jars and their small
# dependencies, the compiled benchmark and GPU tests and the JUnit console launcher, in .gpu/lib (ignored by git).
# Bytedeco's jars come from the bundle; the 30 MB of parquet/Hadoop jars are left out (not used there), and DJL's
# tokenizers jar (the built-in model's tests load a tokenizer.json) keeps only its linux-x86_64 library (5 MB instead
# of 19), so a run's carry stays under 64 MiB. The oracle folders are read
# from the repository's fixtures/ (tracked files travel with the working tree; .gpu/fixtures only without them).
# Run it after the bundle is made: make-bundle.sh replaces the whole .gpu/ folder, .gpu/lib included.
# Every jar comes through Maven, so any local repository works (-Dmaven.repo.local, settings.xml); Maven runs offline
# unless VRFT_MAVEN_ONLINE=1 (then it may download what the local repository lacks, e.g. from an empty one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
mvn=(mvn -q -B)
[[ "${VRFT_MAVEN_ONLINE:-0}" == 1 ]] || mvn+=(-o)
"${mvn[@]}" -DskipTests install
"${mvn[@]}" -pl model,train,app test-compile
"${mvn[@]}" -pl app dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$PWD/app/target/gpu-cp.txt" >/dev/null
rm -rf .gpu/lib .gpu/fixtures; mkdir -p .gpu/lib/bench .gpu/fixtures
tr ':' '\n' < app/target/gpu-cp.txt | grep -v -E '/org/bytedeco/|/ai/djl/|junit|opentest4j|apiguardian|/org/apache/hadoop/|/org/apache/parquet/|aircompressor|duckdb' | while read -r j; do
  [[ -f "$j" ]] && cp "$j" .gpu/lib/
done
for j in $(tr ':' '\n' < app/target/gpu-cp.txt | grep '/ai/djl/'); do
  cp "$j" .gpu/lib/
done
zip -q -d .gpu/lib/tokenizers-*.jar 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' || true
for m in core model train app; do cp "$m/target/$m-0.1.0-SNAPSHOT.jar" .gpu/lib/; done
(cd core/target/test-classes && jar cf ../../../.gpu/lib/core-tests.jar .)
(cd model/target/test-classes && jar cf ../../../.gpu/lib/model-tests.jar .)
(cd train/target/test-classes && jar cf ../../../.gpu/lib/train-tests.jar .)
(cd app/target/test-classes && jar cf ../../../.gpu/lib/app-tests.jar .)
# the console launcher of the JUnit Platform that goes with the project's JUnit Jupiter (5.x.y -> 1.x.y)
jupiter=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml)
[[ "$jupiter" == 5.* ]] || { echo "prepare.sh: no 5.x junit.version in pom.xml (found '$jupiter')" >&2; exit 1; }
"${mvn[@]}" -N dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:1.${jupiter#5.}" \
  -DoutputDirectory="$PWD/.gpu/lib"
# the oracle folders travel with the working tree when the repository has them (device-run.sh reads fixtures/ then);
# only a checkout without them needs the copy in .gpu/fixtures, carried (16 MB)
if [[ ! ( -d fixtures/qwen3vl-tiny && -d fixtures/qwen2vl-tiny && -d fixtures/grpo ) ]]; then
  fixtures=${VRFT_FIXTURES:-fixtures}
  [[ -d "$fixtures/qwen2vl-tiny" ]] || fixtures=../shared/fixtures
  cp -r "$fixtures/qwen2vl-tiny" "$fixtures/grpo" "$fixtures/qwen25vl-tiny" "$fixtures/qwen3vl-tiny" .gpu/fixtures/
fi
cp=$(ls .gpu/lib/*.jar | paste -sd:):$(tr ':' '\n' < app/target/gpu-cp.txt | grep /org/bytedeco/ | paste -sd:)
javac -d .gpu/lib/bench -cp "$cp" bench/qwen2vl/Qwen2VLBench.java bench/gpu/Qwen2VLGpuBench.java bench/qwenvl/QwenVlBench.java \
  bench/train/OptimizerStepMemory.java
du -sh .gpu/lib .gpu/fixtures
echo "next: bash bench/gpu/calls.sh (checks the bundle and each device call's size)"
