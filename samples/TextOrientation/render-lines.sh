#!/usr/bin/env bash
# Renders the sample's text lines as a text detector crops them (tight around the line, 47 px high, as in images/):
# ImageMagick sets a line of words and a number in the DejaVu fonts in turn, dark ink on off-white.
#   calibration/line-NN.png  48 lines, every odd one upside down        (quantization ranges)
#   eval/0/*.png, eval/180/*  100 upright and 100 upside-down lines     (held out: INT8 is judged on these)
# Calibration and evaluation take different line numbers, so no line is in both. A rerun writes the same bytes.
#   bash samples/TextOrientation/render-lines.sh     (needs Debian's imagemagick and fonts-dejavu-core)
set -euo pipefail
cd "$(dirname "$0")"
words=(ticket voucher parcel route window ledger letter office budget credit stock client sales summary notice
  coupon vendor branch record refund meter unit level sheet batch label folder margin cashier discount)
fonts=(DejaVu-Sans DejaVu-Serif DejaVu-Sans-Mono DejaVu-Sans-Bold DejaVu-Sans-Condensed DejaVu-Serif-Bold)
render() { # line-number rotation output
  local i=$1 background ink
  local a=${words[$(((i * 7 + 3) % ${#words[@]}))]} b=${words[$(((i * 11 + 5) % ${#words[@]}))]}
  background="rgb($((228 + i % 20)),$((226 + i % 17)),$((222 + i % 23)))"
  ink="rgb($((i % 40)),$((i % 30)),$((i % 50)))"
  /usr/bin/convert -background "$background" -fill "$ink" -font "${fonts[$((i / 2 % ${#fonts[@]}))]}" -pointsize 32 \
    "label:$a $b $(((i * 53 + 11) % 1000))" -bordercolor "$background" -border 6x4 -rotate "$2" \
    -define png:exclude-chunks=date,time +set date:create +set date:modify "PNG8:$3"
}
rm -rf calibration eval
mkdir -p calibration eval/0 eval/180
for ((k = 0; k < 48; k++)); do
  render $((1000 + k)) $((k % 2 * 180)) "$(printf 'calibration/line-%02d.png' "$k")"
done
for ((k = 0; k < 100; k++)); do
  render $((2 * k)) 0 "$(printf 'eval/0/line-%03d.png' "$k")"
  render $((2 * k + 1)) 180 "$(printf 'eval/180/line-%03d.png' "$k")"
done
