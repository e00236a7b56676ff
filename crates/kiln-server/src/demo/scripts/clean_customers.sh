#!/bin/sh
# Normalises regions to lower case and drops customers without one.
set -eu
awk -F, -v OFS=, 'NR == 1 { print; next }
                  $3 != "" { $3 = tolower($3); gsub(/^ +| +$/, "", $2); print }' \
    "$KILN_INPUT_0/customers.csv" > "$KILN_OUTPUT_0/customers.csv"
echo "kept $(($(wc -l < "$KILN_OUTPUT_0/customers.csv") - 1)) customers"
