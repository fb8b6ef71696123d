//! Unit tests of the index layout: shards, keys, summaries.

use super::*;

#[test]
fn fnv1a_matches_the_reference_vectors() {
    assert_eq!(fnv1a32(b""), 0x811c_9dc5);
    assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
}

#[test]
fn words_shard_by_their_first_two_characters() {
    assert_eq!(shard_key("permits"), "pe");
    assert_eq!(shard_key("p"), "p");
    assert_eq!(shard_key("拍即"), "拍即");
    assert_eq!(shard_key("über"), "üb");
    assert_eq!(shard_of("permits", 97), shard_of("personal", 97));
}

#[test]
fn single_cjk_characters_have_no_positions() {
    assert!(!has_positions("拍"));
    assert!(has_positions("拍即"));
    assert!(has_positions("e"));
    assert!(has_positions("60"));
}

#[test]
fn shard_count_follows_the_index_size_in_steps() {
    assert_eq!(shard_count(0), 1);
    // 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16, 19, 23, 27, 32, …
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 10), 10);
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 10 + 1), 11);
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 12), 13);
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 1000), 1024);
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 1030), 1218);
    assert_eq!(shard_count(usize::MAX / 2), MAX_SHARDS);
}

#[test]
fn files_are_named_by_their_content() {
    assert_eq!(content_hash(["{}"]).len(), HASH_CHARS);
    assert_eq!(content_hash(["{}"]), content_hash(["{}"]));
    assert_ne!(content_hash(["{}"]), content_hash(["[]"]));
    assert_ne!(content_hash(["a", "b"]), content_hash(["ab"]));
    assert!(content_hash(["x"])
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
}

/// A case whose summary is `summary` (`from_body`: the default one).
fn case_with_summary(summary: &str, from_body: bool) -> Case {
    let front = "id: 1\ntitle: T\nregion: R\ndepartment: D\n";
    let fm = crate::content::front_matter::parse(front, 2).unwrap();
    let (mut case, _) =
        crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
    case.summary = summary.into();
    case.summary_from_body = from_body;
    case
}

#[test]
fn a_summary_from_the_body_is_indexed_once() {
    let text = "一、背景情况\n首段文字。\n二、主要做法\n其他。";
    let without = |summary: &str, from_body| {
        body_without_summary(&case_with_summary(summary, from_body), text).into_owned()
    };
    assert_eq!(
        without("首段文字。", true),
        "一、背景情况\n\n\n二、主要做法\n其他。"
    );
    // A summary written out that the body repeats word for word is indexed once too.
    assert_eq!(
        without("首段文字。", false),
        "一、背景情况\n\n\n二、主要做法\n其他。"
    );
    assert_eq!(without("另写的摘要", false), text);
    assert_eq!(without("", false), text);
    // A default summary cut inside its first sentence: found without its `…`; an author's
    // summary ending in `…` is not cut out of the body by its start.
    assert_eq!(
        without("首段…", true),
        "一、背景情况\n\n文字。\n二、主要做法\n其他。"
    );
    assert_eq!(without("首段…", false), text);
}

#[test]
fn a_summary_whose_paragraph_has_several_lines_is_indexed_once() {
    // The summary joins the paragraph's lines: Chinese without a space, words with one.
    let text = "一、背景\n首段第一行\n第二行。\n其他。";
    let case = case_with_summary("首段第一行第二行。", true);
    assert_eq!(body_without_summary(&case, text), "一、背景\n\n\n其他。");
    let text = "Intro\nfirst line\n  second line.\nMore.";
    let case = case_with_summary("first line second line.", true);
    assert_eq!(body_without_summary(&case, text), "Intro\n\n\nMore.");
    // Cut inside the second line, and found there.
    let case = case_with_summary("first line sec…", true);
    assert_eq!(
        body_without_summary(&case, text),
        "Intro\n\nond line.\nMore."
    );
    // A line break is not a character the summary has; an author's summary written on
    // several lines is found across the body's.
    let case = case_with_summary("首段第一行X第二行。", true);
    assert_eq!(
        body_without_summary(&case, "首段第一行\n第二行。"),
        "首段第一行\n第二行。"
    );
    let case = case_with_summary("first line\nsecond line.", false);
    assert_eq!(body_without_summary(&case, text), "Intro\n\n\nMore.");
}

#[test]
fn only_large_collections_drop_common_positions() {
    assert_eq!(position_max_df(23), u32::MAX);
    assert_eq!(position_max_df(COMMON_MIN_DOCS), u32::MAX);
    assert_eq!(position_max_df(10_000), 5_000);
}

#[test]
fn shards_are_the_json_serde_writes() {
    let mut shard = BTreeMap::new();
    assert_eq!(shard_json(&shard), json(&shard));
    shard.insert("审批", "0aV1");
    shard.insert("e", "");
    shard.insert("a\"b\\", "x");
    assert_eq!(shard_json(&shard), json(&shard));
}
