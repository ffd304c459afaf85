//! Posters resized for lists: a cover of 1000×1500 pixels is far more than a row of posters
//! on a phone needs. Each width is made once, from the library's cover, and kept in
//! `<data>/cache/posters/<library>/<imdb id>-<width>.jpg` until the cover changes.

use crate::error::Missing;
use crate::{ApiError, AppState};
use image::imageops::FilterType;
use std::path::{Path, PathBuf};

/// The widths posters are resized to (pages pick one with `srcset`).
pub const WIDTHS: [u32; 3] = [160, 320, 480];
/// JPEG quality of the resized posters: no visible loss at these sizes.
const QUALITY: u8 = 82;

/// The poster at `cover` resized to `width`, from the cache when it is not older than the
/// cover; the cover itself when it is no wider.
pub async fn resized(
    state: &AppState,
    cover: PathBuf,
    library_id: i32,
    imdb_id: &str,
    width: u32,
) -> Result<PathBuf, ApiError> {
    if !WIDTHS.contains(&width) {
        return Err(ApiError::bad_request(
            "invalid_width",
            format!("The width must be one of {WIDTHS:?}."),
        ));
    }
    let target = cache_of(state, library_id).join(format!("{imdb_id}-{width}.jpg"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(made), Some(source)) = (modified(&target), modified(&cover))
        && made >= source
    {
        return Ok(target);
    }
    let made = target.clone();
    tokio::task::spawn_blocking(move || resize(&cover, &made, width))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            tracing::warn!(error = %e, "could not resize a poster");
            ApiError::from(Missing::UnreadablePoster)
        })
}

/// Where the resized posters of a library are kept.
pub fn cache_of(state: &AppState, library_id: i32) -> PathBuf {
    state
        .config
        .cache_dir()
        .join("posters")
        .join(library_id.to_string())
}

/// Writes `cover` at `width` pixels wide to `target` (through a temp file); returns the path
/// to serve.
fn resize(cover: &Path, target: &Path, width: u32) -> Result<PathBuf, image::ImageError> {
    let img = image::ImageReader::open(cover)?
        .with_guessed_format()?
        .decode()?;
    if img.width() <= width {
        return Ok(cover.to_path_buf());
    }
    let height = (u64::from(img.height()) * u64::from(width) / u64::from(img.width())).max(1);
    let small = img
        .resize_exact(width, height as u32, FilterType::Triangle)
        .to_rgb8();
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.partial",
        target.file_name().unwrap_or_default().to_string_lossy()
    ));
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
            .encode_image(&small)?;
    }
    std::fs::rename(&tmp, target)?;
    Ok(target.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_is_made_smaller_keeping_its_shape() {
        let dir = tempfile::tempdir().unwrap();
        let cover = dir.path().join("cover.png");
        image::RgbImage::from_pixel(600, 900, image::Rgb([200, 30, 30]))
            .save(&cover)
            .unwrap();
        let target = dir.path().join("cache/tt1-160.jpg");
        assert_eq!(resize(&cover, &target, 160).unwrap(), target);
        let small = image::open(&target).unwrap();
        assert_eq!((small.width(), small.height()), (160, 240));
        // Narrower than asked: the cover itself.
        assert_eq!(
            resize(&cover, &dir.path().join("x.jpg"), 800).unwrap(),
            cover
        );
        // Not an image: an error, nothing written.
        std::fs::write(dir.path().join("bad.jpg"), b"<html>").unwrap();
        assert!(resize(&dir.path().join("bad.jpg"), &dir.path().join("y.jpg"), 160).is_err());
        assert!(!dir.path().join("y.jpg").exists());
    }
}
