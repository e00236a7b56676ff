#!/bin/sh
set -eu
{
    echo "product,quantity,revenue"
    awk -F, 'NR > 1 { q[$5] += $6; r[$5] += $7 } END { for (k in q) printf "%s,%d,%.2f\n", k, q[k], r[k] }' \
        "$KILN_INPUT_0/order_lines.csv" | sort -t, -k3,3nr
} > "$KILN_OUTPUT_0/revenue_by_product.csv"
cat "$KILN_OUTPUT_0/revenue_by_product.csv"
