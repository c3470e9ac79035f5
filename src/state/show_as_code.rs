//! The exact request of the form, as a curl command and as an OpenAI Python SDK snippet, with
//! the credential replaced by the environment variable Azure's tools read, so a snippet can be
//! shared without the key.

use easel_contract::endpoint::{ApiPath, Target, V1_BASE_PATH};
use easel_contract::headers::{API_KEY_HEADER, AUTHORIZATION_HEADER, BEARER_PREFIX};
use easel_contract::request::ValidRequest;

/// `request` to `target` as a curl command.
pub fn curl(target: &Target, request: &ValidRequest) -> String {
    let mut lines = vec![format!("curl -X POST \"{}\"", target.generations_url())];
    for (name, value) in target.headers() {
        let value = match name {
            API_KEY_HEADER => "$AZURE_OPENAI_API_KEY".to_owned(),
            AUTHORIZATION_HEADER => format!("{BEARER_PREFIX}$AZURE_OPENAI_AD_TOKEN"),
            _ => value,
        };
        lines.push(format!("  -H \"{name}: {value}\""));
    }
    // In single quotes the shell expands nothing; a quote inside is closed, escaped, reopened.
    lines.push(format!("  -d '{}'", target.body(request).replace('\'', r"'\''")));
    lines.join(" \\\n")
}

/// `request` to `target` as a Python snippet for the official `openai` package.
pub fn python(target: &Target, request: &ValidRequest) -> String {
    let credential = target
        .headers()
        .iter()
        .find_map(|(name, _)| match *name {
            API_KEY_HEADER => Some(r#"api_key=os.environ["AZURE_OPENAI_API_KEY"]"#),
            AUTHORIZATION_HEADER => Some(r#"azure_ad_token=os.environ["AZURE_OPENAI_AD_TOKEN"]"#),
            _ => None,
        })
        .unwrap_or(r#"api_key="unused: the proxy adds the key""#);
    let client = match target.path() {
        ApiPath::Deployments => format!(
            "client = AzureOpenAI(\n    azure_endpoint={},\n    {credential},\n    api_version={},\n)",
            quoted(target.endpoint()),
            quoted(target.api_version()),
        ),
        ApiPath::V1 => format!(
            "client = OpenAI(\n    base_url={},\n    {},\n)",
            quoted(&format!("{}{V1_BASE_PATH}", target.endpoint())),
            credential.replace("azure_ad_token", "api_key"),
        ),
    };
    let import = match target.path() {
        ApiPath::Deployments => "from openai import AzureOpenAI",
        ApiPath::V1 => "from openai import OpenAI",
    };
    // The body's fields, in wire order, as keyword arguments; its JSON values (strings and
    // numbers) are Python literals as they stand.
    let Fields(fields) = serde_json::from_str(&request.to_json()).expect("a request is a JSON object");
    let mut arguments = vec![format!("    model={},", quoted(target.deployment()))];
    for (name, value) in fields {
        arguments.push(format!("    {name}={value},"));
    }
    format!("import os\n{import}\n\n{client}\n\nresult = client.images.generate(\n{}\n)\n", arguments.join("\n"))
}

/// A JSON object's fields in the order they were written (serde_json's own map sorts them).
struct Fields(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Fields;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use easel_contract::endpoint::{Auth, Connection};
    use easel_contract::model::DALL_E_3;
    use easel_contract::request::ImageRequest;

    const KEY: &str = "sk-very-secret-0042";

    fn target(auth: Auth, path: ApiPath) -> Target {
        Connection {
            endpoint: "https://my-resource.openai.azure.com".into(),
            deployment: "dall-e-3".into(),
            api_version: if path == ApiPath::V1 { "preview".into() } else { "2024-02-01".into() },
            path,
            auth,
        }
        .target()
        .unwrap()
    }

    fn request(prompt: &str) -> ValidRequest {
        ImageRequest { prompt: prompt.into(), n: Some(1), ..Default::default() }.validate(&DALL_E_3).unwrap()
    }

    #[test]
    fn curl_sends_exactly_the_request_with_the_key_from_the_environment() {
        let code = curl(&target(Auth::ApiKey(KEY.into()), ApiPath::Deployments), &request("it's a fox"));
        assert_eq!(
            code,
            "curl -X POST \"https://my-resource.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01\" \\\n  \
             -H \"api-key: $AZURE_OPENAI_API_KEY\" \\\n  \
             -H \"Content-Type: application/json\" \\\n  \
             -d '{\"prompt\":\"it'\\''s a fox\",\"n\":1}'"
        );
        let bearer = curl(&target(Auth::Bearer(KEY.into()), ApiPath::Deployments), &request("a fox"));
        assert!(bearer.contains("-H \"Authorization: Bearer $AZURE_OPENAI_AD_TOKEN\""), "{bearer}");
        assert!(!code.contains(KEY) && !bearer.contains(KEY));
    }

    #[test]
    fn python_uses_the_azure_client_with_the_same_parameters() {
        let code = python(&target(Auth::ApiKey(KEY.into()), ApiPath::Deployments), &request("a \"quoted\" fox"));
        assert_eq!(
            code,
            "import os\nfrom openai import AzureOpenAI\n\nclient = AzureOpenAI(\n    azure_endpoint=\"https://my-resource.openai.azure.com\",\n    \
             api_key=os.environ[\"AZURE_OPENAI_API_KEY\"],\n    api_version=\"2024-02-01\",\n)\n\n\
             result = client.images.generate(\n    model=\"dall-e-3\",\n    prompt=\"a \\\"quoted\\\" fox\",\n    n=1,\n)\n"
        );
        let v1 = python(&target(Auth::None, ApiPath::V1), &request("a fox"));
        assert!(
            v1.contains("from openai import OpenAI")
                && v1.contains("base_url=\"https://my-resource.openai.azure.com/openai/v1/\""),
            "{v1}"
        );
        assert!(v1.contains("unused: the proxy adds the key"), "{v1}");
        assert!(!code.contains(KEY));
    }
}
