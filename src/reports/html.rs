//! HTML reports: one tera template embedded in the binary, rendered from the [`ReportView`] with
//! HTML escaping on. Charts are inline SVG, so the file is self-contained (no scripts, no fetches).

use super::{RenderError, ReportView};

const TEMPLATE_NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("templates/report.html.tera");

pub fn render(view: &ReportView) -> Result<Vec<u8>, RenderError> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template(TEMPLATE_NAME, TEMPLATE)
        .map_err(|error| RenderError::Template(format!("{error:?}")))?;
    let context = tera::Context::from_serialize(view)
        .map_err(|error| RenderError::Template(error.to_string()))?;
    tera.render(TEMPLATE_NAME, &context)
        .map(String::into_bytes)
        .map_err(|error| RenderError::Template(format!("{error:?}")))
}
