// FilterSet: several filters matched against one event, the JSON patterns
// among them with one walk of the event (see iam_audit/filter.h).
#include <algorithm>
#include <cstring>

#include "filter/limits.h"
#include "filter/program.h"
#include "iam_audit/filter.h"

namespace iam_audit {
namespace filter_internal {

bool JsonGroup::Add(const JsonProgram& p, size_t filter) {
  JsonProgram& m = merged;
  if (m.nodes.empty()) m.nodes.emplace_back();  // the shared root `$`
  // The walker keeps the trie nodes of one value in lists of kMaxConditions
  // entries (every node leads to a distinct condition); a node has one
  // wildcard child.
  if (m.conditions.size() + p.conditions.size() > static_cast<size_t>(kMaxConditions)) return false;
  if (m.nodes[0].wildcard >= 0 && p.nodes[0].wildcard >= 0) return false;

  // Node i of `p` becomes node_map[i] of `m`; its root is m's root.
  const uint32_t node_base = static_cast<uint32_t>(m.nodes.size()) - 1;
  const uint32_t cond_base = static_cast<uint32_t>(m.conditions.size());
  const auto node_map = [&](uint32_t i) { return i == 0 ? 0u : node_base + i; };
  JsonProgram::Node& root = m.nodes[0];
  for (const auto& [name, child] : p.nodes[0].names) root.names.emplace_back(name, node_map(child));
  for (const auto& [index, child] : p.nodes[0].indexes)
    root.indexes.emplace_back(index, node_map(child));
  if (p.nodes[0].wildcard >= 0) root.wildcard = static_cast<int32_t>(node_map(p.nodes[0].wildcard));
  for (uint32_t c : p.nodes[0].conditions) root.conditions.push_back(cond_base + c);
  for (size_t i = 1; i < p.nodes.size(); ++i) {
    JsonProgram::Node n = p.nodes[i];
    for (auto& [name, child] : n.names) child = node_map(child);
    for (auto& [index, child] : n.indexes) child = node_map(child);
    if (n.wildcard >= 0) n.wildcard = static_cast<int32_t>(node_map(n.wildcard));
    for (uint32_t& c : n.conditions) c += cond_base;
    m.nodes.push_back(std::move(n));
  }
  for (const JsonProgram::Condition& c : p.conditions) {
    m.conditions.push_back(c);
    m.conditions.back().node = node_map(c.node);
  }
  m.has_wildcard = m.has_wildcard || p.has_wildcard;
  m.leaf_count += p.leaf_count;
  Member member;
  member.filter = filter;
  member.code = p.code;
  for (BoolOp& op : member.code)
    if (op.kind == BoolOp::Kind::kPush) op.arg += cond_base;
  members.push_back(std::move(member));
  return true;
}

struct FilterSetProgram {
  std::vector<Filter> filters;
  std::vector<JsonGroup> groups;
  // Per filter: the index of its JSON group, or -1 (matched on its own).
  std::vector<int32_t> group_of;
};

}  // namespace filter_internal

using filter_internal::FilterSetProgram;
using filter_internal::JsonGroup;

FilterSet::FilterSet() : FilterSet(std::vector<Filter>()) {}

FilterSet::FilterSet(std::vector<Filter> filters) {
  auto set = std::make_shared<FilterSetProgram>();
  set->filters = std::move(filters);
  set->group_of.assign(set->filters.size(), -1);
  for (size_t i = 0; i < set->filters.size(); ++i) {
    const filter_internal::Program& p = *set->filters[i].program_;
    if (p.kind != Filter::Kind::kJson) continue;
    if (set->groups.empty() || !set->groups.back().Add(p.json, i)) {
      set->groups.emplace_back();
      const bool added = set->groups.back().Add(p.json, i);  // one pattern always fits
      (void)added;
    }
    set->group_of[i] = static_cast<int32_t>(set->groups.size() - 1);
  }
  program_ = std::move(set);
}

size_t FilterSet::size() const { return program_->filters.size(); }
const Filter& FilterSet::filter(size_t i) const { return program_->filters[i]; }

FilterSet::Evaluation::Evaluation(const FilterSetProgram& set, std::string_view event)
    : set_(&set), event_(event), verdicts_(set.filters.size(), -1) {}

FilterSet::Evaluation FilterSet::Evaluate(std::string_view event) const {
  return Evaluation(*program_, event);
}

bool FilterSet::Evaluation::Matches(size_t i) {
  if (verdicts_[i] >= 0) return verdicts_[i] != 0;
  const int32_t g = set_->group_of[i];
  if (g < 0) {
    verdicts_[i] = set_->filters[i].Matches(event_) ? 1 : 0;
    return verdicts_[i] != 0;
  }
  const JsonGroup& group = set_->groups[static_cast<size_t>(g)];
  thread_local std::vector<uint8_t> scratch;
  const size_t need = group.merged.nodes.size() + group.merged.conditions.size();
  if (scratch.size() < need) scratch.resize(need);
  uint8_t* const found = scratch.data();
  uint8_t* const truth = scratch.data() + group.merged.nodes.size();
  const bool json = filter_internal::ScanJson(group.merged, event_, found, truth);
  for (const JsonGroup::Member& m : group.members)
    verdicts_[m.filter] = json && filter_internal::RunBoolCode(m.code, truth) ? 1 : 0;
  return verdicts_[i] != 0;
}

size_t FilterSet::FirstMatch(std::string_view event) const {
  Evaluation e = Evaluate(event);
  for (size_t i = 0; i < size(); ++i)
    if (e.Matches(i)) return i;
  return size();
}

}  // namespace iam_audit
