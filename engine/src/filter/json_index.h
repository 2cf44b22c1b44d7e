// The two low-level JSON steps the JSON matcher (match_json.cc) builds on,
// written against simdjson's public API only: the structural index of an
// event (what simdjson's stage 1 computes) and the unescaping of one string
// (what its DOM parser does to a string with escapes). Both accept and
// reject exactly what simdjson 3's DOM parser does at those steps, so the
// matcher's verdict on well-formedness stays simdjson's.
#ifndef IAM_AUDIT_FILTER_JSON_INDEX_H_
#define IAM_AUDIT_FILTER_JSON_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace iam_audit::filter_internal {

// The offsets of `buf[0, len)`'s structural characters: every `{ } [ ] : ,`
// outside strings, every string's opening quote and the first byte of every
// other scalar (a number or an atom), in order: (*indexes)[0, *count),
// followed by two copies of `len` (so the token after the last one ends the
// input). The vector only grows (it is scratch space kept between calls).
// `buf` must be followed by kJsonPadding zero bytes.
// False, as simdjson's stage 1, on invalid UTF-8, a control character
// (below 0x20) inside a string, an unterminated string or no token at all.
bool IndexJson(const uint8_t* buf, size_t len, std::vector<uint32_t>* indexes, uint32_t* count);

// Unescapes the JSON string whose content starts at `src` (just after its
// opening quote) into `dst`, up to its closing quote; returns the end of
// what was written, or nullptr on a bad escape (an unknown escape letter,
// bad hex digits, a lone or unpaired UTF-16 surrogate). `dst` needs room for
// the content's length; `src` must be readable for kJsonPadding bytes past
// the end of the input.
uint8_t* UnescapeJsonString(const uint8_t* src, uint8_t* dst);

// Bytes that must follow the input, zero (one 64-byte block: the last
// partial block is read whole).
constexpr size_t kJsonPadding = 64;

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_JSON_INDEX_H_
