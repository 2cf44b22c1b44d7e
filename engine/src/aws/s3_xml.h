// A tiny reader for the two XML documents the S3 client reads: S3's Error
// document and ListObjectsV2's ListBucketResult. S3 writes them flat and
// namespace-free apart from the root's xmlns, so this finds elements by name
// and decodes their text (the five named entities and numeric character
// references, CDATA sections). Not a general XML parser: no DTDs, no
// processing of attributes, elements of a given name are not nested in one
// another. Why not libxml2: one dependency and a full parser (with its own
// entity-expansion hardening to get right) for two flat documents.
#ifndef IAM_AUDIT_AWS_S3_XML_H_
#define IAM_AUDIT_AWS_S3_XML_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iam_audit/s3_client.h"
#include "iam_audit/status.h"

namespace iam_audit::aws {

// The raw (undecoded) content of every <name>…</name> element in `xml`, in
// document order; <name/> gives "". kInvalidArgument on an unclosed element.
StatusOr<std::vector<std::string_view>> XmlElements(std::string_view xml, std::string_view name);

// Decodes entities, character references and CDATA in element text.
// kInvalidArgument on an unknown entity or a malformed reference.
StatusOr<std::string> XmlText(std::string_view raw);

// The decoded text of the first <name> element, or nullopt when there is none.
StatusOr<std::optional<std::string>> XmlFirstText(std::string_view xml, std::string_view name);

struct S3ErrorDocument {
  std::string code;     // "NoSuchKey"; "" when the body is not an Error document
  std::string message;  // "The specified key does not exist."
};
// Never fails: an unreadable body gives empty fields.
S3ErrorDocument ParseS3Error(std::string_view xml);

// kInvalidArgument describing what is wrong when the document is not a
// ListBucketResult (a missing <Key> or <Size>, a Size that is not a number).
// With <EncodingType>url</EncodingType> (the client asks for it) each Key is
// URL-decoded as botocore decodes it: %XX escapes, and '+' for a space.
StatusOr<s3::ListObjectsV2Result> ParseListBucketResult(std::string_view xml);

}  // namespace iam_audit::aws

#endif  // IAM_AUDIT_AWS_S3_XML_H_
