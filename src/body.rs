//! Reading one response whole, within a size cap, so that a hostile or
//! broken server cannot make the client hold more than the cap in memory,
//! whatever it claims or streams.

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};

/// One attempt's response with its body fully read.
pub(crate) struct Buffered {
    pub status: StatusCode,
    pub version: reqwest::Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why a body could not be read.
pub(crate) enum ReadError {
    /// The connection failed or broke while reading.
    Transport(reqwest::Error),
    /// The body (announced or streamed) is larger than the cap. The
    /// response head is kept: its quota headers still count.
    TooLarge {
        status: StatusCode,
        headers: HeaderMap,
    },
}

/// Reads the body chunk by chunk and stops as soon as it passes `cap`.
pub(crate) async fn read(mut response: reqwest::Response, cap: u64) -> Result<Buffered, ReadError> {
    let status = response.status();
    let version = response.version();
    // Taken, not cloned: the response is consumed below anyway.
    let headers = std::mem::take(response.headers_mut());
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > cap) {
        return Err(ReadError::TooLarge { status, headers });
    }
    let capacity = announced.unwrap_or(0).min(cap);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if (body.len() + chunk.len()) as u64 > cap {
            return Err(ReadError::TooLarge { status, headers });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Buffered {
        status,
        version,
        headers,
        body: body.freeze(),
    })
}
