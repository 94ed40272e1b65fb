//! What a hosting device says about its workshop on the LAN: the charter's
//! id and title and the host's name, carried in the mDNS record's user data
//! (iroh's `UserData`, at most 245 bytes) only while the workshop is hosted.
//!
//! Nothing secret travels here: anyone on the network can read it, which is
//! the point. Admission is decided by knocking ([`super::door`]).

use iroh::address_lookup::UserData;
use serde::{Deserialize, Serialize};

/// The version tag that tells a Guild workshop from other user data.
const TAG: u32 = 1;

/// The longest title and host name kept before fitting the record.
const MAX_TITLE: usize = 80;
const MAX_HOST: usize = 40;

/// A workshop as it is announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The charter's document id.
    pub doc: String,
    /// The charter's title.
    pub title: String,
    /// The host's name.
    pub host: String,
}

/// The announcement's wire shape: short keys, so long titles fit.
#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(rename = "gw")]
    tag: u32,
    #[serde(rename = "d")]
    doc: String,
    #[serde(rename = "t")]
    title: String,
    #[serde(rename = "h")]
    host: String,
}

impl Announcement {
    /// The mDNS user data: the title (then the host's name) shortened until
    /// the record fits; `None` only if the charter id alone is too long.
    pub fn to_user_data(&self) -> Option<UserData> {
        let mut title: String = self.title.chars().take(MAX_TITLE).collect();
        let mut host: String = self.host.chars().take(MAX_HOST).collect();
        loop {
            let record = Record {
                tag: TAG,
                doc: self.doc.clone(),
                title: title.clone(),
                host: host.clone(),
            };
            let text = serde_json::to_string(&record).ok()?;
            if let Ok(data) = UserData::try_from(text) {
                return Some(data);
            }
            if title.pop().is_none() && host.pop().is_none() {
                return None;
            }
        }
    }

    /// Reads a peer's user data; `None` when it is not a Guild workshop.
    pub fn from_user_data(data: &UserData) -> Option<Self> {
        let record: Record = serde_json::from_str(data.as_ref()).ok()?;
        (record.tag == TAG && !record.doc.is_empty()).then_some(Self {
            doc: record.doc,
            title: record.title,
            host: record.host,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_announcement_reads_back_and_a_long_title_is_shortened_to_fit() {
        let short = Announcement {
            doc: "2BsRYgYVWFVpuWvAwBw6R3nvSHvt".into(),
            title: "Data CoP".into(),
            host: "Ana Lima".into(),
        };
        let data = short.to_user_data().unwrap();
        assert_eq!(Announcement::from_user_data(&data), Some(short.clone()));

        let long = Announcement {
            title: "ü".repeat(300),
            host: "Ben \"the facilitator\" Okafor".repeat(5),
            ..short
        };
        let data = long.to_user_data().unwrap();
        let read = Announcement::from_user_data(&data).unwrap();
        assert!(data.as_ref().len() <= UserData::MAX_LENGTH);
        assert!(read.title.chars().all(|c| c == 'ü') && !read.title.is_empty());
        assert_eq!(read.doc, long.doc);
    }

    #[test]
    fn other_user_data_is_not_a_workshop() {
        for text in [
            "hello",
            "{\"gw\":2,\"d\":\"x\",\"t\":\"\",\"h\":\"\"}",
            "{}",
        ] {
            let data = UserData::try_from(text.to_owned()).unwrap();
            assert_eq!(Announcement::from_user_data(&data), None, "{text}");
        }
    }
}
