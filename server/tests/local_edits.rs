//! The local endpoint edits as Azure does: multipart on both URL shapes, its picture the first
//! image with the masked area repainted (so a test can tell inside from outside), and Azure's
//! answers to each file it refuses. Checked through the router with tower's `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::Engine;
use easel_contract::api_error::ErrorEnvelope;
use easel_contract::response::{ImageSource, ImagesResponse};
use easel_server::{app, Backend, Config, LocalEndpointConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

const ON_DEPLOYMENT: &str = "/openai/deployments/gpt-image-1/images/edits?api-version=2025-04-01-preview";
const ON_V1: &str = "/openai/v1/images/edits?api-version=preview";
const BOUNDARY: &str = "easel-test-boundary";

/// A part of a multipart body: a text field, or a file with its name and type.
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, Vec<u8>),
}

fn edit(path: &str, parts: Vec<Part>) -> Request<Body> {
    let mut body = Vec::new();
    for part in parts {
        body.extend(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, text) => {
                body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{text}\r\n").as_bytes());
            }
            Part::File(name, file, kind, bytes) => {
                let head = format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {kind}\r\n\r\n"
                );
                body.extend(head.as_bytes());
                body.extend(bytes);
                body.extend(b"\r\n");
            }
        }
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post(path)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("host", "127.0.0.1:9")
        .header("api-key", "any")
        .body(Body::from(body))
        .unwrap()
}

fn server() -> Router {
    app(Config::new("no-dist-in-these-tests", Backend::Local(LocalEndpointConfig::default())))
}

async fn call(request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let (parts, body) = server().oneshot(request).await.unwrap().into_parts();
    (parts.status, body.collect().await.unwrap().to_bytes().to_vec())
}

/// An 8-bit PNG of `width`×`height` in `colour` (RGB or RGBA), each pixel from `pixel(x, y)`.
fn png(width: u32, height: u32, colour: png::ColorType, pixel: impl Fn(u32, u32) -> Vec<u8>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let pixel = &pixel;
    let data: Vec<u8> = (0..height).flat_map(|y| (0..width).flat_map(move |x| pixel(x, y))).collect();
    encoder.write_header().unwrap().write_image_data(&data).unwrap();
    bytes
}

/// A photo-like input: a gradient no repaint draws by chance.
fn photo(width: u32, height: u32) -> Vec<u8> {
    png(width, height, png::ColorType::Rgb, |x, y| vec![(x * 3) as u8, (y * 5) as u8, ((x + y) % 256) as u8])
}

/// A mask that marks the left half of a `width`×`height` image to change (alpha 0 there).
fn left_half_mask(width: u32, height: u32) -> Vec<u8> {
    png(width, height, png::ColorType::Rgba, move |x, _| vec![0, 0, 0, if x < width / 2 { 0 } else { 255 }])
}

fn rgb_pixels(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    pixels.truncate(frame.buffer_size());
    (frame.width, frame.height, pixels)
}

fn first_image(answer: &[u8]) -> Vec<u8> {
    let answer: ImagesResponse = serde_json::from_slice(answer).unwrap();
    let Some(ImageSource::Base64(data)) = answer.data[0].source() else { panic!("no image data") };
    base64::engine::general_purpose::STANDARD.decode(data).unwrap()
}

#[tokio::test]
async fn a_masked_edit_repaints_inside_the_mask_and_keeps_every_pixel_outside_on_both_url_shapes() {
    let (width, height) = (96, 64);
    let input = photo(width, height);
    for (path, model) in [(ON_DEPLOYMENT, None), (ON_V1, Some("gpt-image-1"))] {
        let mut parts = vec![
            Part::File("image", "photo.png", "image/png", input.clone()),
            Part::File("mask", "mask.png", "image/png", left_half_mask(width, height)),
            Part::Text("prompt", "a red kite over the dunes"),
        ];
        if let Some(model) = model {
            parts.push(Part::Text("model", model));
        }
        let (status, body) = call(edit(path, parts)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&body));
        let (out_width, out_height, edited) = rgb_pixels(&first_image(&body));
        let (_, _, original) = rgb_pixels(&input);
        assert_eq!((out_width, out_height), (width, height), "the input's size");
        let (mut inside, mut changed_inside) = (0, 0);
        for y in 0..height {
            for x in 0..width {
                let at = ((y * width + x) * 3) as usize;
                let (was, is) = (&original[at..at + 3], &edited[at..at + 3]);
                if x < width / 2 {
                    inside += 1;
                    changed_inside += usize::from(was != is);
                } else {
                    assert_eq!(was, is, "{path}: pixel ({x}, {y}) outside the mask changed");
                }
            }
        }
        assert!(changed_inside * 10 >= inside * 9, "{path}: {changed_inside} of {inside} masked pixels changed");
        let answer: ImagesResponse = serde_json::from_slice(&body).unwrap();
        let usage = answer.usage.unwrap();
        assert_eq!(usage.input_tokens_details.unwrap().image_tokens, 65, "one 512-pixel tile");
        assert_eq!(answer.size.map(|size| size.to_string()).as_deref(), Some("96x64"));
    }
}

#[tokio::test]
async fn several_images_and_no_mask_give_the_first_image_visibly_changed_as_a_jpeg_if_asked() {
    let parts = vec![
        Part::File("image[]", "a.png", "image/png", photo(64, 64)),
        Part::File("image[]", "b.png", "image/png", photo(32, 32)),
        Part::Text("prompt", "a collage"),
        Part::Text("output_format", "jpeg"),
        Part::Text("n", "2"),
    ];
    let (status, body) = call(edit(ON_DEPLOYMENT, parts)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let answer: ImagesResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer.data.len(), 2);
    assert_eq!(&first_image(&body)[..3], [0xFF, 0xD8, 0xFF], "JPEG was asked for");
    assert_eq!(answer.usage.unwrap().input_tokens_details.unwrap().image_tokens, 130, "two images of one tile");
}

#[tokio::test]
async fn each_edit_azure_refuses_gets_its_answer_before_anything_is_drawn() {
    let (width, height) = (64, 64);
    let image = || Part::File("image", "photo.png", "image/png", photo(width, height));
    let prompt = || Part::Text("prompt", "a fox");
    let rgb_mask = png(width, height, png::ColorType::Rgb, |_, _| vec![0, 0, 0]);
    let too_large = [photo(width, height), vec![0; 50 * 1024 * 1024]].concat();
    let seventeen: Vec<Part> =
        (0..17).map(|_| Part::File("image[]", "photo.png", "image/png", photo(8, 8))).chain([prompt()]).collect();
    let gpt_image_2 = "/openai/deployments/gpt-image-2/images/edits?api-version=2025-04-01-preview";
    for (path, parts, status, code, words) in [
        (ON_DEPLOYMENT, vec![prompt()], 400, "missing_required_parameter", "Missing required parameter: 'image'."),
        (
            ON_DEPLOYMENT,
            vec![image(), Part::File("mask", "m.png", "image/png", left_half_mask(32, 32)), prompt()],
            400,
            "invalid_value",
            "Invalid mask image format - mask size does not match image size",
        ),
        (
            ON_DEPLOYMENT,
            vec![image(), Part::File("mask", "m.png", "image/png", rgb_mask), prompt()],
            400,
            "invalid_value",
            "Invalid mask image format - mask image missing alpha channel",
        ),
        (
            ON_DEPLOYMENT,
            seventeen,
            400,
            "invalid_value",
            "Invalid 'image': 17 images were given; an edit takes at most 16.",
        ),
        (
            ON_DEPLOYMENT,
            vec![Part::File("image", "p.webp", "image/webp", b"RIFF\0\0\0\0WEBPVP8 ".to_vec()), prompt()],
            400,
            "invalid_image_file",
            "Invalid image file or mode for image 1, please check your image file.",
        ),
        (
            ON_DEPLOYMENT,
            vec![Part::File("image", "huge.png", "image/png", too_large), prompt()],
            400,
            "invalid_value",
            "Invalid 'image': image 1 is too large; each image must be less than 50 MB.",
        ),
        (
            "/openai/deployments/dall-e-3/images/edits?api-version=2025-04-01-preview",
            vec![image(), prompt()],
            400,
            "OperationNotSupported",
            "The imageEdit operation does not work with the specified model, dall-e-3.",
        ),
        (
            gpt_image_2,
            vec![image(), prompt(), Part::Text("input_fidelity", "high")],
            400,
            "invalid_input_fidelity_model",
            "The model 'gpt-image-2' does not support the 'input_fidelity' parameter.",
        ),
        (
            "/openai/deployments/gpt-image-1/images/edits?api-version=2024-02-01",
            vec![image(), prompt()],
            404,
            "404",
            "Resource not found",
        ),
    ] {
        let (answered, body) = call(edit(path, parts)).await;
        let error: ErrorEnvelope = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("not Azure's error shape: {}", String::from_utf8_lossy(&body)));
        assert_eq!((answered.as_u16(), error.error.code.as_deref()), (status, Some(code)), "{words}");
        assert!(error.error.message.starts_with(words), "{}", error.error.message);
    }
}

#[tokio::test]
async fn an_edit_sent_as_json_is_refused_in_azures_shape() {
    let request = Request::post(ON_DEPLOYMENT)
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:9")
        .header("api-key", "any")
        .body(Body::from(r#"{"prompt":"a fox"}"#))
        .unwrap();
    let (status, body) = call(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: ErrorEnvelope = serde_json::from_slice(&body).unwrap();
    assert!(error.error.message.contains("multipart/form-data"), "{}", error.error.message);
}
