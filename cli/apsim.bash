# apsim.bash - bash completion for apsim: commands, fmnist's subcommands and each command's
# options, asked of the binary itself (`apsim help --options [CMD [SUB]]`, printed from the
# option tables, so it never drifts); file names for the positionals and option values.
# Installed as share/bash-completion/completions/apsim (make install-completion).

_apsim() {
    local cur prev bin cmd sub words i line
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    bin=${APSIM_BIN:-${COMP_WORDS[0]}}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        words=$("$bin" help --options 2>/dev/null)
        COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
        return 0
    fi
    cmd=${COMP_WORDS[1]}
    sub=
    if [ "$cmd" = fmnist ]; then
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "train eval sweep --help" -- "$cur"))
            return 0
        fi
        sub=${COMP_WORDS[2]}
    fi
    if [ "$cmd" = help ]; then
        words=$("$bin" help --options 2>/dev/null)
        COMPREPLY=($(compgen -W "$words --man --options" -- "$cur"))
        return 0
    fi
    # An option that takes a value: complete file names.
    words=$("$bin" help --options $cmd $sub 2>/dev/null) || return 0
    while IFS= read -r line; do
        if [ "${line%% *}" = "$prev" ] && [ "${line#* }" != "$line" ]; then
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
        fi
    done <<<"$words"
    case $cur in
    -*)
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$words" | sed 's/ .*//')" -- "$cur"))
        ;;
    *)
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    esac
    return 0
}
complete -o filenames -F _apsim apsim
