//! The embedded demo pipeline, written into `<data-dir>/demo/` at start-up when no
//! `--pipeline` is given.

use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("pipeline.toml", include_str!("pipeline.toml")),
    ("scripts/clean_orders.sh", include_str!("scripts/clean_orders.sh")),
    ("scripts/clean_customers.sh", include_str!("scripts/clean_customers.sh")),
    ("scripts/join_order_lines.sh", include_str!("scripts/join_order_lines.sh")),
    ("scripts/revenue_by_region.sh", include_str!("scripts/revenue_by_region.sh")),
    ("scripts/revenue_by_product.sh", include_str!("scripts/revenue_by_product.sh")),
    ("scripts/summary_report.sh", include_str!("scripts/summary_report.sh")),
    ("scripts/customer_lifetime.sh", include_str!("scripts/customer_lifetime.sh")),
    ("scripts/customer_segments.sh", include_str!("scripts/customer_segments.sh")),
    ("scripts/order_feed.sh", include_str!("scripts/order_feed.sh")),
    ("raw/orders/orders.csv", include_str!("raw/orders/orders.csv")),
    ("raw/customers/customers.csv", include_str!("raw/customers/customers.csv")),
    ("raw/products/products.csv", include_str!("raw/products/products.csv")),
];

/// Writes the demo into `dir` (only files whose content differs, so that unchanged
/// sources keep their hash) and returns the path of its pipeline file.
pub fn materialise(dir: &Path) -> std::io::Result<PathBuf> {
    for (rel, content) in FILES {
        let path = dir.join(rel);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *content) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, content)?;
    }
    Ok(dir.join("pipeline.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Pipeline;

    #[test]
    fn demo_pipeline_is_valid() {
        let p = Pipeline::parse(FILES[0].1, "demo", Path::new("/demo")).expect("the demo pipeline parses");
        assert!(p.datasets.len() >= 10, "about ten datasets");
        let report = p.dataset_by_name("report/summary").expect("report");
        let slow = p.job_specs.iter().position(|s| s.name == "customer-lifetime").expect("slow job");
        // The slow job must not be upstream of the report, so building the report is quick.
        let mut stack = vec![report];
        let mut seen = std::collections::HashSet::new();
        while let Some(d) = stack.pop() {
            if let Some(spec) = p.datasets[d].produced_by.filter(|s| seen.insert(*s)) {
                assert_ne!(spec, slow);
                stack.extend(p.job_specs[spec].inputs.iter().copied());
            }
        }
    }
}
