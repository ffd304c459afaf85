//! What a video file is: frame size, duration, container and codecs, read with ffprobe.
//! Without ffprobe (or for a file it cannot read) the MP4/Matroska header reader in
//! `domain::media` gives frame size and duration; otherwise everything is unknown. An upload
//! never fails because of it.

use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MediaInfo {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_seconds: Option<f64>,
    pub container: Option<String>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
}

impl MediaInfo {
    /// The folder label for the frame size (`1080p`, ...), `unknown` when not known.
    pub fn resolution_label(&self) -> String {
        domain::upload::resolution_label(self.width.unwrap_or(0), self.height.unwrap_or(0))
    }
}

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    streams: Vec<Stream>,
    format: Option<Format>,
}

#[derive(Deserialize)]
struct Stream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    #[serde(default)]
    disposition: Disposition,
}

#[derive(Deserialize, Default)]
struct Disposition {
    #[serde(default)]
    attached_pic: u8,
}

#[derive(Deserialize)]
struct Format {
    format_name: Option<String>,
    duration: Option<String>,
}

/// Reads ffprobe's `-print_format json -show_format -show_streams` output.
pub fn parse_ffprobe(json: &[u8]) -> Option<MediaInfo> {
    let out: Output = serde_json::from_slice(json).ok()?;
    // Cover art embedded in a file shows up as a video stream; skip it.
    let video = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video") && s.disposition.attached_pic == 0);
    let audio = out
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("audio"));
    let format = out.format.as_ref();
    Some(MediaInfo {
        width: video.and_then(|v| v.width).filter(|w| *w > 0),
        height: video.and_then(|v| v.height).filter(|h| *h > 0),
        duration_seconds: format
            .and_then(|f| f.duration.as_deref())
            .and_then(|d| d.parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d >= 0.0),
        container: format
            .and_then(|f| f.format_name.as_deref())
            .map(container_name),
        video_codec: video.and_then(|v| v.codec_name.clone()),
        audio_codec: audio.and_then(|a| a.codec_name.clone()),
    })
}

/// ffprobe names demuxers, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm"; we keep the
/// names the header reader uses for the two families it knows.
fn container_name(demuxers: &str) -> String {
    let names: Vec<&str> = demuxers.split(',').collect();
    if names.contains(&"mp4") {
        "mp4".into()
    } else if names.contains(&"matroska") {
        "matroska".into()
    } else {
        names[0].to_owned()
    }
}

/// Probes `path` with ffprobe, else with the header reader.
pub async fn probe(path: &Path, timeout: Duration) -> MediaInfo {
    probe_with("ffprobe", path, timeout).await
}

/// Probes with the given ffprobe program (tests pass a missing one to exercise the fallback).
pub async fn probe_with(program: &str, path: &Path, timeout: Duration) -> MediaInfo {
    match ffprobe(program, path, timeout).await {
        Some(info) if info != MediaInfo::default() => info,
        _ => {
            let path = path.to_path_buf();
            tokio::task::spawn_blocking(move || read_header(&path))
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        }
    }
}

/// Frame size and duration from the container header.
fn read_header(path: &Path) -> Option<MediaInfo> {
    let mut file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let header = domain::media::read_header(&mut file)?;
    Some(MediaInfo {
        width: header.width,
        height: header.height,
        duration_seconds: header.duration_seconds,
        container: header.container.map(str::to_owned),
        video_codec: None,
        audio_codec: None,
    })
}

async fn ffprobe(program: &str, path: &Path, timeout: Duration) -> Option<MediaInfo> {
    let run = tokio::process::Command::new(program)
        // Plain files only (domain::media::probe::ffprobe_args).
        .args(domain::media::probe::ffprobe_args(&path.to_string_lossy()))
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(out)) if out.status.success() => parse_ffprobe(&out.stdout),
        Ok(Ok(out)) => {
            tracing::warn!(path = %path.display(), stderr = %String::from_utf8_lossy(&out.stderr).trim(), "ffprobe could not read the file");
            None
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "ffprobe is not available; reading the container header instead");
            None
        }
        Err(_) => {
            tracing::warn!(path = %path.display(), "ffprobe took too long; reading the container header instead");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ffprobe_json() {
        let json = br#"{
          "streams": [
            {"index":0,"codec_name":"mjpeg","codec_type":"video","width":600,"height":900,"disposition":{"attached_pic":1}},
            {"index":1,"codec_name":"h264","codec_type":"video","width":1920,"height":800,"disposition":{"attached_pic":0}},
            {"index":2,"codec_name":"aac","codec_type":"audio"}
          ],
          "format": {"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"5996.160000"}
        }"#;
        let info = parse_ffprobe(json).unwrap();
        assert_eq!(info.width, Some(1920));
        assert_eq!(info.height, Some(800));
        assert_eq!(info.resolution_label(), "1080p");
        assert_eq!(info.duration_seconds, Some(5996.16));
        assert_eq!(info.container.as_deref(), Some("mp4"));
        assert_eq!(info.video_codec.as_deref(), Some("h264"));
        assert_eq!(info.audio_codec.as_deref(), Some("aac"));
    }

    #[test]
    fn unknown_when_ffprobe_says_little() {
        let info = parse_ffprobe(br#"{"streams":[],"format":{"duration":"N/A"}}"#).unwrap();
        assert_eq!(info, MediaInfo::default());
        assert_eq!(info.resolution_label(), "unknown");
        assert!(parse_ffprobe(b"not json").is_none());
    }
}
