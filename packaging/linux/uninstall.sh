#!/bin/sh
# Remove Thenar installed by install.sh: exactly the files and folders it wrote
# (listed in ~/.local/lib/thenar/installed-files.txt), nothing else.
#
# Your data is NOT removed: the health log, settings and diagnostic log stay, so
# a later install finds them. To remove them too, after uninstalling:
#   rm -rf ~/.local/share/Thenar ~/.config/Thenar ~/.local/state/Thenar
# (or the folders named by $XDG_DATA_HOME, $XDG_CONFIG_HOME, $XDG_STATE_HOME if set).
set -eu

prefix=${THENAR_PREFIX:-$HOME/.local}
app_dir=$prefix/lib/thenar
manifest=$app_dir/installed-files.txt
quiet=false
[ "${1:-}" = "--quiet" ] && quiet=true

if [ ! -f "$manifest" ]; then
    echo "uninstall.sh: Thenar is not installed in $prefix (no $manifest)" >&2
    exit 1
fi

# Files and the link first, then the app folder, then the folders install.sh
# created, deepest first and only if empty (something else may live there now).
dirs=$(mktemp)
trap 'rm -f "$dirs"' EXIT
while IFS= read -r line; do
    kind=${line%% *}
    path=${line#* }
    case $kind in
    f) if [ -f "$path" ]; then rm -f -- "$path"; fi ;;
    l) if [ -L "$path" ] && [ "$(readlink "$path")" = "$app_dir/thenar" ]; then
        rm -f -- "$path"
    fi ;;
    d) printf '%s\n' "$path" >>"$dirs" ;;
    a) ;;  # the app folder: below, last, since the manifest lives in it
    esac
done <"$manifest"
case $app_dir in  # only ever a folder named lib/thenar holding the app
*/lib/thenar) if [ -x "$app_dir/thenar" ]; then rm -rf -- "$app_dir"; fi ;;
esac
sort -r "$dirs" | while IFS= read -r dir; do
    rmdir -- "$dir" 2>/dev/null || true
done

if ! $quiet; then
    echo "Thenar is uninstalled. Your data is still here, in case you reinstall:"
    echo "  ${XDG_DATA_HOME:-$HOME/.local/share}/Thenar    (your health log and its backups)"
    echo "  ${XDG_CONFIG_HOME:-$HOME/.config}/Thenar       (settings)"
    echo "  ${XDG_STATE_HOME:-$HOME/.local/state}/Thenar   (diagnostic log, no health data)"
    echo "Delete those folders to remove it too."
fi
