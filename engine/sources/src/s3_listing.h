// Private to iam_audit_sources: the narrowed S3 listing (s3_listing.cc; the
// rules are "Narrowed S3 listing" in iam_audit/sources/sources.h), the two
// pieces of listing.cc it shares (the account/region test and what the full
// listing does with one listed object) and the S3 client that listing.cc and
// sources.cc (GetObject) share.
#ifndef IAM_AUDIT_SOURCES_SRC_S3_LISTING_H_
#define IAM_AUDIT_SOURCES_SRC_S3_LISTING_H_

#include <string>
#include <vector>

#include "iam_audit/s3_client.h"
#include "iam_audit/sources/sources.h"
#include "iam_audit/status.h"

namespace iam_audit::sources {

// Where the listing puts what it finds: the counts in `list`, each unit
// to `on_unit` until it returns false (then `stopped`, and the listers
// return at once).
struct UnitSink {
  SourceList* list;
  const UnitCallback* on_unit;
  bool stopped = false;
};

// Lists s3://`bucket`/`prefix` into `sink`, page by page: narrowed to the layout's
// prefixes the selection can reach when `options` select by account, region
// or time (and narrow_s3_listing), else every object under the prefix.
// Counts each ListObjectsV2 page in list_requests. (s3_listing.cc)
Status ListS3Prefix(s3::S3Client& client, const std::string& bucket, const std::string& prefix,
                    const SourceOptions& options, UnitSink* sink);

// Whether `value` is one of `list` (an empty list selects all). (listing.cc)
bool Listed(const std::vector<std::string>& list, const std::string& value);

// Hands one listed object to `sink` as the full listing would: folder
// markers dropped, names filtered, digests and log files outside the
// selection counted. (listing.cc)
void AddS3Object(const std::string& bucket, const s3::ObjectSummary& object,
                 const SourceOptions& options, UnitSink* sink);

// SourceOptions::s3, else S3Config::FromEnvironment(). (listing.cc)
StatusOr<s3::S3Config> S3ConfigFor(const SourceOptions& options);

// One S3 client per thread, rebuilt when the configuration changes. (listing.cc)
s3::S3Client& ClientFor(const s3::S3Config& config);

}  // namespace iam_audit::sources

#endif  // IAM_AUDIT_SOURCES_SRC_S3_LISTING_H_
