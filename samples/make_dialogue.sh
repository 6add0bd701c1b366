#!/usr/bin/env bash
# Regenerates samples/dialogue.ogg: a short two-voice exchange synthesized with espeak-ng, with a
# beep between the turns (a sound event to tag). Needs espeak-ng, sox and ffmpeg.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us+m3 -p 25 -s 150 -w "$tmp/a.wav" "Good morning. Thanks for calling the support line. How can I help you today?"
espeak-ng -v en-gb+f4 -p 85 -s 170 -w "$tmp/b.wav" "Hi. My order arrived yesterday, but the charger is missing from the box."
espeak-ng -v en-us+m3 -p 25 -s 150 -w "$tmp/c.wav" "I am sorry to hear that. I will send a new charger today, at no cost."
sox -n -r 22050 -c 1 "$tmp/beep.wav" synth 0.35 sine 880 vol 0.3
sox -n -r 22050 -c 1 "$tmp/gap.wav" trim 0 0.6
sox "$tmp/gap.wav" "$tmp/a.wav" "$tmp/gap.wav" "$tmp/beep.wav" "$tmp/gap.wav" "$tmp/b.wav" "$tmp/gap.wav" "$tmp/c.wav" "$tmp/gap.wav" -r 16000 "$tmp/all.wav"
ffmpeg -v error -y -i "$tmp/all.wav" -c:a libvorbis -q:a 3 dialogue.ogg
