//! What the hand-written layer adds beyond the generated operations, as
//! methods of [`Client`](crate::Client) (no trait to import):
//!
//! * [`Client::list_all_clients`](crate::Client::list_all_clients): every
//!   page of a list, one request a page ([`AllClients`], [`Listing`]);
//! * [`Client::create_client_if_missing`](crate::Client::create_client_if_missing):
//!   the client of a name, or a new one, race and retries included
//!   ([`EnsureClient`], [`Ensured`]);
//! * names as the service compares them ([`same_name`], [`name_key`]) and the
//!   list's filters applied to clients in hand ([`ClientFilter`]);
//! * what the client knows and has spent, at no cost
//!   ([`Client::quota`](crate::Client::quota),
//!   [`Client::requests_sent`](crate::Client::requests_sent)), and
//!   [`Client::refresh_quotas`](crate::Client::refresh_quotas);
//! * [`sync`]: keeping a copy of the clients current with one request,
//!   from `listChangedClients` answers.

mod ensure;
mod names;
mod pages;
mod quota_refresh;
pub mod sync;

pub use ensure::{EnsureClient, Ensured};
pub use names::{ClientFilter, name_key, same_name};
pub use pages::{AllClients, DEFAULT_PAGE_SIZE, Listing};
