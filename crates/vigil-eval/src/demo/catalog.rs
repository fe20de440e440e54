//! The detectors of the generated enterprise and the intrusion's stages.
//!
//! Detector codes read `<product>-<family>-<rule>` like AIT-ADS's `short`, so the same
//! source-agnostic features apply. Rates are alerts per host per day on the host roles a
//! detector watches. The catalogue reproduces what makes a real queue hard: high-severity
//! detectors that are nearly always wrong (impossible travel from VPN egress, a vulnerability
//! scanner tripping port-scan rules, PUA signatures), medium-severity chatter, and attack
//! steps whose detectors are low or medium severity and also fire on benign admin work.

use vigil_core::Severity;

/// Host roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A user's workstation.
    Workstation,
    /// A server (file, database, application).
    Server,
    /// A domain controller.
    DomainController,
    /// The mail gateway.
    Mail,
    /// The VPN / internet gateway.
    Gateway,
}

/// One detector.
#[derive(Debug, Clone, Copy)]
pub struct Detector {
    /// Rule code (`EDR-Exe-Ps1`).
    pub code: &'static str,
    /// Alert title.
    pub title: &'static str,
    /// Product.
    pub source: &'static str,
    /// Severity the product assigns.
    pub severity: Severity,
    /// ATT&CK technique the rule is tagged with.
    pub technique: Option<&'static str>,
    /// Benign alerts per host per day on the roles it watches.
    pub benign_rate: f64,
    /// Roles it fires on benignly.
    pub roles: &'static [Role],
    /// Benign alerts come in bursts of about this many (1 = independent).
    pub burst: u32,
}

const WS: &[Role] = &[Role::Workstation];
const SRV: &[Role] = &[Role::Server, Role::DomainController];
const ALL: &[Role] = &[
    Role::Workstation,
    Role::Server,
    Role::DomainController,
    Role::Mail,
    Role::Gateway,
];
const GW: &[Role] = &[Role::Gateway];
const MAIL: &[Role] = &[Role::Mail];
const DC: &[Role] = &[Role::DomainController];

macro_rules! det {
    ($code:expr, $title:expr, $src:expr, $sev:ident, $tech:expr, $rate:expr, $roles:expr, $burst:expr) => {
        Detector {
            code: $code,
            title: $title,
            source: $src,
            severity: Severity::$sev,
            technique: $tech,
            benign_rate: $rate,
            roles: $roles,
            burst: $burst,
        }
    };
}

/// Every detector: noisy false-positive sources first, then the ones the intrusion trips
/// (which also fire on benign activity at a low rate).
pub const DETECTORS: &[Detector] = &[
    det!(
        "IdP-Sig-Trv",
        "Impossible travel sign-in",
        "Entra ID",
        High,
        Some("T1078"),
        8.0,
        GW,
        1
    ),
    det!(
        "NDR-Scn-Prt",
        "Port scan detected",
        "Suricata",
        High,
        Some("T1046"),
        1.0,
        SRV,
        60
    ),
    det!(
        "AV-Mal-Pua",
        "Potentially unwanted application detected",
        "Defender AV",
        High,
        None,
        0.6,
        WS,
        1
    ),
    det!(
        "IdP-Aut-Brf",
        "Multiple failed sign-ins",
        "Entra ID",
        Medium,
        Some("T1110"),
        4.0,
        GW,
        3
    ),
    det!(
        "NDR-Dns-Tld",
        "DNS query to a rare top-level domain",
        "Suricata",
        Medium,
        Some("T1071.004"),
        3.0,
        WS,
        1
    ),
    det!(
        "WAF-Web-400",
        "Burst of HTTP 4xx responses",
        "ModSecurity",
        Medium,
        Some("T1595.003"),
        8.0,
        &[Role::Server],
        8
    ),
    det!(
        "EDR-Sys-Upd",
        "Software update modified system binaries",
        "Defender XDR",
        Low,
        None,
        1.5,
        ALL,
        2
    ),
    det!(
        "Mail-Spm-Blk",
        "Spam campaign blocked",
        "Exchange Online",
        Low,
        Some("T1566"),
        40.0,
        MAIL,
        4
    ),
    det!(
        "AV-Sig-Upd",
        "Antivirus signature update failed",
        "Defender AV",
        Info,
        None,
        0.4,
        ALL,
        1
    ),
    det!(
        "EDR-Net-Con",
        "Connection to newly registered domain",
        "Defender XDR",
        Medium,
        Some("T1071.001"),
        0.8,
        WS,
        1
    ),
    // Detectors the intrusion trips; they also fire on benign activity now and then.
    det!(
        "Mail-Att-Mac",
        "Office attachment with macro delivered",
        "Exchange Online",
        Low,
        Some("T1566.001"),
        1.0,
        MAIL,
        1
    ),
    det!(
        "EDR-Exe-Ps1",
        "Encoded PowerShell command line",
        "Defender XDR",
        Medium,
        Some("T1059.001"),
        0.08,
        WS,
        1
    ),
    det!(
        "EDR-Per-Tsk",
        "Scheduled task created",
        "Defender XDR",
        Low,
        Some("T1053.005"),
        0.15,
        ALL,
        1
    ),
    det!(
        "EDR-Crd-Lsa",
        "Process accessed LSASS memory",
        "Defender XDR",
        Medium,
        Some("T1003.001"),
        0.03,
        SRV,
        1
    ),
    det!(
        "EDR-Dsc-Acc",
        "Domain account enumeration",
        "Defender XDR",
        Low,
        Some("T1087.002"),
        0.05,
        WS,
        1
    ),
    det!(
        "EDR-Lat-Smb",
        "Remote service created over SMB",
        "Defender XDR",
        Medium,
        Some("T1021.002"),
        0.04,
        SRV,
        1
    ),
    det!(
        "DC-Aut-Krb",
        "Kerberos service ticket for many services",
        "Defender for Identity",
        Low,
        Some("T1558.003"),
        0.05,
        DC,
        1
    ),
    det!(
        "NDR-Exf-Vol",
        "Unusual outbound data volume",
        "Suricata",
        Low,
        Some("T1041"),
        0.2,
        GW,
        1
    ),
];

/// Index of a detector by code.
pub fn detector(code: &str) -> Option<&'static Detector> {
    DETECTORS.iter().find(|d| d.code == code)
}

/// Where an intrusion step lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The victim's workstation.
    Victim,
    /// A second workstation the attacker moves to.
    Second,
    /// A server.
    Server,
    /// The domain controller.
    Dc,
    /// The mail gateway.
    Mail,
    /// The internet gateway.
    Gateway,
}

/// One stage of the intrusion (an attack phase).
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    /// Phase name.
    pub phase: &'static str,
    /// Minutes after the previous stage began (before jitter).
    pub after_min: f64,
    /// Detector codes that fire, with how many alerts each.
    pub alerts: &'static [(&'static str, u32)],
    /// Where.
    pub target: Target,
    /// Minutes the stage's alerts spread over.
    pub spread_min: f64,
}

/// The multi-stage intrusion, ATT&CK-mapped through its detectors' techniques.
pub const INTRUSION: &[Stage] = &[
    Stage {
        phase: "initial_access",
        after_min: 0.0,
        alerts: &[("Mail-Att-Mac", 1)],
        target: Target::Mail,
        spread_min: 1.0,
    },
    Stage {
        phase: "execution",
        after_min: 25.0,
        alerts: &[("EDR-Exe-Ps1", 2)],
        target: Target::Victim,
        spread_min: 3.0,
    },
    Stage {
        phase: "persistence",
        after_min: 10.0,
        alerts: &[("EDR-Per-Tsk", 1)],
        target: Target::Victim,
        spread_min: 1.0,
    },
    Stage {
        phase: "discovery",
        after_min: 90.0,
        alerts: &[("EDR-Dsc-Acc", 4), ("EDR-Net-Con", 1)],
        target: Target::Victim,
        spread_min: 20.0,
    },
    Stage {
        phase: "credential_access",
        after_min: 240.0,
        alerts: &[("EDR-Crd-Lsa", 2), ("DC-Aut-Krb", 3)],
        target: Target::Dc,
        spread_min: 15.0,
    },
    Stage {
        phase: "lateral_movement",
        after_min: 120.0,
        alerts: &[("EDR-Lat-Smb", 3)],
        target: Target::Server,
        spread_min: 30.0,
    },
    Stage {
        phase: "exfiltration",
        after_min: 600.0,
        alerts: &[("NDR-Exf-Vol", 4), ("NDR-Dns-Tld", 6)],
        target: Target::Gateway,
        spread_min: 60.0,
    },
];
