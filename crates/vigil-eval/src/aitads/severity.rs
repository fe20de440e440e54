//! Severity for the severity-first queue on AIT-ADS, which carries none.
//!
//! The mapping follows what each product would have said itself, decided from the alert
//! names, not from the labels:
//!
//! - **Wazuh** rules carry a level (0–15). The level of each rule behind an AIT-ADS type is
//!   the Wazuh ruleset's (web 400 errors 31101: 5; multiple 400s from one source 31151: 10;
//!   common web attack 31103/31104: 6; IDS event 20101: 6; multiple IDS alerts 20151/20152:
//!   10; PAM login failed 5503: 5, multiple failures 5551: 10; sudo to root 5402: 3; first
//!   sudo 5403: 4; Dovecot brute force 9705: 10; ClamAV update 52507: 3; …). Levels map to
//!   severities as ≤ 3 Info, 4–5 Low, 6–7 Medium, 8–11 High, ≥ 12 Critical.
//! - **Suricata**: Emerging Threats `SCAN` signatures High, `DNS`/`INFO` Medium, `POLICY`
//!   Low, and the engine's own protocol-anomaly events (`SURICATA …`) Low.
//! - **AMiner** (anomaly detection, no severities of its own): Medium, as a SOC triages an
//!   anomaly without a known bad signature.

use vigil_core::Severity;

/// Wazuh rule level of an AIT-ADS Wazuh alert type, from its name's rule.
fn wazuh_level(short: &str) -> u8 {
    match short {
        "W-Sys-Cav" | "W-Sys-Dov" | "W-Aut-Pam1" | "W-Aut-Ssh1" | "W-Aut-Sud" | "W-Aut-Uid"
        | "W-Aud-Sel" | "W-Acc-Cms" => 3,
        "W-Acc-400" | "W-Acc-500" | "W-Aut-Pam2" | "W-Err-Fbd1" | "W-Err-Fbd2" | "W-Mai-Inv"
        | "W-Sys-Fai" => 5,
        "W-Acc-Att" | "W-Acc-Sus" | "W-All-Evt" | "W-All-Ids" | "W-Aut-Ssh2" => 6,
        "W-All-Mul1" | "W-All-Mul2" | "W-All-Mul3" | "W-Aut-Pam3" | "W-Mai-Brt" => 10,
        _ => 5,
    }
}

/// Severity of an AIT-ADS alert from its type code (`short`) and name.
///
/// ```
/// use vigil_core::Severity;
/// use vigil_eval::aitads::severity;
/// assert_eq!(severity("W-All-Mul3", "Wazuh: Multiple web server 400 error codes from same source ip."), Severity::High);
/// assert_eq!(severity("A-Aud-Com4", "AMiner: New service_stop parameter combination in Audit logs."), Severity::Medium);
/// ```
pub fn severity(short: &str, name: &str) -> Severity {
    if short.starts_with("W-") {
        return match wazuh_level(short) {
            0..=3 => Severity::Info,
            4..=5 => Severity::Low,
            6..=7 => Severity::Medium,
            8..=11 => Severity::High,
            _ => Severity::Critical,
        };
    }
    if short.starts_with("S-") || name.starts_with("Suricata") {
        return if name.contains("ET SCAN") {
            Severity::High
        } else if name.contains("ET DNS") || name.contains("ET INFO") {
            Severity::Medium
        } else {
            Severity::Low
        };
    }
    Severity::Medium
}
