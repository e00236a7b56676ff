#!/bin/sh
# A long-running job: publishes a feed snapshot every second for a while.
set -eu
ticks=${KILN_DEMO_FEED_TICKS:-15}
i=1
while [ "$i" -le "$ticks" ]; do
    echo "feed tick $i: $(($(wc -l < "$KILN_INPUT_0/orders.csv") - 1)) orders"
    sleep 1
    i=$((i + 1))
done
tail -n 5 "$KILN_INPUT_0/orders.csv" > "$KILN_OUTPUT_0/latest_orders.csv"
