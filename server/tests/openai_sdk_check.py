"""The official OpenAI Python SDK's AzureOpenAI client, unchanged, against the local endpoint.

Run by openai_sdk.rs with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION set.
"""
import base64
import struct
import zlib

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


def png(width, height, channels, pixel):
    """An 8-bit PNG (RGB for 3 channels, RGBA for 4), each pixel's bytes from pixel(x, y)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# Edits take an api-version that has them; the SDK sends a list of images as image[] parts.
editor = AzureOpenAI(api_version="2025-04-01-preview", max_retries=0)
photo = png(48, 32, 3, lambda x, y: (x * 5, y * 7, 90))
mask = png(48, 32, 4, lambda x, y: (0, 0, 0, 0 if x < 24 else 255))
answer = editor.images.edit(
    model="gpt-image-1",
    image=[("photo.png", photo, "image/png"), ("reference.png", png(16, 16, 3, lambda x, y: (1, 2, 3)), "image/png")],
    mask=("mask.png", mask, "image/png"),
    prompt="a kite over the dunes",
)
edited = base64.b64decode(answer.data[0].b64_json)
assert edited[:8] == b"\x89PNG\r\n\x1a\n", edited[:8]
assert (int.from_bytes(edited[16:20], "big"), int.from_bytes(edited[20:24], "big")) == (48, 32), "the input's size"
assert answer.usage.input_tokens_details.image_tokens == 130, answer.usage
passed += 1

try:
    editor.images.edit(model="gpt-image-1", image=("photo.png", photo, "image/png"),
                       mask=("mask.png", png(8, 8, 4, lambda x, y: (0, 0, 0, 0)), "image/png"), prompt="a kite")
    raise AssertionError("a mask of another size should have been refused")
except BadRequestError as error:
    assert error.status_code == 400, error
    assert "mask size does not match image size" in error.message, error.message
passed += 1

print(f"openai SDK: {passed} passed, 0 failed")
