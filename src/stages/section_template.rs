//! The sections every plan is created with (DESIGN §2). Keys are stable identifiers used in
//! URLs, gate rules and exports; titles and guidance are the users' words (DOMAIN.md).

/// One section of the IAP template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionSpec {
    pub key: &'static str,
    pub title: &'static str,
    /// Short guidance shown to writers above the editor.
    pub guidance: &'static str,
}

/// The plan's sections in document order.
pub const SECTION_TEMPLATE: [SectionSpec; 9] = [
    SectionSpec {
        key: "summary",
        title: "Executive summary",
        guidance: "The challenge, the vision and the main actions on one page.",
    },
    SectionSpec {
        key: "ulg",
        title: "ULG and co-creation process",
        guidance: "Who is in the ULG, how often it met, which methods it used, how members shaped \
                   the plan.",
    },
    SectionSpec {
        key: "context",
        title: "Context and baseline",
        guidance: "The town today, with figures and their sources; the policies the plan builds on.",
    },
    SectionSpec {
        key: "problems",
        title: "Problem and needs analysis",
        guidance: "The core problem, its causes and effects (a problem tree), the needs of the \
                   groups concerned.",
    },
    SectionSpec {
        key: "vision",
        title: "Vision and objectives",
        guidance: "Where the town wants to be; strategic and specific objectives that are \
                   measurable.",
    },
    SectionSpec {
        key: "actions",
        title: "Actions",
        guidance: "How the actions answer the objectives; the action table holds the details.",
    },
    SectionSpec {
        key: "small_scale",
        title: "Small-scale actions and learning",
        guidance: "What was tried, what happened, what it changed in the plan.",
    },
    SectionSpec {
        key: "implementation",
        title: "Implementation framework",
        guidance: "Who governs delivery, the resourcing plan, monitoring and review.",
    },
    SectionSpec {
        key: "transnational",
        title: "Transnational learning",
        guidance: "What came from the partner cities and how it was used.",
    },
];

/// The template entry for `key`, if it is a known section.
pub fn section(key: &str) -> Option<&'static SectionSpec> {
    SECTION_TEMPLATE.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_guidance_is_present() {
        let mut keys: Vec<_> = SECTION_TEMPLATE.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SECTION_TEMPLATE.len());
        assert!(SECTION_TEMPLATE.iter().all(|s| !s.guidance.is_empty()));
        assert!(!SECTION_TEMPLATE[1].guidance.contains("  "));
    }

    #[test]
    fn section_looks_up_by_key() {
        assert_eq!(
            section("ulg").map(|s| s.title),
            Some("ULG and co-creation process")
        );
        assert_eq!(section("nope"), None);
    }
}
