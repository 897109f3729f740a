#!/bin/sh
# Makes tests/fake-server/media/sample.mp4, the "generated video" the fake server hands out
# for demo tasks: 5 s, 640x360, 25 fps, H.264 baseline, yuv420p, +faststart, no audio,
# well under 150 KB. A slowly turning sunrise gradient with the title "evolink-tasks demo"
# (drawn only when ffmpeg has drawtext and a DejaVu/Liberation font is installed).
#
# Usage: sh tests/fake-server/make-media.sh [OUTPUT]   (needs ffmpeg; never uses the network)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/media/sample.mp4"}
mkdir -p "$(dirname "$out")"

command -v ffmpeg >/dev/null 2>&1 || { echo "make-media: ffmpeg not found" >&2; exit 1; }

# Sunrise colours: night blue -> violet -> rose -> amber. A fixed seed keeps runs alike.
background="gradients=s=640x360:r=25:d=5:n=4:c0=0x1d2b64:c1=0x5b3f8c:c2=0xc0607a:c3=0xf4a261:speed=0.02:seed=7"

font=""
for candidate in \
  /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf \
  /usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf \
  /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; do
  if [ -f "$candidate" ]; then font=$candidate; break; fi
done

# The text shows from the first frame, so a player's still image already carries the title.
# No fades: they would double the size (baseline H.264 has no weighted prediction); the
# vignette runs without dither for the same reason.
filters="vignette=PI/5:dither=0"
if [ -n "$font" ] && ffmpeg -hide_banner -filters 2>/dev/null | grep -q ' drawtext '; then
  title="drawtext=fontfile=$font:text='evolink-tasks demo':fontsize=44:fontcolor=white:shadowcolor=black@0.35:shadowx=2:shadowy=2:x=(w-tw)/2:y=(h-th)/2-14"
  caption="drawtext=fontfile=$font:text='a simulated generation result':fontsize=20:fontcolor=white@0.85:x=(w-tw)/2:y=(h/2)+30"
  filters="$filters,$title,$caption"
else
  echo "make-media: no drawtext or font; making the clip without a title" >&2
fi
filters="$filters,format=yuv420p"

ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "$background" \
  -vf "$filters" \
  -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p \
  -preset veryslow -crf 22 -g 50 -x264-params threads=1 \
  -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
  -an -t 5 "$out"

size=$(wc -c <"$out" | tr -d ' ')
echo "make-media: wrote $out ($size bytes)"
if [ "$size" -ge 153600 ]; then
  echo "make-media: $out is $size bytes, over the 150 KB budget" >&2
  exit 1
fi
