"""The official OpenAI Python SDK's AzureOpenAI client, unchanged, against the local endpoint.

Run by openai_sdk.rs with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION set.
"""
import base64

from openai import AzureOpenAI, BadRequestError

client = AzureOpenAI(max_retries=0)
passed = 0

answer = client.images.generate(model="dall-e-3", prompt="a lighthouse at dawn", size="1792x1024", n=1)
assert answer.data[0].url.startswith("http://"), answer
assert answer.data[0].revised_prompt.startswith("A lighthouse at dawn"), answer
passed += 1

answer = client.images.generate(
    model="dall-e-3", prompt="a fox in snow", response_format="b64_json", quality="hd", style="natural"
)
png = base64.b64decode(answer.data[0].b64_json)
assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
assert int.from_bytes(png[16:20], "big") == 1024, "width from the IHDR chunk"
passed += 1

try:
    client.images.generate(model="dall-e-3", prompt="a fox [fault:filter-prompt]")
    raise AssertionError("the content filter should have refused the prompt")
except BadRequestError as error:
    assert error.status_code == 400, error
    assert error.code == "contentFilter", error.body
    assert "safety system" in error.message, error.message
passed += 1

print(f"openai SDK: {passed} passed, 0 failed")
