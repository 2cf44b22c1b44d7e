// AST → flat program. Decisions where AWS documents nothing are marked "Ours:".
#include <cassert>

#include "filter/parser.h"
#include "filter/program.h"

namespace iam_audit::filter_internal {
namespace {

bool IsBlank(const std::string& s) {
  for (char c : s)
    if (c != ' ' && c != '\t') return false;
  return true;
}

// `*` at the start and/or end of a string value is a wildcard; elsewhere it
// is literal ("Ev*ent" only matches "Ev*ent"). A lone `*` means "any value";
// an empty value (`""`) is the empty string, compared exactly like any other
// (AWS documents only `*` / `"*"` as "present with any value").
ValueMatcher CompileLiteral(const Literal& lit) {
  ValueMatcher m;
  switch (lit.kind) {
    case Literal::Kind::kAny:
      m.kind = ValueMatcher::Kind::kAny;
      return m;
    case Literal::Kind::kNumber:
      m.kind = ValueMatcher::Kind::kNumber;
      m.text = lit.text;
      m.number = lit.number;
      return m;
    case Literal::Kind::kRegex: {
      m.kind = ValueMatcher::Kind::kRegex;
      RegexError err;
      const bool ok = m.regex.Compile(lit.text, &err);
      assert(ok);  // the parser compiled it already
      (void)ok;
      return m;
    }
    case Literal::Kind::kString:
      break;
  }
  std::string s = lit.text;
  if (s.empty()) {  // `""`: exactly the empty string
    m.kind = ValueMatcher::Kind::kExact;
    return m;
  }
  if (s.find_first_not_of('*') == std::string::npos) {  // "*", "**"
    m.kind = ValueMatcher::Kind::kAny;
    return m;
  }
  const bool lead = s.front() == '*';
  const bool trail = s.back() == '*';
  if (lead) s.erase(0, 1);
  if (trail) s.pop_back();
  m.text = std::move(s);
  m.kind = lead && trail ? ValueMatcher::Kind::kContains
           : lead        ? ValueMatcher::Kind::kSuffix
           : trail       ? ValueMatcher::Kind::kPrefix
                         : ValueMatcher::Kind::kExact;
  return m;
}

void CompileTerms(const Ast& ast, TermsProgram* p) {
  bool has_plain = false;
  for (const Term& t : ast.terms) has_plain |= t.kind != Term::Kind::kOptional;
  for (const Term& t : ast.terms) {
    // `""` and `" "` match every event (AWS's filter pattern syntax: an
    // empty term): an empty needle.
    std::string needle = t.quoted && IsBlank(t.text) ? std::string() : t.text;
    switch (t.kind) {
      case Term::Kind::kRequired:
        p->required.push_back(std::move(needle));
        break;
      case Term::Kind::kExcluded:
        p->excluded.push_back(std::move(needle));
        break;
      case Term::Kind::kOptional:
        // FilterAndPatternSyntax: `?ERROR ?ARGUMENTS REQUEST` behaves as
        // `REQUEST`: `?` terms mixed with other terms are ignored.
        if (!has_plain) p->optional.push_back(std::move(needle));
        break;
    }
  }
}

class JsonCompiler {
 public:
  explicit JsonCompiler(JsonProgram* p) : p_(p) { p_->nodes.emplace_back(); }

  void Compile(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr:
        for (const auto& c : e.children) Compile(*c);
        p_->code.push_back({e.kind == Expr::Kind::kAnd ? BoolOp::Kind::kAnd : BoolOp::Kind::kOr,
                            static_cast<uint32_t>(e.children.size())});
        return;
      default:
        break;
    }
    JsonProgram::Condition c;
    c.kind = e.kind;
    c.op = e.op;
    if (e.kind == Expr::Kind::kCompare) c.value = CompileLiteral(e.literal);
    c.node = NodeFor(e.selector);
    if (p_->nodes[c.node].conditions.empty()) ++p_->leaf_count;
    p_->nodes[c.node].conditions.push_back(static_cast<uint32_t>(p_->conditions.size()));
    p_->code.push_back({BoolOp::Kind::kPush, static_cast<uint32_t>(p_->conditions.size())});
    p_->conditions.push_back(std::move(c));
  }

 private:
  uint32_t NodeFor(const Selector& sel) {
    uint32_t cur = 0;
    for (const Step& s : sel.steps) {
      int32_t found = -1;
      JsonProgram::Node& n = p_->nodes[cur];
      switch (s.kind) {
        case Step::Kind::kName:
          for (auto& [name, child] : n.names)
            if (name == s.name) found = static_cast<int32_t>(child);
          break;
        case Step::Kind::kIndex:
          for (auto& [index, child] : n.indexes)
            if (index == s.index) found = static_cast<int32_t>(child);
          break;
        case Step::Kind::kWildcard:
          found = n.wildcard;
          p_->has_wildcard = true;
          break;
      }
      if (found < 0) {
        found = static_cast<int32_t>(p_->nodes.size());
        p_->nodes.emplace_back();  // invalidates `n`
        JsonProgram::Node& parent = p_->nodes[cur];
        if (s.kind == Step::Kind::kName) parent.names.emplace_back(s.name, found);
        if (s.kind == Step::Kind::kIndex) parent.indexes.emplace_back(s.index, found);
        if (s.kind == Step::Kind::kWildcard) parent.wildcard = found;
      }
      cur = static_cast<uint32_t>(found);
    }
    return cur;
  }

  JsonProgram* p_;
};

void CompileFieldExpr(const Expr& e, DelimitedProgram::Field* f) {
  if (e.kind == Expr::Kind::kAnd || e.kind == Expr::Kind::kOr) {
    for (const auto& c : e.children) CompileFieldExpr(*c, f);
    f->code.push_back({e.kind == Expr::Kind::kAnd ? BoolOp::Kind::kAnd : BoolOp::Kind::kOr,
                       static_cast<uint32_t>(e.children.size())});
    return;
  }
  f->code.push_back({BoolOp::Kind::kPush, static_cast<uint32_t>(f->conditions.size())});
  f->conditions.push_back({e.op, CompileLiteral(e.literal)});
}

}  // namespace

bool RunBoolCode(const std::vector<BoolOp>& code, const uint8_t* truth) {
  // The stack never holds more than one entry per condition plus one per
  // operator; conditions are bounded by kMaxConditions.
  uint8_t stack[512];
  size_t sp = 0;
  for (const BoolOp& op : code) {
    if (op.kind == BoolOp::Kind::kPush) {
      stack[sp++] = truth[op.arg];
      continue;
    }
    const size_t n = op.arg;
    uint8_t v = op.kind == BoolOp::Kind::kAnd ? 1 : 0;
    for (size_t i = sp - n; i < sp; ++i)
      v = op.kind == BoolOp::Kind::kAnd ? (v & stack[i]) : (v | stack[i]);
    sp -= n;
    stack[sp++] = v;
  }
  return sp == 1 && stack[0];
}

std::unique_ptr<Program> CompileAst(std::unique_ptr<const Ast> ast, std::string_view pattern) {
  auto p = std::make_unique<Program>();
  p->pattern = std::string(pattern);
  switch (ast->kind) {
    case Ast::Kind::kTerms:
      p->kind = Filter::Kind::kTerms;
      CompileTerms(*ast, &p->terms);
      break;
    case Ast::Kind::kRegex: {
      p->kind = Filter::Kind::kRegex;
      RegexError err;
      const bool ok = p->regex.Compile(ast->regex.text, &err);
      assert(ok);
      (void)ok;
      break;
    }
    case Ast::Kind::kJson: {
      p->kind = Filter::Kind::kJson;
      JsonCompiler(&p->json).Compile(*ast->json);
      for (JsonProgram::Node& n : p->json.nodes) n.first_only = !p->json.has_wildcard;
      break;
    }
    case Ast::Kind::kDelimited:
      p->kind = Filter::Kind::kDelimited;
      for (size_t i = 0; i < ast->fields.size(); ++i) {
        const Field& f = ast->fields[i];
        DelimitedProgram::Field out;
        out.kind = f.kind;
        if (f.kind == Field::Kind::kNamed) out.key = "$" + f.name;
        if (f.kind == Field::Kind::kEllipsis) p->delimited.ellipsis = static_cast<int>(i);
        if (f.condition) CompileFieldExpr(*f.condition, &out);
        p->delimited.fields.push_back(std::move(out));
      }
      break;
  }
  p->ast = std::move(ast);
  return p;
}

}  // namespace iam_audit::filter_internal
