//! `skills-runtime`: the model of a skills workspace, conformant with the reference
//! `skills-runtime-sdk`. No LSP or editor types live here.
pub mod mentions;
pub mod text;
pub mod yaml;
