//! `skills-runtime`: the model of a skills workspace, conformant with the reference
//! `skills-runtime-sdk`. No LSP or editor types live here.
pub mod agent;
pub mod analysis;
pub mod check;
pub mod config;
pub mod diagnostic;
pub mod frontmatter;
pub mod index;
pub mod markdown;
pub mod mentions;
pub mod rules;
pub mod settings;
pub mod skill;
pub mod suggest;
pub mod text;
pub mod yaml;
