#!/bin/sh
# Install Thenar for you alone, into ~/.local. No root, no network.
#
#   ./install.sh            install (or upgrade) from this unpacked folder
#   ./uninstall.sh          remove it again (your data stays; see below)
#
# What it puts where (and writes down in ~/.local/lib/thenar/installed-files.txt,
# so uninstall.sh removes exactly that):
#   ~/.local/lib/thenar/                        the app (a self-contained bundle)
#   ~/.local/bin/thenar                         a link to it, for the terminal
#   ~/.local/share/applications/app.thenar.Thenar.desktop    the menu entry
#   ~/.local/share/metainfo/app.thenar.Thenar.metainfo.xml   for software centres
#   ~/.local/share/icons/hicolor/*/apps/app.thenar.Thenar.*  the icon
# Set THENAR_PREFIX to install somewhere else than ~/.local.
set -eu

src=$(cd "$(dirname "$0")" && pwd)
prefix=${THENAR_PREFIX:-$HOME/.local}
app_dir=$prefix/lib/thenar
bin_link=$prefix/bin/thenar
share=$prefix/share
manifest=$app_dir/installed-files.txt
id=app.thenar.Thenar

if [ ! -x "$src/thenar/thenar" ]; then
    echo "install.sh: run me from the unpacked Thenar folder (thenar/thenar is missing)" >&2
    exit 1
fi
if [ -e "$bin_link" ] || [ -L "$bin_link" ]; then
    if [ "$(readlink "$bin_link" || true)" != "$app_dir/thenar" ]; then
        echo "install.sh: $bin_link exists and is not Thenar's; not touching it" >&2
        exit 1
    fi
fi
if [ -e "$app_dir" ]; then  # an earlier install: remove it cleanly first (data stays)
    echo "Removing the installed Thenar first (your data stays)"
    THENAR_PREFIX=$prefix sh "$src/uninstall.sh" --quiet
fi

tmp_manifest=$(mktemp)
trap 'rm -f "$tmp_manifest"' EXIT

# make_dir DIR: create DIR and any missing parents, noting those we created
make_dir() {
    [ -d "$1" ] && return 0
    make_dir "$(dirname "$1")"
    mkdir "$1"
    printf 'd %s\n' "$1" >>"$tmp_manifest"
}

# put SOURCE DEST: copy one file, noting it
put() {
    make_dir "$(dirname "$2")"
    cp "$1" "$2"
    chmod 644 "$2"
    printf 'f %s\n' "$2" >>"$tmp_manifest"
}

make_dir "$prefix/lib"
cp -R "$src/thenar" "$app_dir"  # the whole bundle; uninstall removes this folder
cp "$src/uninstall.sh" "$app_dir/uninstall.sh"
chmod 755 "$app_dir/uninstall.sh"
printf 'a %s\n' "$app_dir" >>"$tmp_manifest"

make_dir "$prefix/bin"
ln -s "$app_dir/thenar" "$bin_link"
printf 'l %s\n' "$bin_link" >>"$tmp_manifest"

# The menu entry, pointing at this install even when ~/.local/bin is not on PATH.
make_dir "$share/applications"
sed -e "s|^Exec=thenar\$|Exec=\"$bin_link\"|" -e "s|^TryExec=thenar\$|TryExec=$bin_link|" \
    "$src/share/applications/$id.desktop" >"$share/applications/$id.desktop"
chmod 644 "$share/applications/$id.desktop"
printf 'f %s\n' "$share/applications/$id.desktop" >>"$tmp_manifest"

put "$src/share/metainfo/$id.metainfo.xml" "$share/metainfo/$id.metainfo.xml"
for icon in "$src"/share/icons/hicolor/*/apps/$id.*; do
    size_dir=$(basename "$(dirname "$(dirname "$icon")")")
    put "$icon" "$share/icons/hicolor/$size_dir/apps/$(basename "$icon")"
done

cp "$tmp_manifest" "$manifest"
echo "Thenar is installed: find it in your applications menu, or run $bin_link"
case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) echo "($prefix/bin is not on your PATH: the menu entry works anyway)" ;;
esac
