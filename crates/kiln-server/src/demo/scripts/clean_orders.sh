#!/bin/sh
# Keeps well-formed orders: five fields and a positive whole quantity.
set -eu
in="$KILN_INPUT_0/orders.csv"
echo "cleaning $(($(wc -l < "$in") - 1)) raw orders (branch $KILN_BRANCH, attempt $KILN_ATTEMPT)"
awk -F, 'NR == 1 { print; next }
         NF == 5 && $4 ~ /^[0-9]+$/ && $4 > 0 { gsub(/ /, ""); print; next }
         { print "dropped line " NR ": " $0 > "/dev/stderr" }' "$in" > "$KILN_OUTPUT_0/orders.csv"
echo "kept $(($(wc -l < "$KILN_OUTPUT_0/orders.csv") - 1)) orders"
