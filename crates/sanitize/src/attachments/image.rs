//! Images re-encoded from pixels: EXIF/XMP/ICC, comments and trailing data are all left behind.
//! Decoding is bounded by width, height, pixel count and allocation limits.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use crate::policy::ImageLimits;

pub(crate) struct Reencoded {
    pub bytes: Vec<u8>,
    pub extension: &'static str,
    pub content_type: &'static str,
}

pub(crate) fn reencode(bytes: &[u8], limits: &ImageLimits) -> Result<Reencoded, &'static str> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "unreadable")?;
    let format = reader.format().ok_or("unknown image format")?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err("only PNG and JPEG can be re-encoded");
    }
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(|_| "unreadable")?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err("too many pixels");
    }
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| "unreadable")?;
    if let Some(o) = orientation {
        // The EXIF orientation is dropped with the metadata, so apply it to the pixels.
        img.apply_orientation(o);
    }
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let rgb = img.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, limits.jpeg_quality)
                .encode_image(&rgb)
                .map_err(|_| "encode failed")?;
            Ok(Reencoded {
                bytes: out,
                extension: "jpg",
                content_type: "image/jpeg",
            })
        }
        _ => {
            img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .map_err(|_| "encode failed")?;
            Ok(Reencoded {
                bytes: out,
                extension: "png",
                content_type: "image/png",
            })
        }
    }
}
