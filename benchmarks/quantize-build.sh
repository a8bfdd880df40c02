#!/usr/bin/env bash
# INT8 in the build, end to end: `modelbuild compile` of PaddleOCR's text-orientation classifier at FP16-INT8,
# calibrated on 100 text lines ImageMagick renders, against the same compile at FP32 (fetch from a local file,
# inspect, prepare, validate) as the baseline measured in the same run. Each compile starts from an empty cache;
# wall time and peak resident memory come from /usr/bin/time. Medians of the runs. Then the FP16-INT8 compile's
# phases (the engine's MODELBUILD_PHASE_TIMES file), medians over the same runs.
#
# With a second argument, another checkout of the repository (say `git worktree add /tmp/before <commit>`) is built
# too and measured in the same rounds, interleaved (before FP32, FP32, before FP16-INT8, FP16-INT8), and the script
# checks that both write the same model bytes, validation numbers and quantization report.
#
#   benchmarks/quantize-build.sh [runs] [before-checkout]   (default 3 runs; needs npm, ImageMagick, DejaVu fonts,
#                                                            /usr/bin/time, python3)
set -euo pipefail
runs="${1:-3}"
before="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchmarks/classifier-engine.sh
source "$root/benchmarks/classifier-engine.sh"
engines=(after)
declare -A engine_of=([after]="$engine")
if [ -n "$before" ]; then
  before="$(cd "$before" && pwd)"
  dotnet build "$before/src/ModelBuild.Cli" -c Release -v q -nologo >/dev/null
  engine_of[before]="$before/artifacts/bin/ModelBuild.Cli/release/modelbuild.dll"
  engines=(before after)
fi

mkdir -p "$work/lines"
words=(invoice total amount paid receipt order number date customer address phone street city price tax balance)
fonts=(DejaVu-Sans DejaVu-Serif DejaVu-Sans-Mono DejaVu-Sans-Bold)
for i in $(seq 0 99); do
  rotate=$(( (i / 2) % 2 * 180 ))
  text="${words[$(( i * 7 % 16 ))]} ${words[$(( (i * 7 + 13) % 16 ))]} $(( i * 37 % 1000 ))"
  convert -background white -fill black -font "${fonts[$(( i % 4 ))]}" -size 312x40 -gravity center \
    "label:$text" -extent 320x48 -rotate "$rotate" "$work/lines/$(printf %03d "$i").png"
done

cat > "$work/cls.yaml" <<'EOF'
input_model: cls.onnx
inputs:
  - name: x
    shape: [1, 3, 48, 192]
    layout: NCHW
    encoding: BGR
    mean_values: 127.5
    scale_values: 127.5
    calibration:
      path: lines
EOF

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# What must not change between engines: the model's bytes, every step's validation numbers, the quantization report.
fingerprint() {
  python3 - "$1" <<'PY'
import hashlib, json, sys
out = sys.argv[1]
model = hashlib.sha256(open(f"{out}/cls.onnx", "rb").read()).hexdigest()
info = json.load(open(f"{out}/buildinfo.json"))
steps = json.dumps([a.get("validation") for a in info.get("actions", [])], sort_keys=True)
try:
    report = hashlib.sha256(open(f"{out}/quantization-report.json", "rb").read()).hexdigest()[:16]
except FileNotFoundError:
    report = "-"
print(model[:16], hashlib.sha256(steps.encode()).hexdigest()[:16], report)
PY
}

declare -A times memories sizes prints
mkdir -p "$work/phases"
for run in $(seq 1 "$runs"); do
  for precision in FP32 FP16-INT8; do
    for which in "${engines[@]}"; do
      rm -rf "$work/cache" "$work/out"
      MODELBUILD_PHASE_TIMES="$work/phases/$which-$precision-$run.tsv" /usr/bin/time -f "%e %M" -o "$work/time.txt" \
        dotnet "${engine_of[$which]}" compile "$work/cls.yaml" --precision "$precision" --cache-dir "$work/cache" \
        -o "$work/out" >/dev/null
      read -r seconds kilobytes < "$work/time.txt"
      times[$which,$precision]+="$seconds "
      memories[$which,$precision]+="$kilobytes "
      sizes[$which,$precision]=$(stat -c %s "$work/out/cls.onnx")
      prints[$which,$precision]=$(fingerprint "$work/out")
    done
  done
done

echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| Engine | Compile | Wall time (median of $runs) | Peak resident memory (median) | Output size | Model / validation / report digests |"
echo "|---|---|---:|---:|---:|---|"
for precision in FP32 FP16-INT8; do
  for which in "${engines[@]}"; do
    wall=$(printf '%s\n' ${times[$which,$precision]} | median)
    peak=$(printf '%s\n' ${memories[$which,$precision]} | median)
    all=$(echo ${times[$which,$precision]} | tr ' ' ',')
    echo "| $which | $precision | ${wall} s ($all) | $(( peak / 1024 )) MiB | ${sizes[$which,$precision]} bytes |" \
      "${prints[$which,$precision]} |"
  done
done
for which in "${engines[@]}"; do
  fp32=$(printf '%s\n' ${times[$which,FP32]} | median)
  int8=$(printf '%s\n' ${times[$which,FP16-INT8]} | median)
  echo "$which: FP16-INT8 / FP32 = $(awk -v a="$int8" -v b="$fp32" 'BEGIN { printf "%.2f", a / b }')"
done
if [ -n "$before" ]; then
  for precision in FP32 FP16-INT8; do
    if [ "${prints[before,$precision]}" != "${prints[after,$precision]}" ]; then
      echo "DIFFERENT OUTPUT at $precision: before ${prints[before,$precision]}, after ${prints[after,$precision]}" >&2
      exit 1
    fi
  done
  echo "Both engines wrote the same model bytes, validation numbers and quantization report at both precisions."
fi

# The phases of the FP16-INT8 compile (engines that write them), median seconds over the runs.
for which in "${engines[@]}"; do
  files=("$work/phases/$which-FP16-INT8-"*.tsv)
  [ -s "${files[0]}" ] || continue
  echo
  echo "Phases of the FP16-INT8 compile ($which), median of $runs runs:"
  echo
  echo "| Phase | Seconds | Runs per compile |"
  echo "|---|---:|---:|"
  python3 - "${files[@]}" <<'PY'
import statistics, sys
order, seconds, counts = [], {}, {}
for path in sys.argv[1:]:
    for line in open(path):
        s, n, name = line.rstrip("\n").split("\t")
        if name not in seconds:
            order.append(name); seconds[name] = []
        seconds[name].append(float(s)); counts[name] = n
for name in order:
    print(f"| {name} | {statistics.median(seconds[name]):.3f} | {counts[name]} |")
PY
done
