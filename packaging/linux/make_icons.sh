#!/bin/sh
# Render the app icon (icons/app.thenar.Thenar.svg) to the PNG sizes desktops ask for.
# Needs rsvg-convert (Debian: librsvg2-bin) or, failing that, ImageMagick's convert.
# The PNGs are committed, so builders only run this after changing the SVG.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
svg="$here/icons/app.thenar.Thenar.svg"
for size in 16 32 48 64 128 256 512; do
    out="$here/icons/${size}x${size}/app.thenar.Thenar.png"
    mkdir -p "$(dirname "$out")"
    if command -v rsvg-convert >/dev/null 2>&1; then
        rsvg-convert --width "$size" --height "$size" --keep-aspect-ratio "$svg" --output "$out"
    elif command -v convert >/dev/null 2>&1; then
        convert -background none -density 384 "$svg" -resize "${size}x${size}" "$out"
    else
        echo "make_icons.sh: install librsvg2-bin (rsvg-convert) or imagemagick" >&2
        exit 1
    fi
    echo "$out"
done

# Windows wants one .ico holding several sizes (used by packaging/thenar.spec).
if command -v convert >/dev/null 2>&1; then
    ico="$here/../windows/thenar.ico"
    convert $(for size in 16 32 48 64 128 256; do
        printf '%s ' "$here/icons/${size}x${size}/app.thenar.Thenar.png"
    done) "$ico"
    echo "$ico"
else
    echo "make_icons.sh: no ImageMagick, so packaging/windows/thenar.ico was not rebuilt" >&2
fi
