#!/usr/bin/env bash
# Renders the sample's labelled evaluation set the way ../calibration was rendered: ImageMagick fits a short line of
# words and a number into a 192x48 off-white line (DejaVu fonts in turn, dark ink), from other words than
# calibration's; eval/0 holds the upright lines, eval/180 lines turned upside down. The lines follow from their
# numbers, so a rerun writes the same images.
#   bash samples/TextOrientation/eval/render.sh        (needs Debian's imagemagick and fonts-dejavu-core)
set -euo pipefail
cd "$(dirname "$0")"
words=(ticket voucher parcel route window ledger letter office budget credit stock client sales summary notice
  coupon vendor branch record refund meter unit level sheet batch label folder margin cashier discount)
fonts=(DejaVu-Sans DejaVu-Serif DejaVu-Sans-Mono DejaVu-Sans-Bold DejaVu-Sans-Condensed DejaVu-Serif-Bold)
per_class=${PER_CLASS:-100}
render() { # index rotation output
  local i=$1
  local a=${words[$(((i * 7 + 3) % ${#words[@]}))]} b=${words[$(((i * 11 + 5) % ${#words[@]}))]}
  # label: picks the point size that fits the line into the box; the extent leaves a margin around it.
  /usr/bin/convert -background "rgb($((228 + i % 20)),$((226 + i % 17)),$((222 + i % 23)))" -fill "rgb($((i % 40)),$((i % 30)),$((i % 50)))" \
    -font "${fonts[$((i / 2 % ${#fonts[@]}))]}" -size 176x36 -gravity center "label:$a $b $(((i * 53 + 11) % 1000))" \
    -extent 192x48 -rotate "$2" -define png:exclude-chunks=date,time +set date:create +set date:modify "PNG8:$3"
}
mkdir -p 0 180
for ((k = 0; k < per_class; k++)); do
  render $((2 * k)) 0 "$(printf '0/line-%03d.png' "$k")"
  render $((2 * k + 1)) 180 "$(printf '180/line-%03d.png' "$k")"
done
