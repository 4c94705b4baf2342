//! Property tests for the Chinese-number parser: it reads back what it is given, and odd text
//! never makes it panic.

use duban_checks::number::{Unit, parse_quantities};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Writes `n` (< 10¹²) in Chinese numerals as offices do: 十六万九千, 两千零五十.
fn chinese(n: u64) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    fn below_10k(n: u64, leading: bool) -> String {
        let mut s = String::new();
        let mut zero = false;
        for (u, name) in [(1000, "千"), (100, "百"), (10, "十"), (1, "")] {
            let d = (n / u) % 10;
            if d == 0 {
                zero = !s.is_empty() || !leading;
                continue;
            }
            if zero && !s.is_empty() {
                s.push('零');
            }
            zero = false;
            if !(u == 10 && d == 1 && s.is_empty() && leading) {
                s.push_str(D[usize::try_from(d).unwrap()]);
            }
            s.push_str(name);
        }
        s
    }
    if n == 0 {
        return "零".into();
    }
    let (yi, wan, rest) = (n / 100_000_000, (n / 10_000) % 10_000, n % 10_000);
    let mut s = String::new();
    if yi > 0 {
        s.push_str(&below_10k(yi, true));
        s.push('亿');
    }
    if wan > 0 {
        if yi > 0 && wan < 1000 {
            s.push('零');
        }
        s.push_str(&below_10k(wan, yi == 0));
        s.push('万');
    }
    if rest > 0 {
        if (yi > 0 || wan > 0) && rest < 1000 {
            s.push('零');
        }
        s.push_str(&below_10k(rest, yi == 0 && wan == 0));
    }
    s
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn the_chinese_writer_agrees_with_known_forms() {
    assert_eq!(chinese(169_000), "十六万九千");
    assert_eq!(chinese(2000), "二千");
    assert_eq!(chinese(105), "一百零五");
    assert_eq!(chinese(100_010), "十万零一十");
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in "\\PC{0,40}") {
        for q in parse_quantities(&s) {
            prop_assert!(s.get(q.span.clone()).is_some());
        }
    }

    #[test]
    fn never_panics_on_number_soup(s in "[0-9０-９.,，、%％万亿千百十零〇一二两三四五六七八九个百分点元户吨人次亩家项约翻番成左右以上内至到\\-~年月第PMW]{0,30}") {
        for q in parse_quantities(&s) {
            prop_assert!(s.get(q.span.clone()).is_some());
            prop_assert!(q.span.start < q.span.end);
        }
    }

    #[test]
    fn reads_decimals_with_magnitudes(int in 0u64..1_000_000, frac in 0u32..1000) {
        let text = format!("完成{int}.{frac:03}万吨。");
        let q = parse_quantities(&text);
        prop_assert_eq!(q.len(), 1);
        let want = Decimal::from(int) * Decimal::from(10_000)
            + Decimal::from(frac) * Decimal::from(10);
        prop_assert_eq!(q[0].value, want);
        prop_assert_eq!(q[0].unit, Unit::Ton);
        prop_assert_eq!(q[0].text(&text), format!("{int}.{frac:03}万吨"));
    }

    #[test]
    fn reads_thousands_separators(n in 1000u64..10_000_000_000) {
        let text = format!("投资{}元", grouped(n));
        let q = parse_quantities(&text);
        prop_assert_eq!(q.len(), 1);
        prop_assert_eq!(q[0].value, Decimal::from(n));
    }

    #[test]
    fn reads_chinese_numerals(n in 1u64..1_000_000_000_000) {
        let text = format!("新增{}户", chinese(n));
        let q = parse_quantities(&text);
        prop_assert_eq!(q.len(), 1, "{}", text);
        prop_assert_eq!(q[0].value, Decimal::from(n), "{}", text);
        prop_assert_eq!(q[0].unit, Unit::Household);
    }

    #[test]
    fn reads_ranges(a in 1u32..1000, b in 1u32..1000) {
        let text = format!("打造{a}-{b}个特色产业");
        let q = parse_quantities(&text);
        prop_assert_eq!(q.len(), 1);
        prop_assert_eq!(q[0].value, Decimal::from(a));
        prop_assert_eq!(q[0].upper, Some(Decimal::from(b)));
    }
}
