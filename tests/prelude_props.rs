//! Property tests: any shape up to 6-D with any values renders without panicking and
//! within size bounds, and user text is always escaped.

use ndplay::prelude::*;
use proptest::prelude::*;

/// Values that break naive formatters: NaN, infinities, huge, tiny, negative zero.
fn wild_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(-0.0),
        any::<f64>(),
        -1e3..1e3f64,
    ]
}

/// A shape of 0 to 6 axes; lengths up to 12 (so some arrays pass the summary
/// threshold), including 0.
fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=12, 0..=6)
        .prop_filter("keep arrays under 50k elements", |s| s.iter().product::<usize>() <= 50_000)
}

fn array_f64() -> impl Strategy<Value = ArrayD<f64>> {
    shape().prop_flat_map(|s| {
        let n: usize = s.iter().product();
        prop::collection::vec(wild_f64(), n)
            .prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&s), v).expect("sizes match"))
    })
}

/// Upper bound on the text repr: every shown cell, its separator and indentation.
fn text_bound(a: &ArrayD<f64>, text: &str) -> bool {
    let shown: usize = a.shape().iter().map(|&n| if a.len() > 1000 && n > 6 { 7 } else { n.max(1) }).product();
    // A cell is at most ~25 chars (`-1.79769313e+308` padded), plus `, ` and indent.
    text.len() <= 200 + shown * (25 + 2 + 8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_f64_array_renders(a in array_f64()) {
        let bundle = a.mime_bundle();
        let text = bundle.plain();
        prop_assert!(text_bound(&a, text), "text too long: {} bytes for shape {:?}", text.len(), a.shape());
        let html = bundle.get("text/html").unwrap();
        prop_assert!(html.len() < 300_000, "html {} bytes for shape {:?}", html.len(), a.shape());
        prop_assert!(!html.contains("<script") && !html.contains("<style"));
        // Views in other layouts render too.
        let t = a.t();
        let _ = t.mime_bundle();
        let svg = shape_diagram(&a).to_svg();
        prop_assert!(svg.len() < 30_000);
        let h = health(&a);
        prop_assert_eq!(h.len, a.len());
    }

    #[test]
    fn any_pair_of_shapes_explains_without_panic(a in shape(), b in shape()) {
        let e = BroadcastExplanation::of_shapes(&a, &b);
        let svg = e.to_svg();
        prop_assert!(svg.len() < 30_000);
        let summary = e.summary();
        if e.ok() {
            // Our verdict agrees with ndarray's own broadcasting.
            let x = ArrayD::<u8>::zeros(IxDyn(&a));
            let y = ArrayD::<u8>::zeros(IxDyn(&b));
            let sum = &x + &y;
            prop_assert_eq!(sum.shape(), e.result.as_deref().unwrap());
        } else {
            prop_assert!(summary.starts_with("operands could not be broadcast together with shapes"), "{}", summary);
        }
        let d = DotExplanation::of_shapes(&a, &b);
        let _ = (d.summary(), d.to_svg());
    }

    #[test]
    fn strings_are_always_escaped(words in prop::collection::vec(".{0,60}", 1..20)) {
        let mut words = words;
        words.push("<script>alert('x')</script>".into());
        words.push("\"quoted\" & ]]>".into());
        let a = Array1::from_vec(words);
        let html = a.mime_bundle().get("text/html").unwrap().to_string();
        prop_assert!(!html.contains("<script"));
        prop_assert!(!html.contains("]]>"));
        // Nothing but our own tags: every `<` starts one of the tags we write.
        for part in html.split('<').skip(1) {
            let tag = part.split([' ', '>']).next().unwrap_or("");
            prop_assert!(
                ["div", "/div", "b", "/b", "span", "/span", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td"].contains(&tag),
                "unexpected tag {:?}", tag
            );
        }
    }
}

#[test]
fn plot_titles_are_escaped() {
    let p = plot::line(&array![1.0, 2.0]).title("<script>]]>\"'");
    let svg = p.to_svg();
    assert!(!svg.contains("<script>"));
    assert!(!svg.contains("]]>"));
}
