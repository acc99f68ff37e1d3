# Sourced by dp.sh and batched.sh: the GRPO step both measure, on the built-in model at its default size (random
# weights, DataParallelSetup.java): 16 prompts x G = 8 in all, up to 40 new tokens, top-k 50, threads 1.

# builds the app into target-$1 and sets CP, JAVA (the launcher's flags) and PARAMS (the model's size), in $OUT
grpo_step_build() {
  mvn -q -o -Dvrft.target="target-$1" -pl app -am -DskipTests package \
    dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
  CP="app/target-$1/classes:train/target-$1/classes:model/target-$1/classes:core/target-$1/classes:$(cat "$OUT/cp.txt")"
  JAVA=(java -Xmx2g -XX:+UseSerialGC -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider
    -Dslf4j.internal.verbosity=WARN --add-exports=java.base/sun.nio.ch=ALL-UNNAMED -cp "$CP")
  PARAMS=$("${JAVA[@]}" bench/train/DataParallelSetup.java "$OUT")
}

# the config of run $1 with $2 prompts per rank, beta $3 and rollout_batch_groups $4 (empty: the key left out)
grpo_step_yaml() {
  cat <<YAML
model: $OUT/model
dataset: $OUT/train.jsonl
output_dir: $OUT/run$1
num_generations: 8
per_device_train_batch_size: $2
gradient_accumulation_steps: 1
max_completion_length: 40
temperature: 1.0
top_k: 50
beta: $3
learning_rate: 1.0e-6
max_steps: $((WARM + ROUNDS))
save_steps: 100000
logging_steps: 1
reward_funcs: [accuracy, format]
reward_mode: strict
threads: 1
seed: 3
${4:+rollout_batch_groups: $4}
YAML
}
