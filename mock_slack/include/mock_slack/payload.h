// Payload validation for Slack incoming webhooks, as Slack does it.
//
// ValidatePayload() takes the raw request body and its Content-Type and
// decides what Slack would answer: either the message is accepted (and
// returned in a normalised form for storage) or it is rejected with one of
// Slack's bare error codes ("invalid_payload", "no_text", "invalid_blocks",
// "invalid_blocks_format", "too_many_attachments"). Facts followed: Slack's
// incoming-webhook and Block Kit documentation (request shape, Block Kit
// limits, documented traps).
//
// The function is pure and thread-safe; it never throws and bounds its work on
// hostile input (JSON nesting depth, body size is capped by the caller).
#ifndef MOCK_SLACK_PAYLOAD_H_
#define MOCK_SLACK_PAYLOAD_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mock_slack {

// Limits of the Block Kit check; defaults are Slack's documented Block Kit limits.
struct PayloadLimits {
  std::size_t max_blocks = 50;
  std::size_t max_section_text = 3000;
  std::size_t max_fields = 10;
  std::size_t max_field_text = 2000;
  std::size_t max_header_text = 150;
  std::size_t max_context_elements = 10;
  std::size_t max_actions_elements = 25;
  std::size_t max_block_id = 255;
  std::size_t max_attachments = 100;
  std::size_t max_markdown_text = 12000;
  std::size_t truncate_text_at = 40000;  // top-level text is truncated, not rejected
  std::size_t max_json_depth = 64;       // ours: deeper JSON is invalid_payload
};

// What Slack would answer to one payload.
struct PayloadVerdict {
  bool accepted = false;
  // On rejection: the Slack error code sent as the body, e.g. "invalid_blocks".
  std::string error;
  // On rejection: why, for our logs and the API (Slack itself sends no detail),
  // e.g. "blocks[2].text: 3001 characters, limit 3000".
  std::string detail;
  // On acceptance: the payload as compact JSON (after form decoding and text
  // truncation), the top-level text, and whether it was truncated.
  std::string payload_json;
  std::string text;
  bool text_truncated = false;
};

// Validates `body` sent with `content_type` ("application/json",
// "application/x-www-form-urlencoded" with a `payload=` field, ...). A form
// body without a `payload` field whose text is a JSON object is accepted as
// JSON, as Slack does for `curl -d '{...}'`.
PayloadVerdict ValidatePayload(std::string_view body, std::string_view content_type,
                               const PayloadLimits& limits = PayloadLimits());

// One part of a multipart/form-data body (RFC 7578) as the HTTP front end
// parsed it: its Content-Disposition name and filename, its Content-Type and
// its content.
struct FormPart {
  std::string name;
  std::string filename;  // non-empty for a file part (`curl -F 'name=@file'`)
  std::string content_type;
  std::string content;
};

// Validates a multipart/form-data post (`curl -F 'payload={...}'`). Slack
// reads the `payload` field of a form post, as it does for a urlencoded one:
// the first part named "payload" is validated as a JSON payload, whatever its
// own Content-Type; other parts are ignored. No such part, or one that is a
// file (it has a filename; our choice, docs/mock_slack.md), is
// invalid_payload.
PayloadVerdict ValidateFormParts(const std::vector<FormPart>& parts,
                                 const PayloadLimits& limits = PayloadLimits());

// Number of Unicode code points in `utf8` (how Slack counts characters);
// invalid bytes count one each.
std::size_t CountCharacters(std::string_view utf8);

// Decodes application/x-www-form-urlencoded `body` and returns the value of
// `key` (the first one), or false when absent.
bool FormValue(std::string_view body, std::string_view key, std::string* value);

}  // namespace mock_slack

#endif  // MOCK_SLACK_PAYLOAD_H_
