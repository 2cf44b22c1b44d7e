// Limits of the filter pattern language: AWS's own (documented quotas) and
// ours (safety bounds so that no pattern can make the parser or matcher
// recurse without bound, allocate without bound or run for long).
#ifndef IAM_AUDIT_FILTER_LIMITS_H_
#define IAM_AUDIT_FILTER_LIMITS_H_

#include <cstddef>

namespace iam_audit::filter_internal {

// AWS (MetricFilter.filterPattern: length 0-1024).
inline constexpr size_t kMaxPatternChars = 1024;
// AWS (FilterAndPatternSyntax: regex quotas, wildcard selector quotas).
inline constexpr int kMaxRegexesPerPattern = 2;
inline constexpr int kMaxWildcardsPerSelector = 1;
inline constexpr int kMaxWildcardSelectors = 3;

// Ours.
inline constexpr int kMaxNestingDepth = 32;     // parentheses in JSON patterns
inline constexpr int kMaxTerms = 128;           // terms in a term pattern
inline constexpr int kMaxConditions = 128;      // comparisons in a JSON pattern
inline constexpr int kMaxFields = 128;          // fields in a space-delimited pattern
inline constexpr int kMaxSelectorSteps = 32;    // steps in one selector ($.a.b[0] = 3)
inline constexpr int kMaxArrayIndex = 1000000;  // $.a[N]
inline constexpr int kMaxRegexRepeat = 1000;    // {m,n} bounds (as RE2)
inline constexpr int kMaxRegexStates = 2000;    // NFA states after expanding repeats

}  // namespace iam_audit::filter_internal

#endif  // IAM_AUDIT_FILTER_LIMITS_H_
