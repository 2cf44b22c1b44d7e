// Reading a request body in the mock-slack front end, within the --max-body
// cap: a plain body whole, a multipart/form-data body as its parts, and the
// fields of such parts written back as a urlencoded form.
#ifndef MOCK_SLACK_SERVER_REQUEST_BODY_H_
#define MOCK_SLACK_SERVER_REQUEST_BODY_H_

#include <httplib.h>

#include <cstddef>
#include <string>
#include <vector>

#include "mock_slack/payload.h"

namespace mock_slack {

// Reads a plain body whole, up to `max_body` bytes; false when it is over
// (*too_large) or could not be read.
bool ReadBody(const httplib::ContentReader& reader, std::size_t max_body, std::string* body,
              bool* too_large);

// The parts of a multipart/form-data body, kept within `max_body` bytes
// (names and contents). cpp-httplib parses such a body itself, and its plain
// reader would hand the parts to no receiver at all (an exception, so a
// 500): every handler that reads a body reads a multipart one with this.
// False when the body is over the cap (*too_large) or cannot be parsed (no
// boundary parameter, a boundary that never comes, a broken part header) or
// read.
bool ReadMultipart(const httplib::ContentReader& reader, std::size_t max_body,
                   std::vector<FormPart>* parts, bool* too_large);

// application/x-www-form-urlencoded text of the fields (not the files) of
// `parts`, for a handler that reads form bodies.
std::string FormEncode(const std::vector<FormPart>& parts);

}  // namespace mock_slack

#endif  // MOCK_SLACK_SERVER_REQUEST_BODY_H_
