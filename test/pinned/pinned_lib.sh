# pinned_lib.sh - what check.sh and regenerate.sh share: the list of pinned commands and how one pinned
# transcript is made. A pinned file is the command line, kssim's standard output, and its exit status,
# so a run that stops meeting its expectations differs from the file as well.
# Sourced with $kssim (the binary) and $source_dir set.

# Prints "NAME ARGS..." for every entry of commands.list.
pinned_entries() {
    grep -v '^#' "$source_dir/test/pinned/commands.list" | grep -v '^[[:space:]]*$'
}

# pinned_transcript ARGS... - the pinned form of `kssim ARGS...`, run in the source directory (the
# transcript's headers name scenario paths relative to it), on a memory device so no state is read.
pinned_transcript() {
    echo "\$ kssim $*"
    local status=0
    (cd "$source_dir" && KSSIM_DEVICE=memory "$kssim" "$@") || status=$?
    echo "# exit status: $status"
}
