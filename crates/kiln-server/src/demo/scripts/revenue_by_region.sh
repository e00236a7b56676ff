#!/bin/sh
set -eu
{
    echo "region,orders,revenue"
    awk -F, 'NR > 1 { n[$3]++; r[$3] += $7 } END { for (k in n) printf "%s,%d,%.2f\n", k, n[k], r[k] }' \
        "$KILN_INPUT_0/order_lines.csv" | sort -t, -k3,3nr
} > "$KILN_OUTPUT_0/revenue_by_region.csv"
cat "$KILN_OUTPUT_0/revenue_by_region.csv"
