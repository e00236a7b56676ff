#!/bin/sh
# The final report. A build parameter {"title": "..."} replaces the default title.
set -eu
title=$(printf '%s' "$KILN_BUILD_PARAMETERS" | sed -n 's/.*"title":"\([^"]*\)".*/\1/p')
out="$KILN_OUTPUT_0/report.txt"
{
    echo "${title:-Kiln demo shop: revenue summary}"
    echo "branch: $KILN_BRANCH   build: $KILN_BUILD_RID   run: $KILN_TEAM #$KILN_RUN_ID"
    echo
    echo "Revenue by region"
    awk -F, 'NR > 1 { printf "  %-10s %4d orders %10.2f\n", $1, $2, $3; t += $3 } END { printf "  %-10s %22.2f\n", "total", t }' \
        "$KILN_INPUT_0/revenue_by_region.csv"
    echo
    echo "Top products"
    awk -F, 'NR > 1 && NR <= 6 { printf "  %-16s %4d sold %10.2f\n", $1, $2, $3 }' "$KILN_INPUT_1/revenue_by_product.csv"
} > "$out"
cat "$out"
