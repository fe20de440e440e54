//! Entities named by an alert.

use serde::{Deserialize, Serialize};

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityKind {
    /// A user account.
    User,
    /// A host or device.
    Host,
    /// An IP address (v4 or v6).
    Ip,
    /// A process.
    Process,
    /// A file (path or name).
    File,
    /// A file hash.
    Hash,
    /// A DNS domain.
    Domain,
    /// A URL.
    Url,
    /// A mailbox or mail message.
    Mailbox,
    /// A cloud resource (application, bucket, subscription, ...).
    CloudResource,
    /// Anything else.
    Other,
}

impl EntityKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntityKind; 11] = [
        Self::User,
        Self::Host,
        Self::Ip,
        Self::Process,
        Self::File,
        Self::Hash,
        Self::Domain,
        Self::Url,
        Self::Mailbox,
        Self::CloudResource,
        Self::Other,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Host => "host",
            Self::Ip => "ip",
            Self::Process => "process",
            Self::File => "file",
            Self::Hash => "hash",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Mailbox => "mailbox",
            Self::CloudResource => "cloud_resource",
            Self::Other => "other",
        }
    }
}

/// The part an entity plays in the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityRole {
    /// The entity that acted (source IP, attacking user).
    Actor,
    /// The entity acted upon (target host, victim user).
    Impacted,
    /// Related evidence.
    #[default]
    Related,
}

/// One entity: its kind, its value, its role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entity {
    /// What kind of thing it is.
    pub kind: EntityKind,
    /// Its identifier as the source gave it.
    pub value: String,
    /// Its role in the alert.
    #[serde(default)]
    pub role: EntityRole,
}

impl Entity {
    /// A new entity.
    pub fn new(kind: EntityKind, value: impl Into<String>, role: EntityRole) -> Self {
        Self {
            kind,
            value: value.into(),
            role,
        }
    }
}
