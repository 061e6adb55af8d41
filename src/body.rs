//! Reading one response whole, within a size cap, so that a hostile or
//! broken server cannot make the client hold more than the cap in memory,
//! whatever it claims or streams. Compressed answers arrive decompressed,
//! chunk by chunk, so the cap counts decompressed bytes and a compression
//! bomb stops at it.

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, HeaderMap};

use crate::retry::class::corrupt_encoding;

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
    /// The body's bytes are not what its encoding says (a broken gzip
    /// stream): it cannot be decompressed.
    Undecodable {
        status: StatusCode,
        headers: HeaderMap,
        error: reqwest::Error,
    },
}

/// Reads the body chunk by chunk and stops as soon as it passes `cap`.
///
/// With a known length (an answer as it is) the buffer is allocated once;
/// without one (a compressed answer, decompressed on the way) the chunks are
/// kept as they come and joined once at the end, so a large answer is never
/// copied into ever larger buffers.
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
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut length: u64 = 0;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) if corrupt_encoding(&error) => {
                return Err(ReadError::Undecodable {
                    status,
                    headers,
                    error,
                });
            }
            Err(error) => return Err(ReadError::Transport(error)),
        };
        length += chunk.len() as u64;
        if length > cap {
            return Err(ReadError::TooLarge { status, headers });
        }
        chunks.push(chunk);
    }
    let body = match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut joined = BytesMut::with_capacity(usize::try_from(length).unwrap_or(0));
            for chunk in chunks {
                joined.extend_from_slice(&chunk);
            }
            joined.freeze()
        }
    };
    Ok(Buffered {
        status,
        version,
        headers,
        body,
    })
}
