#!/usr/bin/env bash
# rule_ids.sh BUILD_DIR SOURCE_DIR - every rule ID stays linked to its code, its proof and its table row.
#
# A rule ID (R-AREA-WORDS) is defined by being written in bold (**R-ID**) in docs/android-rules.md, once.
# Each defined ID must appear
#   (a) in exactly one `/* R-ID: ... */` comment in sim/, directly above the definition of the function
#       that decides the rule;
#   (b) in at least one `# rule: R-ID` line of a scenario under scenarios/ (any depth);
#   (c) in exactly one row of the "Rules" table of docs/conformance.md, whose "decided in" cell is the
#       file:function of (a) and whose "scenarios" cell lists exactly the scenarios of (b) (or says
#       "none: REASON" for a rule no scenario step can reach; the reason is printed).
# And every ID cited anywhere in sim/, scenarios/, docs/android-rules.md or docs/conformance.md is defined.
# Last, the check runs itself on a copy with one seeded mistake, which it must refuse.
#
# rule_ids.sh --write SOURCE_DIR rewrites the "decided in" and "scenarios" cells of the Rules table from
# the code and the scenarios (rows for rules whose comment is not in sim/ yet keep their planned cell), and
# adds a row, in the words of its code comment, for a rule that has a comment but no row; so the table is
# regenerated rather than edited by hand, and the check then says what is still missing.
set -u
write=false
if [ "${1:-}" = "--write" ]; then
    write=true
    source_dir=${2:?usage: rule_ids.sh --write SOURCE_DIR}
else
    source_dir=${2:?usage: rule_ids.sh BUILD_DIR SOURCE_DIR | rule_ids.sh --write SOURCE_DIR}
fi
cd "$source_dir" || exit 1
rules_doc=docs/android-rules.md
table_doc=docs/conformance.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    if $write; then echo "still missing: $*"; else echo "FAIL: $*"; fi
    failures=$((failures + 1))
}

# The IDs a stream of text cites, one per line as FILE:LINE:ID: an uppercase R- token not glued to a
# word before it. R-ID and R-AREA-WORDS are the placeholders the docs use to describe the form.
cited_ids() {
    grep -rHnoE --include="$2" '(^|[^A-Za-z0-9_-])R-[A-Z0-9][A-Z0-9-]*' "$1" 2>/dev/null |
        sed -E 's/^([^:]*:[0-9]+:)[^R]*/\1/; s/-+$//' | grep -vE ':R-(ID|AREA-WORDS)$'
}
well_formed='^R-[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$'

# --- Definitions: **R-ID** in docs/android-rules.md, each once.
grep -noE '\*\*`?R-[A-Z0-9-]+`?\*\*' "$rules_doc" | sed -E 's/[*`]//g' >"$work/definitions"
cut -d: -f2 "$work/definitions" | sort >"$work/defined_all"
sort -u "$work/defined_all" >"$work/defined"
for id in $(uniq -d "$work/defined_all"); do
    fail "$id is defined (bold) more than once in $rules_doc, at lines $(grep ":$id\$" "$work/definitions" | cut -d: -f1 | paste -sd, -): keep one"
done
while IFS=: read -r _ id; do
    [[ $id =~ $well_formed ]] || fail "$rules_doc defines '$id', which is not of the form R-AREA-WORDS (uppercase words joined by hyphens)"
done <"$work/definitions"
if [ ! -s "$work/defined" ]; then
    fail "$rules_doc defines no rule ID (write each as **R-AREA-WORDS** at the start of its rule)"
fi

# Every ID cited in these places must be defined.
{
    cited_ids sim '*.[ch]'
    cited_ids scenarios '*.yaml'
    cited_ids "$rules_doc" '*.md'
    cited_ids "$table_doc" '*.md'
} >"$work/cited"
awk -F: 'NR == FNR { defined[$0] = 1; next } $3 != "" && !($3 in defined) { print $1 ":" $2 " " $3 }' \
    "$work/defined" "$work/cited" >"$work/undefined"
while read -r place id; do
    fail "$place cites $id, which $rules_doc does not define: define it there (**$id**) or fix the name"
done <"$work/undefined"

# --- (a) The code: /* R-ID: ... */ directly above the function that decides the rule.
# The comment starts in column 0 and only comment lines may stand between it and the function's definition
# line (column 0, a letter first); the function's name is the identifier before that line's first '('.
grep -rnE --include='*.[ch]' '/\* R-[A-Z0-9-]+:' sim | sort -t: -k1,1 -k2,2n >"$work/code_comments"
: >"$work/decided_in"
: >"$work/comment_words"
while IFS=: read -r file line text; do
    id=$(sed -E 's|.*/\* (R-[A-Z0-9-]+):.*|\1|' <<<"$text")
    function=$(awk -v start="$line" 'NR == start && /^[ \t]/ { print "?"; exit }
        NR > start && /^[A-Za-z_]/ {
            if (index($0, "(") == 0) { print "?"; exit }
            head = substr($0, 1, index($0, "(") - 1); n = split(head, words, /[ *]+/); print words[n]; exit }
        NR > start && !/^(\/\*| \*)/ { print "?"; exit }' "$file")
    if [ -z "$function" ] || [ "$function" = "?" ]; then
        fail "$file:$line: the $id comment is not directly above a function definition: move it above the function that decides the rule"
        continue
    fi
    echo "$id $file:$function $line" >>"$work/decided_in"
    # The comment's own words, for a table row the --write mode adds: "what" and "AOSP: source".
    awk -v start="$line" 'NR >= start { text = text " " $0; if (index($0, "*/")) exit }
        END { sub(/^ *\/\* *R-[A-Z0-9-]+: */, "", text); sub(/ *\*\/.*$/, "", text); gsub(/ +\* +/, " ", text)
              n = index(text, "AOSP:"); what = n ? substr(text, 1, n - 1) : text; source = n ? substr(text, n + 5) : ""
              sub(/[ .]+$/, "", what); sub(/^ +/, "", source); print what "\t" source }' "$file" |
        sed "s/^/$id\t/" >>"$work/comment_words"
done <"$work/code_comments"
while read -r id; do
    count=$(awk -v id="$id" '$1 == id' "$work/decided_in" | wc -l)
    if [ "$count" -eq 0 ]; then
        fail "$id has no /* $id: ... */ comment directly above a function in sim/: put one above the function that decides it"
    elif [ "$count" -gt 1 ]; then
        fail "$id is marked as decided in $count places ($(awk -v id="$id" '$1 == id {split($2, at, ":"); print at[1] ":" $3 " (" at[2] ")"}' "$work/decided_in" | paste -sd' ' -)): one function decides a rule; keep one comment"
    fi
done <"$work/defined"

# --- (b) The scenarios: # rule: lines (one or more IDs each), any depth under scenarios/.
grep -rHE --include='*.yaml' '^#[[:space:]]*rule:' scenarios |
    awk -F: '{ name = $1; sub(/^scenarios\//, "", name); sub(/\.yaml$/, "", name)
               line = substr($0, length($1) + 2)
               while (match(line, /R-[A-Z0-9-]+/)) {
                   id = substr(line, RSTART, RLENGTH); sub(/-+$/, "", id); print id, name
                   line = substr(line, RSTART + RLENGTH) } }' | LC_ALL=C sort -u >"$work/shown_in"
scenarios_of() {
    awk -v id="$1" '$1 == id {print $2}' "$work/shown_in" | LC_ALL=C sort -u
}

# --- (c) docs/conformance.md's Rules table: | rule | what | decided in | scenarios | AOSP source |
awk '/^## /{ in_rules = ($0 ~ /^## Rules[[:space:]]*$/) } in_rules && /^\| *`?R-/' "$table_doc" >"$work/rows"
cell() { # cell ROW N: the N-th cell of a table row, without spaces at the ends, backticks and bold marks
    awk -F'|' -v n="$(($2 + 1))" '{ gsub(/`|\*\*/, "", $n); gsub(/^ +| +$/, "", $n); print $n }' <<<"$1"
}
list_cell() { # the scenarios cell as one name per line, sorted
    tr ',' '\n' <<<"$1" | sed -E 's/^ +| +$//g' | grep -v '^$' | LC_ALL=C sort -u
}
scenarios_cell_for() { # the cell the table should hold for ID's scenarios
    scenarios_of "$1" | sed 's/.*/`&`/' | paste -sd, - | sed 's/,/, /g'
}

if $write; then
    {
        awk '/^## /{ in_rules = ($0 ~ /^## Rules[[:space:]]*$/) } { print (in_rules && /^\| *`?R-/) ? "ROW" : "TEXT" }' "$table_doc"
    } >"$work/kinds"
    : >"$work/new_table"
    last_row=$(grep -n '^ROW$' "$work/kinds" | tail -n 1 | cut -d: -f1)
    line_number=0
    while IFS= read -r line; do
        line_number=$((line_number + 1))
        kind=$(sed -n "${line_number}p" "$work/kinds")
        if [ "$kind" != ROW ]; then
            printf '%s\n' "$line" >>"$work/new_table"
            continue
        fi
        id=$(cell "$line" 1)
        decided=$(awk -v id="$id" '$1 == id {print $2; exit}' "$work/decided_in")
        [ -z "$decided" ] && decided=$(cell "$line" 3)
        shown=$(scenarios_cell_for "$id")
        old_shown=$(cell "$line" 4)
        if [ -z "$shown" ] && [[ $old_shown == none:* ]]; then shown=$old_shown; fi
        printf '| %s | %s | `%s` | %s | %s |\n' "$id" "$(cell "$line" 2)" "$decided" "$shown" "$(cell "$line" 5)" >>"$work/new_table"
        [ "$line_number" = "$last_row" ] || continue
        # After the last row: a row for each defined rule without one whose comment is in sim/ already,
        # in the comment's own words.
        while read -r missing; do
            grep -q "^| $missing |" "$table_doc" && continue
            decided=$(awk -v id="$missing" '$1 == id {print $2; exit}' "$work/decided_in")
            [ -z "$decided" ] && continue
            IFS=$'\t' read -r _ what source < <(awk -F'\t' -v id="$missing" '$1 == id' "$work/comment_words" | head -n 1)
            printf '| %s | %s | `%s` | %s | %s |\n' "$missing" "$what" "$decided" "$(scenarios_cell_for "$missing")" "$source" >>"$work/new_table"
            echo "rule_ids: added a row for $missing (its words from the code comment: check them)"
        done <"$work/defined"
    done <"$table_doc"
    cp "$work/new_table" "$table_doc"
    echo "rule_ids: rewrote the decided-in and scenarios cells of $table_doc's Rules table"
    exit 0
fi

: >"$work/row_ids"
while IFS= read -r row; do
    id=$(cell "$row" 1)
    echo "$id" >>"$work/row_ids"
    grep -qx -- "$id" "$work/defined" || continue # already reported as undefined
    decided=$(cell "$row" 3)
    expected=$(awk -v id="$id" '$1 == id {print $2; exit}' "$work/decided_in")
    if [ -n "$expected" ] && [ "$decided" != "$expected" ]; then
        fail "$table_doc: the Rules row of $id says it is decided in '$decided', but its comment is at $expected: fix the row (rule_ids.sh --write SOURCE_DIR)"
    fi
    shown=$(cell "$row" 4)
    if [[ $shown == none:* ]]; then
        if [ -n "$(scenarios_of "$id")" ]; then
            fail "$table_doc: the Rules row of $id says '$shown', but scenarios show it ($(scenarios_of "$id" | paste -sd' ' -)): list them (rule_ids.sh --write SOURCE_DIR)"
        elif [ -z "$(sed -E 's/^none:[[:space:]]*//' <<<"$shown")" ]; then
            fail "$table_doc: the Rules row of $id says none without a reason: say why no scenario can show it"
        else
            echo "note: $id has no scenario: $(sed -E 's/^none:[[:space:]]*//' <<<"$shown")"
        fi
        continue
    fi
    if [ -z "$(scenarios_of "$id")" ]; then
        fail "$id is shown by no scenario: add a '# rule: $id' line to each scenario under scenarios/ that shows it"
    elif [ "$(list_cell "$shown")" != "$(scenarios_of "$id")" ]; then
        fail "$table_doc: the Rules row of $id lists scenarios '$shown', but the scenarios citing it are '$(scenarios_of "$id" | paste -sd' ' -)': fix the row (rule_ids.sh --write SOURCE_DIR)"
    fi
done <"$work/rows"
for id in $(sort "$work/row_ids" | uniq -d); do
    fail "$table_doc: $id has more than one row in the Rules table: keep one"
done
while read -r id; do
    if ! grep -qx -- "$id" "$work/row_ids"; then
        fail "$id has no row in $table_doc's Rules table: add '| $id | what | decided in | scenarios | AOSP source |' (rule_ids.sh --write SOURCE_DIR adds it once its comment is in sim/)"
        if [ -z "$(scenarios_of "$id")" ]; then
            fail "$id is shown by no scenario: add a '# rule: $id' line to each scenario under scenarios/ that shows it"
        fi
    fi
done <"$work/defined"

# The check itself must keep failing on a mistake: the same sources with one scenario citing an ID that
# does not exist must be refused, naming it.
if [ "${RULE_IDS_SELF_TEST:-1}" != 0 ]; then
    mkdir -p "$work/seeded/docs"
    cp -r sim scenarios "$work/seeded/"
    cp "$rules_doc" "$table_doc" "$work/seeded/docs/"
    seeded_file=$(find "$work/seeded/scenarios" -name '*.yaml' -type f | LC_ALL=C sort | head -n 1)
    if [ -n "$seeded_file" ]; then
        printf '# rule: R-SEEDED-MISTAKE\n' >>"$seeded_file"
        RULE_IDS_SELF_TEST=0 bash "${BASH_SOURCE[0]}" - "$work/seeded" >"$work/seeded.out" 2>&1
        status=$?
        if [ "$status" -ne 1 ] || ! grep -q 'cites R-SEEDED-MISTAKE, which' "$work/seeded.out"; then
            fail "the check did not refuse sources whose scenario cites the undefined R-SEEDED-MISTAKE (status $status): the check is broken"
        fi
    fi
fi

if [ "$failures" -ne 0 ]; then
    echo "rule_ids: $failures problem(s) with the rule IDs of $rules_doc"
    exit 1
fi
echo "rule_ids: $(wc -l <"$work/defined") rules, each with its code, its scenarios and its row"
