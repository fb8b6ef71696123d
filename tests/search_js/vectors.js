// Checks static/search.js's tokeniser and decoder against the vectors the Rust side uses.
"use strict";
const assert = require("assert");
const path = require("path");
const root = path.join(__dirname, "..", "..");
const search = require(path.join(root, "themes/default/static/search.js"));
const vectors = require(path.join(root, "tests/fixtures/search/tokenize_vectors.json"));

let checked = 0;
for (const v of vectors) {
  assert.deepStrictEqual(search.tokenize(v.text, true), v.index, `index tokens of ${JSON.stringify(v.text)}`);
  assert.deepStrictEqual(search.tokenize(v.text, false), v.query, `query tokens of ${JSON.stringify(v.text)}`);
  checked++;
}
// encode.rs: 5 bits per digit, least significant first.
assert.deepStrictEqual(search.decode("05v"), [0, 5, 31]);
assert.deepStrictEqual(search.decode("01"), [0, 1]);
assert.deepStrictEqual(search.decode("AA1"), [1024]);
assert.deepStrictEqual(search.decode("W1"), [54]);
// postings.rs: per case weight * 4 + min(delta - 1, 3) [, delta - 4]; positions per case
// (field + 1, count, deltas)*, 0. The same lists as postings_round_trip in postings.rs.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%()";
const encode = (numbers) => numbers.map((n) => {
  let out = "";
  for (;;) { const low = n % 32; n = Math.floor(n / 32); if (!n) return out + ALPHABET[low]; out += ALPHABET[low + 32]; }
}).join("");
const postings = search.decodePostings(encode([40 * 4 + 3, 0, 7 * 4, 9 * 4 + 3, 992]));
assert.deepStrictEqual(postings.order, [3, 4, 1000]);
assert.strictEqual(postings.docs.get(3), 40 / 31 * 2.2);
assert.strictEqual(postings.docs.get(1000), 9 / 31 * 2.2);
const positions = search.decodePositions(postings, encode([1, 1, 0, 7, 3, 4, 36, 1, 0, 7, 1, 2, 0, 6, 1, 7, 0]));
assert.deepStrictEqual(positions.get(3), { 0: [0], 6: [4, 40, 41] });
assert.deepStrictEqual(positions.get(4), { 6: [2] });
assert.deepStrictEqual(positions.get(1000), { 5: [7] });
// display.rs: text as ranks in the character table, or the table's length plus the code point
// of a character it lacks.
assert.strictEqual(search.decodeText("010", ["批", "审"]), "批审批");
assert.strictEqual(search.decodeText(encode([0, 2 + 0x20000]), ["批", "审"]), "批𠀀");
assert.throws(() => search.decodeText(encode([2 + 0x110000]), ["批", "审"]), /corrupt/);
// mod.rs: the root lists a 7-character content hash per group of file_group shards.
const manifest = { file_group: 2, files: { p: "aaaaaaabbbbbbb", t: "ccccccc" } };
assert.strictEqual(search.fileHash(manifest, "p1"), "aaaaaaa");
assert.strictEqual(search.fileHash(manifest, "p2"), "bbbbbbb");
assert.strictEqual(search.fileHash(manifest, "t"), "ccccccc");
// FNV-1a reference values, as in src/search/tests.rs.
assert.strictEqual(search.fnv1a("a"), 0xe40c292c);
assert.strictEqual(search.fnv1a("foobar"), 0xbf9cf968);
assert.strictEqual(search.shardKey("permits"), "pe");
assert.strictEqual(search.shardKey("拍即"), "拍即");
// The last word of a query is also a prefix; CJK tokens never are.
assert.deepStrictEqual(search.queryTerms("one perm").map((t) => [t.token, t.prefix]), [["one", false], ["perm", true]]);
assert.deepStrictEqual(search.queryTerms("perm ").map((t) => t.prefix), [false]);
assert.deepStrictEqual(search.queryTerms("审批").map((t) => t.prefix), [false]);
console.log(`ok: ${checked} tokeniser vectors`);
