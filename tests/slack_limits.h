// Checks a rendered Slack message against the Block Kit limits the engine
// promises to keep (Block Kit's documented limits). Returns an empty string when the message
// is fine, otherwise what is wrong.
#ifndef IAM_AUDIT_TESTS_SLACK_LIMITS_H_
#define IAM_AUDIT_TESTS_SLACK_LIMITS_H_

#include <nlohmann/json.hpp>
#include <string>

namespace iam_audit::testing {

// Length in characters (UTF-8 code points), as Slack counts them.
inline size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

inline std::string SlackLimitViolation(const std::string& message_json) {
  nlohmann::json msg;
  try {
    msg = nlohmann::json::parse(message_json);
  } catch (const std::exception& e) {
    return std::string("not JSON: ") + e.what();
  }
  if (!msg.is_object()) return "not an object";
  if (!msg.contains("text") && !msg.contains("blocks")) return "neither text nor blocks";
  if (msg.contains("text") &&
      (!msg["text"].is_string() || msg["text"].get<std::string>().empty())) {
    return "text is not a non-empty string";
  }
  if (!msg.contains("blocks")) return "";
  const auto& blocks = msg["blocks"];
  if (!blocks.is_array()) return "blocks is not an array";
  if (blocks.empty() || blocks.size() > 50) return "blocks count " + std::to_string(blocks.size());
  for (const auto& block : blocks) {
    if (!block.is_object() || !block.contains("type")) return "block without type";
    const std::string type = block["type"];
    if (type == "section") {
      if (!block.contains("text") && !block.contains("fields")) return "section without text";
      if (block.contains("text")) {
        const auto& t = block["text"];
        const std::string kind = t.value("type", "");
        if (kind != "mrkdwn" && kind != "plain_text") return "section text type " + kind;
        const size_t len = Utf8Length(t.value("text", ""));
        if (len < 1 || len > 3000) return "section text length " + std::to_string(len);
      }
      if (block.contains("fields")) {
        if (block["fields"].size() > 10) return "more than 10 fields";
        for (const auto& f : block["fields"]) {
          const size_t len = Utf8Length(f.value("text", ""));
          if (len < 1 || len > 2000) return "field length " + std::to_string(len);
        }
      }
    } else if (type == "header") {
      if (block["text"].value("type", "") != "plain_text") return "header not plain_text";
      if (Utf8Length(block["text"].value("text", "")) > 150) return "header too long";
    } else if (type != "context" && type != "divider" && type != "actions" && type != "image" &&
               type != "rich_text") {
      return "unknown block type " + type;
    }
  }
  return "";
}

}  // namespace iam_audit::testing

#endif  // IAM_AUDIT_TESTS_SLACK_LIMITS_H_
