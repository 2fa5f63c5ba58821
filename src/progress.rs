//! `progress(iterable)`: wraps a loop's iterator and shows a bar that updates in place
//! (one output, replaced with `update_display_data`), as tqdm does in Python notebooks.
//!
//! ```no_run
//! use ndplay::prelude::*;
//! let mut total = 0.0;
//! for i in progress(0..1000) {
//!     total += (i as f64).sqrt();
//! }
//! ```
//!
//! The bar is redrawn at most every [`REDRAW_EVERY`] (a loop of a million steps sends a
//! few dozen updates, not a million) and once more when the loop ends. Its text form
//! (`37/100 [=======>            ] 37%`) is what stored notebooks and nbval see.

use std::time::{Duration, Instant};

use crate::display::{display_handle, DisplayHandle, MimeBundle, MIME_HTML};
use crate::escape::escape_html;

/// The shortest time between two redraws of the bar.
pub const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Characters between the brackets of the text bar.
const TEXT_WIDTH: usize = 30;

/// The iterator [`progress`] returns: the items of the wrapped one, unchanged.
pub struct Progress<I> {
    inner: I,
    total: Option<usize>,
    done: usize,
    started: Instant,
    drawn: Option<(DisplayHandle, Instant)>,
    finished: bool,
}

/// Wraps `iterable` so that a progress bar follows the loop over it. The total comes from
/// the iterator's length when it knows it (ranges, vectors, `iter()` of arrays).
pub fn progress<I: IntoIterator>(iterable: I) -> Progress<I::IntoIter> {
    let inner = iterable.into_iter();
    let total = match inner.size_hint() {
        (low, Some(high)) if low == high => Some(high),
        _ => None,
    };
    Progress { inner, total, done: 0, started: Instant::now(), drawn: None, finished: false }
}

impl<I> Progress<I> {
    fn draw(&mut self, force: bool) {
        let bundle = bar(self.done, self.total, self.started.elapsed());
        match &mut self.drawn {
            None => self.drawn = Some((display_handle(&bundle), Instant::now())),
            Some((handle, at)) if force || at.elapsed() >= REDRAW_EVERY => {
                handle.update(&bundle);
                *at = Instant::now();
            }
            Some(_) => {}
        }
    }
}

impl<I: Iterator> Iterator for Progress<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        if self.drawn.is_none() {
            self.draw(true);
        }
        match self.inner.next() {
            Some(item) => {
                self.done += 1;
                self.draw(false);
                Some(item)
            }
            None => {
                if !self.finished {
                    self.finished = true;
                    if self.total.is_none() {
                        self.total = Some(self.done);
                    }
                    self.draw(true);
                }
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// The bar after `done` of `total` steps (total unknown: a count), as text and HTML.
pub fn bar(done: usize, total: Option<usize>, elapsed: Duration) -> MimeBundle {
    let time = format!("{:.1} s", elapsed.as_secs_f64());
    match total {
        Some(total) => {
            let fraction = if total == 0 { 1.0 } else { (done as f64 / total as f64).min(1.0) };
            let filled = (fraction * TEXT_WIDTH as f64).round() as usize;
            let arrow = if filled < TEXT_WIDTH { ">" } else { "" };
            let text = format!(
                "{done}/{total} [{}{arrow}{}] {:.0}% {time}",
                "=".repeat(filled.saturating_sub(arrow.len())),
                " ".repeat(TEXT_WIDTH - filled.max(arrow.len()).min(TEXT_WIDTH)),
                fraction * 100.0
            );
            let html = format!(
                "<div style=\"display:flex;align-items:center;gap:0.5em;font-family:var(--jp-code-font-family, monospace)\">\
                 <div style=\"width:20em;height:0.9em;border:1px solid var(--jp-border-color1, #bdbdbd);border-radius:2px\">\
                 <div style=\"width:{:.1}%;height:100%;background:var(--jp-brand-color1, #1976d2)\"></div></div>\
                 <span>{}</span></div>",
                fraction * 100.0,
                escape_html(&format!("{done}/{total} {:.0}% {time}", fraction * 100.0))
            );
            MimeBundle::new(text).with(MIME_HTML, html)
        }
        None => MimeBundle::new(format!("{done} done {time}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_bar_fills_with_the_steps() {
        let t = Duration::from_millis(1500);
        assert_eq!(bar(0, Some(10), t).plain(), format!("0/10 [>{}] 0% 1.5 s", " ".repeat(29)));
        assert_eq!(bar(5, Some(10), t).plain(), format!("5/10 [{}>{}] 50% 1.5 s", "=".repeat(14), " ".repeat(15)));
        assert_eq!(bar(10, Some(10), t).plain(), format!("10/10 [{}] 100% 1.5 s", "=".repeat(30)));
        assert_eq!(bar(3, None, t).plain(), "3 done 1.5 s");
        assert!(bar(5, Some(10), t).get(MIME_HTML).unwrap().contains("width:50.0%"));
    }

    #[test]
    fn the_items_pass_through_unchanged() {
        let v: Vec<i32> = progress(vec![1, 2, 3]).map(|x| x * 2).collect();
        assert_eq!(v, [2, 4, 6]);
    }
}
