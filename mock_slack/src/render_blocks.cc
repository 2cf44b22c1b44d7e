// A whole Slack message rendered as the Slack client shows it: Block Kit
// blocks (section, header, divider, context, actions, image, rich_text,
// markdown; others as a named placeholder), text objects, rich_text
// elements, legacy attachments with their colour bar, and the message's
// top-level text. Text inside them goes through the mrkdwn and plain_text
// renderers (render.cc); nothing of the payload reaches the page unescaped.
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "mock_slack/render.h"
#include "render_internal.h"

namespace mock_slack {
namespace {

using nlohmann::json;
using render_internal::Anchor;
using render_internal::DecodeEntities;
using render_internal::Link;
using render_internal::RenderEntities;
using render_internal::RenderPlainTextEmoji;
using render_internal::RichTextEmoji;
using render_internal::SafeUrl;

constexpr int kMaxRichTextDepth = 8;

const json* Find(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string Str(const json& j, const char* key) {
  const json* v = Find(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// A text object. plain_text shows its :shortcodes: as emoji unless it says
// "emoji": false (Slack's default is true); mrkdwn always does.
std::string RenderTextObject(const json* t) {
  if (t == nullptr || !t->is_object()) return "";
  std::string text = Str(*t, "text");
  if (Str(*t, "type") != "plain_text") return RenderMrkdwn(text);
  const json* emoji = Find(*t, "emoji");
  const bool literal = emoji != nullptr && emoji->is_boolean() && !emoji->get<bool>();
  return literal ? RenderPlainText(text) : RenderPlainTextEmoji(text);
}

std::string Div(std::string_view cls, const std::string& inner) {
  return "<div class=\"" + std::string(cls) + "\">" + inner + "</div>";
}

std::string RenderElement(const json& e) {
  std::string type = Str(e, "type");
  if (type == "button")
    return "<span class=\"button\">" + RenderTextObject(Find(e, "text")) + "</span>";
  if (type == "image")
    return "<span class=\"image\">[image: " + HtmlEscape(Str(e, "alt_text")) + "]</span>";
  if (type == "mrkdwn" || type == "plain_text") return RenderTextObject(&e);
  return "<span class=\"element\">[" + HtmlEscape(type) + "]</span>";
}

std::string RenderRichElements(const json* elements, int depth);

std::string RenderRichInline(const json& e) {
  std::string type = Str(e, "type");
  std::string html;
  if (type == "text") {
    html = RenderPlainText(Str(e, "text"));
  } else if (type == "link") {
    std::string label = Str(e, "text").empty() ? Str(e, "url") : Str(e, "text");
    std::string url = Str(e, "url");
    html = SafeUrl(url) ? Anchor(url, HtmlEscape(label)) : HtmlEscape(label);
  } else if (type == "emoji") {
    html = RichTextEmoji(Str(e, "name"), Str(e, "unicode"));
  } else if (type == "user") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "user_id")) + "</span>";
  } else if (type == "channel") {
    html = "<span class=\"mention\">#" + HtmlEscape(Str(e, "channel_id")) + "</span>";
  } else if (type == "usergroup") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "usergroup_id")) + "</span>";
  } else if (type == "broadcast") {
    html = "<span class=\"mention\">@" + HtmlEscape(Str(e, "range")) + "</span>";
  } else {
    return "";
  }
  if (const json* style = Find(e, "style"); style != nullptr && style->is_object()) {
    auto on = [&](const char* k) { return style->value(k, false) == true; };
    if (on("code")) html = "<code>" + html + "</code>";
    if (on("bold")) html = "<b>" + html + "</b>";
    if (on("italic")) html = "<i>" + html + "</i>";
    if (on("strike")) html = "<s>" + html + "</s>";
  }
  return html;
}

// The inline elements (text, link, emoji, mentions) of a rich_text section,
// preformatted block or quote, rendered one after another.
std::string RichInlines(const json& e) {
  std::string inner;
  if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
    for (const json& p : *parts) inner += RenderRichInline(p);
  }
  return inner;
}

std::string RenderRichElements(const json* elements, int depth) {
  if (elements == nullptr || !elements->is_array() || depth > kMaxRichTextDepth) return "";
  std::string out;
  for (const json& e : *elements) {
    std::string type = Str(e, "type");
    if (type == "rich_text_section") {
      out += Div("rich-section", RichInlines(e));
    } else if (type == "rich_text_preformatted") {
      out += "<pre>" + RichInlines(e) + "</pre>";
    } else if (type == "rich_text_quote") {
      out += "<blockquote>" + RichInlines(e) + "</blockquote>";
    } else if (type == "rich_text_list") {
      const char* tag = Str(e, "style") == "ordered" ? "ol" : "ul";
      std::string items;
      if (const json* parts = Find(e, "elements"); parts != nullptr && parts->is_array()) {
        for (const json& p : *parts) {
          json one = json::array({p});
          items += "<li>" + RenderRichElements(&one, depth + 1) + "</li>";
        }
      }
      out += std::string("<") + tag + ">" + items + "</" + tag + ">";
    }
  }
  return out;
}

std::string RenderBlock(const json& b) {
  std::string type = Str(b, "type");
  if (type == "section") {
    std::string inner;
    if (const json* t = Find(b, "text")) inner += Div("section-text", RenderTextObject(t));
    if (const json* fields = Find(b, "fields"); fields != nullptr && fields->is_array()) {
      std::string f;
      for (const json& field : *fields) f += Div("field", RenderTextObject(&field));
      inner += Div("fields", f);
    }
    if (const json* a = Find(b, "accessory")) inner += Div("accessory", RenderElement(*a));
    return Div("block section", inner);
  }
  if (type == "header") return Div("block header", RenderTextObject(Find(b, "text")));
  if (type == "divider") return "<hr class=\"block divider\">";
  if (type == "context" || type == "actions") {
    std::string inner;
    if (const json* es = Find(b, "elements"); es != nullptr && es->is_array()) {
      for (const json& e : *es) inner += "<span class=\"item\">" + RenderElement(e) + "</span>";
    }
    return Div("block " + type, inner);
  }
  if (type == "image") {
    std::string inner = "[image: " + HtmlEscape(Str(b, "alt_text")) + "]";
    if (const json* t = Find(b, "title")) inner = RenderTextObject(t) + " " + inner;
    return Div("block image", inner);
  }
  if (type == "rich_text")
    return Div("block rich-text", RenderRichElements(Find(b, "elements"), 0));
  if (type == "markdown") return Div("block markdown", RenderMrkdwn(Str(b, "text")));
  return Div("block other", "[" + HtmlEscape(type) + " block]");
}

std::string RenderBlocks(const json* blocks) {
  std::string out;
  if (blocks == nullptr || !blocks->is_array()) return out;
  for (const json& b : *blocks) out += RenderBlock(b);
  return out;
}

// Legacy attachment colours: the three names Slack knows or #rgb/#rrggbb;
// anything else is dropped so it cannot reach the style attribute.
std::string AttachmentColor(const std::string& c) {
  if (c == "good") return "#2eb67d";
  if (c == "warning") return "#ecb22e";
  if (c == "danger") return "#e01e5a";
  std::string hex = c.rfind('#', 0) == 0 ? c.substr(1) : c;
  if (hex.size() != 3 && hex.size() != 6) return "#dddddd";
  for (char ch : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return "#dddddd";
  }
  return "#" + hex;
}

std::string RenderAttachment(const json& a) {
  std::string inner;
  if (std::string s = Str(a, "author_name"); !s.empty()) inner += Div("author", RenderPlainText(s));
  if (std::string title = Str(a, "title"); !title.empty()) {
    std::string t = RenderEntities(title);
    std::string link = Str(a, "title_link");
    inner += Div("title", link.empty() ? t : Link(link, t));
  }
  if (std::string s = Str(a, "text"); !s.empty()) inner += Div("text", RenderMrkdwn(s));
  if (const json* fields = Find(a, "fields"); fields != nullptr && fields->is_array()) {
    std::string f;
    for (const json& field : *fields) {
      f += Div("field", Div("field-title", RenderPlainText(Str(field, "title"))) +
                            Div("field-value", RenderMrkdwn(Str(field, "value"))));
    }
    inner += Div("fields", f);
  }
  inner += RenderBlocks(Find(a, "blocks"));
  if (std::string s = Str(a, "footer"); !s.empty()) inner += Div("footer", RenderMrkdwn(s));
  if (inner.empty()) inner = Div("text", RenderPlainText(Str(a, "fallback")));
  std::string out;
  if (std::string s = Str(a, "pretext"); !s.empty()) out += Div("pretext", RenderMrkdwn(s));
  out += "<div class=\"attachment\" style=\"border-left-color:" + AttachmentColor(Str(a, "color")) +
         "\">" + inner + "</div>";
  return out;
}

}  // namespace

std::string RenderMessageHtml(std::string_view payload_json) {
  json p = json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (p.is_discarded() || !p.is_object()) return "<div class=\"note\">(unreadable payload)</div>";
  std::string out;
  const json* blocks = Find(p, "blocks");
  if (blocks != nullptr && blocks->is_array() && !blocks->empty()) {
    out += RenderBlocks(blocks);
  } else if (std::string text = Str(p, "text"); !text.empty()) {
    const json* mrkdwn = Find(p, "mrkdwn");
    bool plain = mrkdwn != nullptr && mrkdwn->is_boolean() && !mrkdwn->get<bool>();
    // "mrkdwn": false turns formatting off; entities still mean their character.
    out += Div("text", plain ? RenderPlainText(DecodeEntities(text)) : RenderMrkdwn(text));
  }
  if (const json* attachments = Find(p, "attachments");
      attachments != nullptr && attachments->is_array()) {
    for (const json& a : *attachments) out += RenderAttachment(a);
  }
  return out;
}

}  // namespace mock_slack
