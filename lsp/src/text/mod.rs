//! Text as the protocol sees it: open documents held in ropes, and conversion between LSP
//! positions (UTF-8 or UTF-16 columns) and the byte offsets the runtime works with.

mod document;
mod encoding;

pub(crate) use document::TextDocument;
pub(crate) use encoding::{PositionEncoding, offset_at, position_at, range_of, source_range};
