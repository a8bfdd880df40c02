#!/usr/bin/env bash
# INT8 in the build, end to end: `modelbuild compile` of PaddleOCR's text-orientation classifier at FP16-INT8,
# calibrated on 100 text lines ImageMagick renders, against the same compile at FP32 (fetch from a local file,
# inspect, prepare, validate) as the baseline measured in the same run. Each compile starts from an empty cache;
# wall time and peak resident memory come from /usr/bin/time. Medians of the runs.
#
#   benchmarks/quantize-build.sh [runs]      (default 3; needs npm, ImageMagick, DejaVu fonts, /usr/bin/time)
set -euo pipefail
runs="${1:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchmarks/classifier-engine.sh
source "$root/benchmarks/classifier-engine.sh"

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

echo "| Compile | Wall time (median of $runs) | Peak resident memory (median) | Output size |"
echo "|---|---:|---:|---:|"
for precision in FP32 FP16-INT8; do
  times=(); memories=()
  for run in $(seq 1 "$runs"); do
    rm -rf "$work/cache" "$work/out"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" \
      dotnet "$engine" compile "$work/cls.yaml" --precision "$precision" --cache-dir "$work/cache" -o "$work/out" >/dev/null
    read -r seconds kilobytes < "$work/time.txt"
    times+=("$seconds"); memories+=("$kilobytes")
  done
  wall=$(printf '%s\n' "${times[@]}" | median)
  peak=$(printf '%s\n' "${memories[@]}" | median)
  size=$(stat -c %s "$work/out/cls.onnx")
  echo "| $precision | ${wall} s ($(IFS=,; echo "${times[*]}")) | $(( peak / 1024 )) MiB | $size bytes |"
done
