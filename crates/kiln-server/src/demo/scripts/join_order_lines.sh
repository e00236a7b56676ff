#!/bin/sh
# Joins orders with their customer's region and their product's name and price.
set -eu
awk -F, -v c="$KILN_INPUT_1/customers.csv" -v p="$KILN_INPUT_2/products.csv" '
    FILENAME == c { if (FNR > 1) region[$1] = $3; next }
    FILENAME == p { if (FNR > 1) { name[$1] = $2; price[$1] = $3 }; next }
    FNR == 1 { print "order_id,customer_id,region,product_id,product,quantity,amount"; next }
    ($2 in region) && ($3 in price) {
        printf "%s,%s,%s,%s,%s,%s,%.2f\n", $1, $2, region[$2], $3, name[$3], $4, $4 * price[$3]
    }' "$KILN_INPUT_1/customers.csv" "$KILN_INPUT_2/products.csv" "$KILN_INPUT_0/orders.csv" \
    > "$KILN_OUTPUT_0/order_lines.csv"
echo "joined $(($(wc -l < "$KILN_OUTPUT_0/order_lines.csv") - 1)) order lines"
