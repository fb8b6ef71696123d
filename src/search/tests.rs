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

#[test]
fn a_summary_from_the_body_is_indexed_once() {
    let text = "一、背景情况\n首段文字。\n二、主要做法\n其他。";
    assert_eq!(
        body_without_summary("首段文字。", text),
        "一、背景情况\n\n\n二、主要做法\n其他。"
    );
    assert_eq!(body_without_summary("另写的摘要", text), text);
    assert_eq!(body_without_summary("", text), text);
    // A summary cut inside its first sentence: found without its `…`.
    assert_eq!(
        body_without_summary("首段…", text),
        "一、背景情况\n\n文字。\n二、主要做法\n其他。"
    );
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
