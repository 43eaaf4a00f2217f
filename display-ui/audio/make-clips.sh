#!/usr/bin/env bash
# Regenerates the offline announcement clips with espeak-ng (voice `vi`) and sox:
# one clip per word, 16 kHz mono 16-bit WAV, silence trimmed, plus a chime.
# The board plays them in sequence when the browser has no Vietnamese voice.
# Usage: display-ui/audio/make-clips.sh   (needs: apt-get install espeak-ng sox)
set -euo pipefail
cd "$(dirname "$0")"
VOICE="${VOICE:-vi}"

# file name (ASCII) = the word it says. Keep in sync with clips.json (written below).
declare -A WORDS=(
  [xin]="xin" [moi]="mời" [cong]="công" [dan]="dân" [so]="số" [den]="đến" [quay]="quầy"
  [khong]="không" [mot]="một" [hai]="hai" [ba]="ba" [bon]="bốn" [nam]="năm" [sau]="sáu"
  [bay]="bảy" [tam]="tám" [chin]="chín" [muoi]="mười" [muoi2]="mươi" [mot2]="mốt"
  [lam]="lăm" [linh]="linh" [tram]="trăm" [nghin]="nghìn" [tu]="tư"
  [l-a]="a" [l-b]="bê" [l-c]="xê" [l-d]="dê" [l-dd]="đê" [l-e]="e" [l-f]="ép" [l-g]="giê"
  [l-h]="hát" [l-i]="i" [l-j]="gi" [l-k]="ca" [l-l]="e lờ" [l-m]="em mờ" [l-n]="en nờ"
  [l-o]="o" [l-p]="pê" [l-q]="quy" [l-r]="e rờ" [l-s]="ét" [l-t]="tê" [l-u]="u" [l-v]="vê"
  [l-w]="vê kép" [l-x]="ích xì" [l-y]="i dài" [l-z]="dét"
)

rm -f ./*.wav
json="{"
for f in $(printf '%s\n' "${!WORDS[@]}" | sort); do
  word="${WORDS[$f]}"
  espeak-ng -v "$VOICE" -s 150 -w /tmp/luot-clip.wav "$word"
  # 16 kHz mono, trim leading/trailing silence, a little gain.
  sox /tmp/luot-clip.wav -r 16000 -c 1 -b 16 "$f.wav" \
    silence 1 0.01 1% reverse silence 1 0.01 1% reverse gain -n -1
  json+="\"$word\":\"$f.wav\","
done
rm -f /tmp/luot-clip.wav
# Chime: two soft bell tones (ding-dong), 1.2 s.
sox -n -r 16000 -c 1 -b 16 /tmp/luot-ding.wav synth 0.6 sine 880 fade q 0.01 0.6 0.55 gain -6
sox -n -r 16000 -c 1 -b 16 /tmp/luot-dong.wav synth 0.8 sine 660 fade q 0.01 0.8 0.75 gain -6
sox /tmp/luot-ding.wav /tmp/luot-dong.wav chime.wav
rm -f /tmp/luot-ding.wav /tmp/luot-dong.wav
json="${json%,}}"
printf '%s\n' "$json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), ensure_ascii=False, indent=1, sort_keys=True))' > clips.json
du -ch ./*.wav | tail -1
