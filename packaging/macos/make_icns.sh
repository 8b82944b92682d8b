#!/bin/sh
# macOS only: build packaging/macos/Thenar.icns from the committed PNGs (iconutil
# ships with macOS). packaging/thenar.spec uses it when it exists.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
png=$here/../linux/icons
set_dir=$(mktemp -d)/Thenar.iconset
mkdir -p "$set_dir"
for size in 16 32 128 256 512; do
    cp "$png/${size}x${size}/app.thenar.Thenar.png" "$set_dir/icon_${size}x${size}.png"
done
# @2x variants: the next size up (512@2x would need 1024 px; render it from the SVG if wanted)
cp "$png/32x32/app.thenar.Thenar.png" "$set_dir/icon_16x16@2x.png"
cp "$png/64x64/app.thenar.Thenar.png" "$set_dir/icon_32x32@2x.png"
cp "$png/256x256/app.thenar.Thenar.png" "$set_dir/icon_128x128@2x.png"
cp "$png/512x512/app.thenar.Thenar.png" "$set_dir/icon_256x256@2x.png"
iconutil --convert icns --output "$here/Thenar.icns" "$set_dir"
echo "$here/Thenar.icns"
