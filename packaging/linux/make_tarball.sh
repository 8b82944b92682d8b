#!/bin/sh
# dist/thenar-VERSION-linux-ARCH.tar.gz from the bundle in dist/thenar/ (make bundle):
#   thenar-VERSION/
#     install.sh  uninstall.sh  README.txt
#     thenar/                        the one-folder bundle (thenar/thenar starts it)
#     share/applications/app.thenar.Thenar.desktop
#     share/metainfo/app.thenar.Thenar.metainfo.xml
#     share/icons/hicolor/{16x16,...,512x512,scalable}/apps/app.thenar.Thenar.{png,svg}
# Run from the repository root (make bundle-tarball does).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=app.thenar.Thenar
python=${PYTHON:-python3}
version=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$root/pyproject.toml")
arch=$(uname -m)
name=thenar-$version
bundle=$root/dist/thenar

if [ ! -x "$bundle/thenar" ]; then
    echo "make_tarball.sh: no bundle in $bundle; run make bundle first" >&2
    exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=$stage/$name
mkdir -p "$top/share/applications" "$top/share/metainfo" "$top/share/icons/hicolor/scalable/apps"
cp -R "$bundle" "$top/thenar"
cp "$here/install.sh" "$here/uninstall.sh" "$top/"
chmod 755 "$top/install.sh" "$top/uninstall.sh"
cp "$here/$id.desktop" "$top/share/applications/"
cp "$here/$id.metainfo.xml" "$top/share/metainfo/"
cp "$here/icons/$id.svg" "$top/share/icons/hicolor/scalable/apps/"
for png in "$here"/icons/*x*/$id.png; do
    size=$(basename "$(dirname "$png")")
    mkdir -p "$top/share/icons/hicolor/$size/apps"
    cp "$png" "$top/share/icons/hicolor/$size/apps/"
done
cat >"$top/README.txt" <<TXT
Thenar $version for Linux ($arch)

Install for your user (no root needed, nothing is downloaded):
    ./install.sh
Then start Thenar from your applications menu, or run ~/.local/bin/thenar.
Check that it works on this computer (a short simulated session, no window):
    ~/.local/bin/thenar --self-test

Remove it again:
    ~/.local/lib/thenar/uninstall.sh
This removes exactly what install.sh put in ~/.local. Your data stays, in case
you reinstall:
    ~/.local/share/Thenar      your health log and its backups
    ~/.config/Thenar           settings
    ~/.local/state/Thenar      diagnostic log (no health data)
Delete those folders to remove your data too.

Thenar is for comfort and relaxation; it is not a medical device. It uses no
network. On X11 it needs a few system libraries; see the project README.
TXT

out=$root/dist/$name-linux-$arch.tar.gz
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out" "$name"
echo "$out ($(du -h "$out" | cut -f1))"
