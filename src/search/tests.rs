//! Unit tests of the index layout: shards, postings encoding, impacts.

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

fn occurrences(field: u32, positions: &[u32]) -> Occurrences {
    Occurrences {
        field,
        positions: positions.to_vec(),
    }
}

#[test]
fn postings_round_trip() {
    let mut list = PostingList::default();
    list.push(3, &occurrences(0, &[0]), 1.0, true);
    list.push(3, &occurrences(6, &[4, 40, 41]), 1.0, true);
    list.push(1000, &occurrences(5, &[7]), 1.0, true);
    let n = encode::decode(&list.data).unwrap();
    assert_eq!(n.len(), 6, "(case delta * 8 + field, impact) per entry");
    assert_eq!((n[0], n[2], n[4]), (3 * 8, 6, (1000 - 3) * 8 + 5));
    let p = encode::decode(&list.positions).unwrap();
    // count, then deltas, per entry in the same order
    assert_eq!(p, [1, 0, 3, 4, 36, 1, 1, 7]);
}

#[test]
fn unigram_postings_carry_no_positions() {
    let mut list = PostingList::default();
    list.push(2, &occurrences(6, &[1, 5, 9]), 1.0, false);
    list.push(4, &occurrences(0, &[0]), 1.0, false);
    let n = encode::decode(&list.data).unwrap();
    assert_eq!(n.len(), 4);
    assert_eq!((n[0], n[2]), (2 * 8 + 6, 2 * 8));
    assert!(list.positions.is_empty());
}

fn impact(tf: usize, norm: f64) -> u32 {
    let mut list = PostingList::default();
    let positions: Vec<u32> = (0..tf as u32).collect();
    list.push(0, &occurrences(6, &positions), norm, false);
    encode::decode(&list.data).unwrap()[1]
}

#[test]
fn impacts_grow_with_frequency_and_shrink_with_length() {
    assert!(impact(1, 1.0) < impact(3, 1.0));
    assert!(impact(3, 1.0) < impact(30, 1.0));
    assert!(impact(2, 4.0) < impact(2, 1.0));
    assert!(impact(1000, 0.1) <= 31);
    assert!(impact(1, 100.0) >= 1);
}

#[test]
fn shard_count_follows_the_index_size() {
    assert_eq!(shard_count(0), 1);
    assert_eq!(shard_count(SHARD_TARGET_BYTES * 10), 10);
    assert_eq!(shard_count(usize::MAX / 2), MAX_SHARDS);
}
