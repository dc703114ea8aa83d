//! SMTP: the server state machine (pure), the line reader with its length limit, and the client
//! used to deliver to the LGWAN-side MTA.

pub mod client;
pub mod line;
pub mod reply;
pub mod session;

pub use reply::Reply;
pub use session::{Envelope, Session, SessionLimits, Step};
