#!/bin/sh
# Renders the application icon from weightbench.svg: PNGs (16-512 px; jpackage's Linux icon is the
# 512 one), a Windows .ico and, on a Mac, the .icns (iconutil). Needs rsvg-convert (librsvg2-bin)
# and ImageMagick's convert. The results are committed; run this only after editing the SVG.
set -eu
cd "$(dirname "$0")"
for s in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" weightbench.svg -o "weightbench-$s.png"
done
convert weightbench-16.png weightbench-24.png weightbench-32.png weightbench-48.png weightbench-64.png weightbench-128.png weightbench-256.png weightbench.ico
if command -v iconutil >/dev/null 2>&1; then
  mkdir -p weightbench.iconset
  for s in 16 32 128 256 512; do cp "weightbench-$s.png" "weightbench.iconset/icon_${s}x${s}.png"; done
  iconutil -c icns weightbench.iconset && rm -r weightbench.iconset
fi
