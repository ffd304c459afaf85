//! The upload protocol's HTTP calls, with the server's answers sorted into success or a
//! [`Failure`]: a refusal (the JSON error body) or a transport failure worth retrying.

use domain::api::{
    ChunkAccepted, FileDescription, FileStatus, LibraryInfo, UploadFinished, UploadState,
};
use domain::upload::client::{ChunkPlan, Failure};
use reqwest::Client;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// One server, one token.
#[derive(Clone)]
pub struct ApiClient {
    http: Client,
    base: String,
    token: String,
}

fn transport(e: reqwest::Error) -> Failure {
    // The chain says what actually happened (refused, reset, timed out).
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    Failure::Transport(text)
}

impl ApiClient {
    pub fn new(base: &str, token: &str) -> anyhow::Result<ApiClient> {
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A chunk of 64 MiB over a slow line takes a while; a stalled one must not hang.
            .read_timeout(Duration::from_secs(120))
            .user_agent(concat!("ott-upload/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(ApiClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn answer<T: DeserializeOwned>(res: reqwest::Response) -> Result<T, Failure> {
        let status = res.status();
        let text = res.text().await.map_err(transport)?;
        if status.is_success() {
            serde_json::from_str(&text).map_err(|e| {
                Failure::Transport(format!("the server's answer could not be read: {e}"))
            })
        } else {
            Err(Failure::refused(status.as_u16(), &text))
        }
    }

    /// A request to the server, authenticated with the token.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    async fn send<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, Failure> {
        Self::answer(req.send().await.map_err(transport)?).await
    }

    pub async fn libraries(&self) -> Result<Vec<LibraryInfo>, Failure> {
        Self::send(self.request(reqwest::Method::GET, "/api/libraries")).await
    }

    pub async fn check(
        &self,
        library: Option<i32>,
        files: &[FileDescription],
    ) -> Result<Vec<FileStatus>, Failure> {
        let body = serde_json::json!({ "library": library, "files": files });
        Self::send(
            self.request(reqwest::Method::POST, "/api/upload/check")
                .json(&body),
        )
        .await
    }

    pub async fn init(
        &self,
        library: Option<i32>,
        file: &FileDescription,
        imdb_id: &str,
    ) -> Result<UploadState, Failure> {
        let mut query = vec![
            ("type", "init".to_owned()),
            ("filename", file.filename.clone()),
            ("size", file.size.to_string()),
            ("lastModified", file.last_modified.to_string()),
            // Known already: an upload into a bucket library then goes straight to its place.
            ("imdbId", imdb_id.to_owned()),
        ];
        if let Some(id) = library {
            query.push(("library", id.to_string()));
        }
        // POST: init creates the upload (GET is kept for old clients, behind a header).
        Self::send(
            self.request(reqwest::Method::POST, "/api/upload")
                .query(&query),
        )
        .await
    }

    pub async fn chunk(
        &self,
        upload_id: &str,
        plan: ChunkPlan,
        bytes: Vec<u8>,
    ) -> Result<ChunkAccepted, Failure> {
        let sum = hex::encode(Sha256::digest(&bytes));
        self.chunk_summed(upload_id, plan, bytes, &sum).await
    }

    /// A chunk whose sha256 (`sum`, hex) the caller computed already.
    pub async fn chunk_summed(
        &self,
        upload_id: &str,
        plan: ChunkPlan,
        bytes: Vec<u8>,
        sum: &str,
    ) -> Result<ChunkAccepted, Failure> {
        let req = self
            .request(reqwest::Method::POST, "/api/upload")
            .query(&[
                ("type", "chunk"),
                ("uploadId", upload_id),
                ("chunkNr", &plan.chunk_nr.to_string()),
                ("offset", &plan.offset.to_string()),
                ("sha256", sum),
            ])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        Self::send(req).await
    }

    pub async fn end(
        &self,
        upload_id: &str,
        imdb_id: &str,
        mode: &str,
    ) -> Result<UploadFinished, Failure> {
        let req = self.request(reqwest::Method::POST, "/api/upload").query(&[
            ("type", "end"),
            ("uploadId", upload_id),
            ("imdbId", imdb_id),
            ("mode", mode),
        ]);
        Self::send(req).await
    }
}

/// `GET /api/search/movies`: candidates best first, and whether the first is clear.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Search {
    pub candidates: Vec<domain::identify::ranking::Ranked>,
    pub confident: bool,
}

impl ApiClient {
    /// `POST /api/movies`: the movie named by hand, to upload to while the movie database
    /// cannot tell it (the server looks it up later).
    pub async fn name_movie(
        &self,
        library: Option<i32>,
        named: &domain::api::NamedMovie,
    ) -> Result<domain::api::MovieLink, Failure> {
        let mut req = self
            .request(reqwest::Method::POST, "/api/movies")
            .json(named);
        if let Some(library) = library {
            req = req.query(&[("library", library)]);
        }
        Self::send(req).await
    }

    pub async fn search(&self, title: &str, year: Option<u16>) -> Result<Search, Failure> {
        let mut query = vec![("q", title.to_owned())];
        if let Some(y) = year {
            query.push(("year", y.to_string()));
        }
        Self::send(
            self.request(reqwest::Method::GET, "/api/search/movies")
                .query(&query),
        )
        .await
    }
}
