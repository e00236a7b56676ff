#!/bin/sh
# Fails its first attempt with exit code 75, which Kiln treats as retryable.
set -eu
if [ "$KILN_ATTEMPT" -lt 2 ]; then
    echo "segment service not warmed up yet (attempt $KILN_ATTEMPT); asking for a retry" >&2
    exit 75
fi
awk -F, -v r="$KILN_INPUT_1/revenue_by_region.csv" '
    FILENAME == r { if (FNR > 1) rev[$1] = $3; next }
    FNR == 1 { print "customer_id,region,segment"; next }
    { print $1 "," $3 "," (rev[$3] >= 500 ? "core-region" : "growth-region") }' \
    "$KILN_INPUT_1/revenue_by_region.csv" "$KILN_INPUT_0/customers.csv" > "$KILN_OUTPUT_0/segments.csv"
echo "segmented on attempt $KILN_ATTEMPT"
