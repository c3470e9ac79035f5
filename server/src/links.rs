//! Signed image links: the proxy signs each image link its upstream answers with, and the
//! fetch-through fetches only a link whose signature holds. A signature is checked with the
//! secret alone, with no record of what was passed on, so replicas that share the secret accept
//! each other's links, and nothing grows with the links handed out.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use easel_contract::profiles::LinkSignature;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The shortest `--link-secret` taken: as many characters as a 128-bit secret in hex.
pub const SHORTEST_LINK_SECRET: usize = 32;

/// The key of the links' HMAC-SHA256.
#[derive(Clone)]
pub struct LinkSecret(Arc<[u8]>);

impl LinkSecret {
    /// A secret of this process alone: its links work only on this replica.
    pub fn random() -> LinkSecret {
        let mut key = [0; 32];
        getrandom::getrandom(&mut key).expect("the operating system gives random bytes");
        LinkSecret(Arc::new(key))
    }

    /// A secret that replicas share; [`SHORTEST_LINK_SECRET`] characters at least (the command
    /// line checks).
    pub fn shared(text: &str) -> LinkSecret {
        LinkSecret(text.as_bytes().into())
    }

    /// The signature of `link`, valid until `expires` (seconds since the Unix epoch).
    pub fn sign(&self, link: &str, expires: i64) -> LinkSignature {
        let signature = URL_SAFE_NO_PAD.encode(self.mac(link, expires).finalize().into_bytes());
        LinkSignature { expires, signature }
    }

    /// Whether `signature` is this secret's for `link` until `expires`, and `expires` is after
    /// `now`. The comparison takes the same time however much of a forgery is right.
    pub fn holds(&self, link: &str, expires: i64, signature: &str, now: i64) -> bool {
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        expires > now && self.mac(link, expires).verify_slice(&signature).is_ok()
    }

    fn mac(&self, link: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        // The expiry has no newline, so no other (expiry, link) pair signs the same bytes.
        mac.update(format!("{expires}\n{link}").as_bytes());
        mac
    }
}

impl fmt::Debug for LinkSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("LinkSecret(hidden)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://host.example/image.png?sig=abc";

    #[test]
    fn a_signature_holds_for_its_link_until_it_expires_and_for_nothing_else() {
        let secret = LinkSecret::shared("a secret the replicas share, 32+ chars");
        let LinkSignature { expires, signature } = secret.sign(LINK, 1_000);
        assert!(secret.holds(LINK, expires, &signature, 999));
        assert!(!secret.holds(LINK, expires, &signature, 1_000), "expired");
        assert!(!secret.holds(LINK, expires + 1, &signature, 999), "another expiry");
        assert!(!secret.holds(&format!("{LINK}&x=1"), expires, &signature, 999), "another link");
        assert!(!secret.holds(LINK, expires, &signature[1..], 999), "a shortened signature");
        assert!(!secret.holds(LINK, expires, "not base64!", 999));
        let other = LinkSecret::shared("another secret, of another server..");
        assert!(!other.holds(LINK, expires, &signature, 999), "another secret");
        assert!(!LinkSecret::random().holds(LINK, expires, &signature, 999));
        assert_eq!(format!("{secret:?}"), "LinkSecret(hidden)");
    }
}
