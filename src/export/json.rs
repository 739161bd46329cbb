//! The JSON export: the document itself, pretty-printed for people who open the file.

use super::document::PlanDocument;

pub fn to_json(doc: &PlanDocument) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;

    #[test]
    fn json_export_reads_back_to_the_same_document() {
        let doc = demo::plan_document();
        let text = to_json(&doc).unwrap();
        assert!(text.contains("\"estimated_cost_eur\": \"480000.00\""));
        let back: PlanDocument = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
    }
}
