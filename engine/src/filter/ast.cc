// The filter AST's text forms (ast.h): operator and selector text, and Dump,
// the tree as Filter::DumpAst() prints it.
#include "filter/ast.h"

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

namespace iam_audit::filter_internal {
namespace {

// Appends pieces. (`"literal" + std::string` trips GCC 12's -Wrestrict at -O3,
// PR105329, so dumps are built by appending.)
void Append(std::string& out, std::initializer_list<std::string_view> parts) {
  for (std::string_view p : parts) out.append(p);
}

// JSON-style quoting so that dumps are unambiguous and printable.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string DumpLiteral(const Literal& lit) {
  switch (lit.kind) {
    case Literal::Kind::kString:
      return Quote(lit.text);
    case Literal::Kind::kNumber:
      return lit.text;
    case Literal::Kind::kRegex: {
      std::string out;
      Append(out, {"%", lit.text, "%"});
      return out;
    }
    case Literal::Kind::kAny:
      return "*";
  }
  return "?";
}

void DumpExpr(const Expr& e, std::string& out) {
  const std::string subject = e.field.empty() ? e.selector.ToString() : e.field;
  switch (e.kind) {
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr:
      out += e.kind == Expr::Kind::kAnd ? "(and" : "(or";
      for (const auto& c : e.children) {
        out += ' ';
        DumpExpr(*c, out);
      }
      out += ')';
      return;
    case Expr::Kind::kCompare:
      Append(out, {"(", OpText(e.op), " ", subject, " ", DumpLiteral(e.literal), ")"});
      return;
    case Expr::Kind::kIsNull:
      Append(out, {"(is-null ", subject, ")"});
      return;
    case Expr::Kind::kIsTrue:
      Append(out, {"(is-true ", subject, ")"});
      return;
    case Expr::Kind::kIsFalse:
      Append(out, {"(is-false ", subject, ")"});
      return;
    case Expr::Kind::kNotExists:
      Append(out, {"(not-exists ", subject, ")"});
      return;
  }
}

}  // namespace

const char* OpText(Op op) {
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kGt:
      return ">";
    case Op::kLe:
      return "<=";
    case Op::kGe:
      return ">=";
  }
  return "?";
}

std::string Selector::ToString() const {
  std::string out = "$";
  for (const Step& s : steps) {
    switch (s.kind) {
      case Step::Kind::kName:
        // Appends piecewise: `"." + name` trips GCC 12's -Wrestrict (PR105329).
        out += s.bracketed ? "['" : ".";
        out += s.name;
        if (s.bracketed) out += "']";
        break;
      case Step::Kind::kIndex:
        out += '[';
        out += std::to_string(s.index);
        out += ']';
        break;
      case Step::Kind::kWildcard:
        out += s.bracketed ? "[*]" : ".*";
        break;
    }
  }
  return out;
}

std::string Dump(const Ast& ast) {
  std::string out;
  switch (ast.kind) {
    case Ast::Kind::kTerms:
      out = "(terms";
      for (const Term& t : ast.terms) {
        const char* tag = t.kind == Term::Kind::kRequired   ? "+"
                          : t.kind == Term::Kind::kExcluded ? "-"
                                                            : "?";
        Append(out, {" (", tag, " ", Quote(t.text), ")"});
      }
      out += ")";
      break;
    case Ast::Kind::kRegex:
      Append(out, {"(regex ", DumpLiteral(ast.regex), ")"});
      break;
    case Ast::Kind::kJson:
      out = "(json ";
      DumpExpr(*ast.json, out);
      out += ")";
      break;
    case Ast::Kind::kDelimited:
      out = "(delimited";
      for (const Field& f : ast.fields) {
        out += ' ';
        switch (f.kind) {
          case Field::Kind::kEllipsis:
            out += "...";
            break;
          case Field::Kind::kEmpty:
            out += "_";
            break;
          case Field::Kind::kNamed:
            if (f.condition) {
              DumpExpr(*f.condition, out);
            } else {
              out += f.name;
            }
            break;
        }
      }
      out += ")";
      break;
  }
  return out;
}

}  // namespace iam_audit::filter_internal
