#!/bin/sh
# Slow on purpose (about 40 s) so that a build can be stopped while it runs.
set -eu
steps=${KILN_DEMO_SLOW_STEPS:-20}
i=1
while [ "$i" -le "$steps" ]; do
    echo "scoring customers: step $i of $steps"
    sleep 2
    i=$((i + 1))
done
{
    echo "customer_id,orders,lifetime_value"
    awk -F, 'NR > 1 { n[$2]++; v[$2] += $7 } END { for (k in n) printf "%s,%d,%.2f\n", k, n[k], v[k] }' \
        "$KILN_INPUT_0/order_lines.csv" | sort -t, -k3,3nr
} > "$KILN_OUTPUT_0/customer_lifetime.csv"
echo "done"
