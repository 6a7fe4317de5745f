//! PDF reports with pdf-writer: A4 pages, the PDF base fonts (Helvetica, Helvetica-Bold, Courier;
//! nothing embedded, so the file is small and renders everywhere), WinAnsi-encoded text so any
//! reader (and `pdftotext`) extracts it, vector bars for the charts. Same content as the HTML
//! report, laid out top to bottom with word wrapping and page breaks.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::view::{ControlView, ReportView};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BOTTOM: f32 = 60.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
    Mono,
}

impl Font {
    fn resource_name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }
}

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the font's AFM metrics.
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Text in WinAnsiEncoding: ASCII and Latin-1 as themselves, common punctuation mapped, anything
/// else as `?` (the base fonts have no other glyphs).
fn win_ansi(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len());
    for character in text.chars() {
        match character {
            ' '..='~' => bytes.push(character as u8),
            '\u{a0}'..='\u{ff}' => bytes.push(character as u32 as u8),
            '…' => bytes.push(0x85),
            '–' => bytes.push(0x96),
            '—' => bytes.push(0x97),
            '‘' => bytes.push(0x91),
            '’' => bytes.push(0x92),
            '“' => bytes.push(0x93),
            '”' => bytes.push(0x94),
            '•' => bytes.push(0x95),
            '→' => bytes.extend_from_slice(b"->"),
            '≥' => bytes.extend_from_slice(b">="),
            '≤' => bytes.extend_from_slice(b"<="),
            '\t' | '\n' | '\r' => bytes.push(b' '),
            _ => bytes.push(b'?'),
        }
    }
    bytes
}

fn text_width(bytes: &[u8], font: Font, size: f32) -> f32 {
    let units: u32 = bytes
        .iter()
        .map(|byte| match font {
            Font::Mono => 600,
            Font::Regular | Font::Bold => match byte {
                32..=126 => u32::from(HELVETICA_WIDTHS[usize::from(byte - 32)]),
                _ => 556,
            },
        })
        .sum();
    // Bold glyphs run about 5% wider than regular ones.
    let factor = if font == Font::Bold { 1.05 } else { 1.0 };
    units as f32 / 1000.0 * size * factor
}

/// Splits `text` into lines no wider than `width`; a word longer than a line is cut.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in win_ansi(text).split(|byte| *byte == b' ') {
        if word.is_empty() {
            continue;
        }
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if text_width(&candidate, font, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_vec();
        while text_width(&rest, font, size) > width {
            let mut cut = rest.len();
            while cut > 1 && text_width(&rest[..cut], font, size) > width {
                cut -= 1;
            }
            lines.push(rest[..cut].to_vec());
            rest = rest[cut..].to_vec();
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn hex_color(hex: &str) -> (f32, f32, f32) {
    let channel = |range: std::ops::Range<usize>| {
        hex.get(range)
            .and_then(|digits| u8::from_str_radix(digits, 16).ok())
            .map(|value| f32::from(value) / 255.0)
            .unwrap_or(0.0)
    };
    (channel(1..3), channel(3..5), channel(5..7))
}

/// Pages being written, top to bottom.
struct Layout {
    pages: Vec<Content>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    fn page(&mut self) -> &mut Content {
        // Invariant: `pages` starts with one page and only grows.
        self.pages.last_mut().expect("a page is open")
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn line_at(&mut self, x: f32, bytes: &[u8], font: Font, size: f32, color: (f32, f32, f32)) {
        let y = self.y;
        let page = self.page();
        page.begin_text();
        page.set_fill_rgb(color.0, color.1, color.2);
        page.set_font(font.resource_name(), size);
        page.next_line(x, y);
        page.show(Str(bytes));
        page.end_text();
    }

    /// Wrapped text starting at `indent` from the left margin.
    fn paragraph(&mut self, text: &str, font: Font, size: f32, indent: f32, color: &str) {
        let leading = size * 1.35;
        for line in wrap(text, font, size, TEXT_WIDTH - indent) {
            self.ensure(leading);
            self.y -= leading;
            self.line_at(MARGIN + indent, &line, font, size, hex_color(color));
        }
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * 3.0);
        self.y -= size * 0.8;
        self.paragraph(text, Font::Bold, size, 0.0, "#14213d");
        self.y -= size * 0.3;
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: &str) {
        if width <= 0.0 {
            return;
        }
        let (red, green, blue) = hex_color(color);
        let page = self.page();
        page.set_fill_rgb(red, green, blue);
        page.rect(x, y, width, height);
        page.fill_nonzero();
    }

    /// A labelled horizontal bar: `value` of `maximum` in `color`, then `caption` after it.
    fn bar(&mut self, label: &str, value: f32, maximum: f32, color: &str, caption: &str) {
        self.ensure(16.0);
        self.y -= 14.0;
        let y = self.y;
        self.line_at(
            MARGIN,
            &win_ansi(label),
            Font::Regular,
            9.0,
            (0.1, 0.1, 0.1),
        );
        let bar_x = MARGIN + 110.0;
        let full = 280.0;
        self.rect(bar_x, y - 1.0, full, 9.0, "#e6eaf0");
        let width = if maximum > 0.0 {
            full * value / maximum
        } else {
            0.0
        };
        self.rect(bar_x, y - 1.0, width, 9.0, color);
        self.line_at(
            bar_x + full + 8.0,
            &win_ansi(caption),
            Font::Regular,
            9.0,
            (0.37, 0.42, 0.48),
        );
    }
}

fn write_control(layout: &mut Layout, control: &ControlView) {
    let color = match control.status {
        "PASS" => "#2e7d32",
        "FAIL" => "#c62828",
        "MANUAL" => "#6d4c41",
        _ => "#757575",
    };
    layout.ensure(40.0);
    layout.gap(6.0);
    layout.paragraph(
        &format!("[{}] {}  {}", control.status, control.id, control.title),
        Font::Bold,
        10.0,
        0.0,
        color,
    );
    layout.paragraph(
        &format!(
            "Score {} ({} of {} resources passing, {} failing, {} accepted). Rules: {}.",
            control.score_text,
            control.resources_passing,
            control.resources_evaluated,
            control.resources_failing,
            control.resources_accepted,
            if control.rules.is_empty() {
                "none, verified manually".to_string()
            } else {
                control.rules.join(", ")
            }
        ),
        Font::Regular,
        8.5,
        12.0,
        "#5f6b7a",
    );
    if !control.manual_check.is_empty() {
        layout.paragraph(
            &format!("Check by hand: {}", control.manual_check),
            Font::Regular,
            8.5,
            12.0,
            "#1d2430",
        );
    }
    for item in &control.evidence {
        layout.paragraph(&item.node_id, Font::Mono, 8.0, 12.0, "#1d2430");
        layout.paragraph(
            &format!("{} ({}): {}", item.rule_id, item.severity, item.reason),
            Font::Regular,
            8.5,
            24.0,
            "#1d2430",
        );
        if !item.exposure_note.is_empty() {
            layout.paragraph(
                &format!("Exposure: {}", item.exposure_note),
                Font::Regular,
                8.0,
                24.0,
                "#5f6b7a",
            );
        }
        if !item.path.is_empty() {
            let subject = if item.proof_subject.is_empty() {
                "Reachable".to_string()
            } else {
                format!("Member {} is reachable", item.proof_subject)
            };
            layout.paragraph(
                &format!(
                    "{subject} from the internet on {}; path proof:",
                    item.open_ports.join(", ")
                ),
                Font::Bold,
                8.0,
                24.0,
                "#c62828",
            );
            for hop in &item.path {
                layout.paragraph(hop, Font::Regular, 8.0, 32.0, "#5f6b7a");
            }
        }
    }
    if control.evidence_omitted > 0 {
        layout.paragraph(
            &format!(
                "... and {} more failing resources (see the CSV export).",
                control.evidence_omitted
            ),
            Font::Regular,
            8.5,
            12.0,
            "#5f6b7a",
        );
    }
}

fn write_body(layout: &mut Layout, view: &ReportView) {
    layout.paragraph(&view.title, Font::Bold, 20.0, 0.0, "#14213d");
    layout.gap(4.0);
    layout.paragraph(
        &format!(
            "Tenant {} ({}) - {} {} - generated {} - last evaluation {}",
            view.tenant_name,
            view.tenant_id,
            view.framework_name,
            view.framework_revision,
            view.generated_at,
            view.last_evaluation_at
        ),
        Font::Regular,
        9.0,
        0.0,
        "#5f6b7a",
    );
    layout.paragraph(
        &format!("Report {}", view.report_id),
        Font::Regular,
        8.0,
        0.0,
        "#5f6b7a",
    );

    layout.heading("Executive summary", 14.0);
    layout.paragraph(
        &format!("Framework score: {}", view.score_text),
        Font::Bold,
        12.0,
        0.0,
        view.score_arc.color,
    );
    layout.paragraph(
        &format!("Coverage: {}", view.coverage_text),
        Font::Bold,
        10.0,
        0.0,
        "#1d2430",
    );
    for line in &view.summary {
        layout.paragraph(&format!("- {line}"), Font::Regular, 10.0, 0.0, "#1d2430");
    }
    layout.paragraph(&view.score_formula, Font::Regular, 8.0, 0.0, "#5f6b7a");

    layout.heading("Controls by status", 12.0);
    let total: usize = view.status_counts.iter().map(|entry| entry.count).sum();
    for entry in &view.status_counts {
        layout.bar(
            entry.status,
            entry.count as f32,
            total as f32,
            entry.color,
            &format!("{} of {total}", entry.count),
        );
    }
    layout.heading("Findings by severity", 12.0);
    let largest = view
        .severity_bars
        .iter()
        .map(|bar| bar.open + bar.accepted)
        .max()
        .unwrap_or(0)
        .max(1);
    for bar in &view.severity_bars {
        layout.bar(
            bar.severity,
            (bar.open + bar.accepted) as f32,
            largest as f32,
            bar.color,
            &format!("{} open, {} accepted", bar.open, bar.accepted),
        );
    }

    layout.heading("Controls and evidence", 14.0);
    layout.paragraph(
        &format!(
            "Control score = resources passing / resources evaluated (accepted resources are evaluated, not passing). At most {} failing resources are listed per control; the CSV export has all of them.",
            view.evidence_limit
        ),
        Font::Regular,
        8.5,
        0.0,
        "#5f6b7a",
    );
    for section in &view.sections {
        layout.heading(&section.name, 11.0);
        for control in &section.controls {
            write_control(layout, control);
        }
    }

    layout.heading("Exceptions in force", 14.0);
    if view.exceptions.is_empty() {
        layout.paragraph(
            "No accepted exceptions.",
            Font::Regular,
            9.0,
            0.0,
            "#1d2430",
        );
    }
    for exception in &view.exceptions {
        layout.paragraph(&exception.node_id, Font::Mono, 8.0, 0.0, "#1d2430");
        layout.paragraph(
            &format!(
                "{} - {}: \"{}\" - accepted by {} on {} - expires: {}",
                exception.rule_id,
                exception.kind,
                exception.reason,
                exception.accepted_by,
                exception.accepted_at,
                exception.expires_at
            ),
            Font::Regular,
            8.5,
            12.0,
            "#1d2430",
        );
    }

    layout.heading("Data freshness", 14.0);
    if view.freshness.is_empty() {
        layout.paragraph(
            "No completed discovery is on record.",
            Font::Regular,
            9.0,
            0.0,
            "#1d2430",
        );
    }
    for scope in &view.freshness {
        layout.paragraph(
            &format!(
                "{}: last complete discovery {} ({})",
                scope.scope, scope.discovered_at, scope.age
            ),
            Font::Regular,
            9.0,
            0.0,
            "#1d2430",
        );
    }

    layout.heading("Rule versions", 14.0);
    for rule in &view.rules {
        layout.paragraph(
            &format!(
                "{} v{} ({}) - {}",
                rule.id, rule.version, rule.severity, rule.title
            ),
            Font::Regular,
            8.5,
            0.0,
            "#1d2430",
        );
    }
}

/// Lays the view out on A4 pages and writes the PDF file.
pub fn render(view: &ReportView) -> Vec<u8> {
    let mut layout = Layout::new();
    write_body(&mut layout, view);

    let page_count = layout.pages.len();
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let info_id = Ref::new(3);
    let font_ids = [Ref::new(4), Ref::new(5), Ref::new(6)];
    let first_page = 7;
    let page_ids: Vec<Ref> = (0..page_count)
        .map(|index| Ref::new(first_page + 2 * index as i32))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(page_count as i32);
    pdf.document_info(info_id)
        .title(TextStr(&view.title))
        .producer(TextStr("Infracast"))
        .creator(TextStr("Infracast reports"));
    for (id, base_font) in font_ids
        .iter()
        .zip([&b"Helvetica"[..], b"Helvetica-Bold", b"Courier"])
    {
        pdf.type1_font(*id)
            .base_font(Name(base_font))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }

    for (index, mut content) in layout.pages.into_iter().enumerate() {
        let footer = win_ansi(&format!(
            "{} - {} - page {} of {page_count}",
            view.title,
            view.tenant_id,
            index + 1
        ));
        content.begin_text();
        content.set_fill_rgb(0.37, 0.42, 0.48);
        content.set_font(Font::Regular.resource_name(), 8.0);
        content.next_line(MARGIN, 30.0);
        content.show(Str(&footer));
        content.end_text();

        let page_id = page_ids[index];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree_id);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (font, id) in [Font::Regular, Font::Bold, Font::Mono]
            .into_iter()
            .zip(font_ids)
        {
            fonts.pair(font.resource_name(), id);
        }
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::{Font, win_ansi, wrap};

    #[test]
    fn text_is_win_ansi_encoded() {
        assert_eq!(win_ansi("a × b"), vec![b'a', b' ', 0xD7, b' ', b'b']);
        assert_eq!(win_ansi("x → y"), b"x -> y".to_vec());
        assert_eq!(win_ansi("雪"), b"?".to_vec());
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "the quick brown fox jumps over the lazy dog ".repeat(20);
        let lines = wrap(&text, Font::Regular, 10.0, 200.0);
        assert!(lines.len() > 5);
        let rejoined: Vec<u8> = lines.join(&b' ');
        assert_eq!(rejoined, win_ansi(text.trim()));
        let long = "aws:us-east-1:aws.ec2.security_group:sg-0123456789abcdef0123456789";
        let cut = wrap(long, Font::Mono, 8.0, 100.0);
        assert!(cut.len() > 1);
        assert_eq!(cut.concat(), long.as_bytes());
    }
}
