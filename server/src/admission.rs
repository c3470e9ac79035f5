//! Which requests the proxy answers at all, read from their head alone: one that names this
//! server as its host, from this server's own page or an origin it is told to allow. Any web
//! page a user visits can send a request to a server on their machine; without these rules it
//! could spend the server's key and read what comes back.

use std::net::SocketAddr;

use axum::http::{header, HeaderMap, HeaderValue, Uri};

/// The host names a request may give (its `Host`, or an HTTP/2 `:authority`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// Listening on every address (0.0.0.0), the server cannot know the names it is reached by;
    /// the command line then requires the access token, which a rebound page does not have.
    Any,
    /// The listening address itself, and `localhost` on loopback, each with the port.
    Only(Vec<String>),
}

impl Hosts {
    /// The names a server listening on `listen` answers to.
    pub fn of(listen: SocketAddr) -> Hosts {
        if listen.ip().is_unspecified() {
            return Hosts::Any;
        }
        let port = listen.port();
        let mut names = vec![listen.to_string()];
        if listen.ip().is_loopback() {
            names.push(format!("localhost:{port}"));
        }
        // A browser leaves out the scheme's default port.
        if port == 80 {
            names.extend(names.clone().iter().filter_map(|name| name.strip_suffix(":80")).map(str::to_owned));
        }
        Hosts::Only(names)
    }

    /// Whether a request naming `host` is meant for this server.
    pub fn accepts(&self, host: &str) -> bool {
        match self {
            Hosts::Any => true,
            Hosts::Only(names) => names.iter().any(|name| name.eq_ignore_ascii_case(host)),
        }
    }
}

/// The host a request names: its `Host` header, or the authority of its target (HTTP/2).
pub fn host_of<'a>(headers: &'a HeaderMap, uri: &'a Uri) -> Option<&'a str> {
    headers.get(header::HOST).and_then(|host| host.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()))
}

/// Where a request comes from, as the browser tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A page of this server's own origin, or no page at all (a command-line client).
    OwnPage,
    /// A page of an origin the server allows.
    Allowed,
    /// Any other page; the origin is named when the browser gives it.
    Refused(String),
}

/// The origins besides its own whose pages may call the proxy, as browsers write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(Vec<String>);

impl Origins {
    /// Reads each of `origins` (`https://app.example`, `http://localhost:3000`), or says which
    /// one is not an origin.
    pub fn read(origins: &[String]) -> Result<Origins, String> {
        let read = |text: &String| {
            let url = reqwest::Url::parse(text.trim()).ok().filter(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.path() == "/"
                    && url.query().is_none()
                    && url.fragment().is_none()
                    && url.username().is_empty()
            });
            url.map(|url| url.origin().ascii_serialization()).ok_or_else(|| {
                format!("\"{text}\" is not an origin such as https://app.example (scheme, host, port only)")
            })
        };
        origins.iter().map(read).collect::<Result<_, _>>().map(Origins)
    }

    /// The origins, as browsers send them in `Origin`.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Who sends a request with `headers` to a server reached as `host`.
    pub fn caller(&self, headers: &HeaderMap, host: &str) -> Caller {
        let Some(origin) = headers.get(header::ORIGIN) else {
            // Without `Origin`, a browser still says whether another site's page sent it (an
            // `<img>` pointed at the fetch-through, say).
            let site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
            return match site {
                Some(b"cross-site" | b"same-site") => Caller::Refused("another site".to_owned()),
                _ => Caller::OwnPage,
            };
        };
        let origin = origin.to_str().unwrap_or_default();
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        if authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host)) {
            Caller::OwnPage
        } else if self.0.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)) {
            Caller::Allowed
        } else {
            Caller::Refused(origin.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_answers_to_the_address_it_listens_on_and_localhost_on_loopback() {
        let loopback = Hosts::of("127.0.0.1:8080".parse().unwrap());
        for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080"] {
            assert!(loopback.accepts(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8080", "127.0.0.1:8081", "127.0.0.1", "localhost", ""] {
            assert!(!loopback.accepts(host), "{host}");
        }
        let v6 = Hosts::of("[::1]:8080".parse().unwrap());
        assert!(v6.accepts("[::1]:8080") && v6.accepts("localhost:8080"));
        let lan = Hosts::of("192.168.1.5:80".parse().unwrap());
        assert!(lan.accepts("192.168.1.5") && lan.accepts("192.168.1.5:80"));
        assert!(!lan.accepts("localhost:80"), "localhost is another machine's name for itself");
        assert_eq!(Hosts::of("0.0.0.0:8080".parse().unwrap()), Hosts::Any);
    }

    #[test]
    fn only_the_own_page_and_allowed_origins_may_call() {
        let origins = Origins::read(&["https://App.example/".to_owned(), "http://localhost:3000".to_owned()]).unwrap();
        assert_eq!(origins.as_slice(), ["https://app.example", "http://localhost:3000"]);
        let caller = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            origins.caller(&headers, "127.0.0.1:8080")
        };
        assert_eq!(caller(&[]), Caller::OwnPage, "curl, or a same-origin GET");
        assert_eq!(caller(&[("origin", "http://127.0.0.1:8080")]), Caller::OwnPage);
        assert_eq!(caller(&[("origin", "https://app.example")]), Caller::Allowed);
        assert_eq!(caller(&[("origin", "http://localhost:3000")]), Caller::Allowed);
        for origin in ["https://evil.example", "null", "http://app.example", "http://127.0.0.1:8081"] {
            assert_eq!(caller(&[("origin", origin)]), Caller::Refused(origin.to_owned()), "{origin}");
        }
        assert_eq!(caller(&[("sec-fetch-site", "cross-site")]), Caller::Refused("another site".to_owned()));
        assert_eq!(caller(&[("sec-fetch-site", "same-origin")]), Caller::OwnPage);
        for bad in ["app.example", "https://app.example/path", "https://app.example?x", "null", "ftp://x"] {
            assert!(Origins::read(&[bad.to_owned()]).unwrap_err().contains("is not an origin"), "{bad}");
        }
    }
}
