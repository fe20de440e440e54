//! Vigil enrichment: threat intel, ATT&CK, CISA KEV, assets, entity history and related events.
